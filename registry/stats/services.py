"""Writes of the statistics app: saved queries, and export requests with their approval.

An export of more than REGISTRY_EXPORT_APPROVAL_ROWS people needs a second person's approval
(GB/T 35273 §7.1): a different staff member who holds APPROVE_PERM (and VIEW_FULL_ID when full
numbers are asked for) at every agency the export covers or above it. Every request, decision,
build and download is an audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff, actor_roots
from registry.audit.services import audit_append
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.workflow import apply_transition
from registry.orgs.models import Agency
from registry.people.models import Person

from .exports import KEEP, SEALED, remove_file, sweep_files, xlsx_write
from .models import EXPORT_TRANSITIONS, ExportFormat, ExportJob, ExportStatus, SavedQuery
from .query import is_archive_no, query_queryset

# Until roles.py has an export-approval permission of its own: reviewers and administrators.
APPROVE_PERM = Perm.REVIEW
LABELS = dict(ExportStatus.choices)
NO_ARCHIVE_NO = "按证件号码查找的条件不能保存或导出，请在人员查询中直接查看该人员"


def approval_threshold() -> int:
    return int(getattr(settings, "REGISTRY_EXPORT_APPROVAL_ROWS", 1000))


def _require_staff(actor: Any) -> None:
    if not actor_is_staff(actor):
        raise Forbidden("staff only")


def _refuse_archive_no(criteria: Mapping[str, str]) -> None:
    # A full ID number in a stored query would sit in the database (and the audit trail) in clear.
    if is_archive_no(criteria.get("q", "")):
        raise DomainError.single("stats.archive_no_criteria", "q", NO_ARCHIVE_NO)


# Saved queries -------------------------------------------------------------------------------


def saved_query_save(*, actor: Any, name: str, criteria: Mapping[str, str]) -> SavedQuery:
    """Save (or overwrite, by name) one of the actor's queries."""
    _require_staff(actor)
    name = name.strip()
    if not name or len(name) > 60:
        raise DomainError.single("stats.query_name", "name", "请填写查询名称（不超过 60 个字）")
    _refuse_archive_no(criteria)
    saved, _ = SavedQuery.objects.update_or_create(
        owner=actor, name=name, defaults={"params": dict(criteria)}
    )
    return saved


def saved_query_delete(*, actor: Any, pk: int) -> None:
    deleted, _ = SavedQuery.objects.filter(owner=actor, pk=pk).delete()
    if not deleted:
        raise NotVisible(str(pk))


# Exports -------------------------------------------------------------------------------------


def _audit(actor: Any, action: str, job: ExportJob, **data: Any) -> None:
    audit_append(
        actor=actor,
        action=f"stats.export_{action}",
        object_type="export",
        object_id=str(job.uid),
        data={
            "format": job.fmt,
            "rows": job.rows,
            "full_ids": job.full_ids,
            "criteria": job.summary,
            "scope": job.scope,
            **data,
        },
    )


def _after_commit_build(job: ExportJob) -> None:
    if job.fmt != ExportFormat.XLSX:
        return
    from .tasks import build_export  # the task module imports this one

    uid = str(job.uid)
    transaction.on_commit(lambda: build_export.enqueue(uid))


def _clear(job: ExportJob) -> None:
    """Approved (or small enough): a CSV is ready at once (streamed when downloaded); an xlsx is
    built by a background task after the transaction commits."""
    if job.fmt == ExportFormat.CSV:
        apply_transition(
            job, table=EXPORT_TRANSITIONS, action="prepare", actor=None, actor_kind="system", labels=LABELS
        )
    else:
        _after_commit_build(job)


def export_request(
    *, actor: Any, criteria: Mapping[str, str], summary: str, fmt: str, full_ids: bool = False
) -> ExportJob:
    """Count the query's people now and record the request; above the threshold it waits for approval."""
    _require_staff(actor)
    if fmt not in ExportFormat.values:
        raise DomainError.single("stats.export_format", "fmt", "请选择导出格式")
    _refuse_archive_no(criteria)
    code = criteria.get("agency", "")
    scope = [code] if code else [a.code for a in actor_roots(actor, Perm.VIEW_PEOPLE)]
    agencies = list(Agency.objects.filter(code__in=scope))
    if not agencies:
        raise Forbidden("no scope")
    if full_ids and not all(actor_has_perm(actor, Perm.VIEW_FULL_ID, a) for a in agencies):
        raise Forbidden("view_full_id")
    with transaction.atomic():
        max_id = Person.objects.aggregate(m=Max("id"))["m"] or 0
        rows = query_queryset(actor, dict(criteria)).filter(id__lte=max_id).count()
        if rows == 0:
            raise DomainError.single("stats.export_empty", "criteria", "没有符合条件的人员，无需导出")
        needs_approval = rows > approval_threshold()
        job = ExportJob.objects.create(
            requested_by=actor,
            params=dict(criteria),
            summary=summary[:500],
            fmt=fmt,
            full_ids=full_ids,
            scope=scope,
            max_person_id=max_id,
            rows=rows,
            status=ExportStatus.AWAITING if needs_approval else ExportStatus.APPROVED,
        )
        _audit(actor, "request", job, needs_approval=needs_approval)
        if not needs_approval:
            _clear(job)
    return job


def may_approve(actor: Any, job: ExportJob) -> bool:
    """A different staff member with the permission at each agency of the scope, or above it."""
    if getattr(actor, "pk", None) is None or actor.pk == job.requested_by_id or not actor_is_staff(actor):
        return False
    perms = [APPROVE_PERM, Perm.VIEW_FULL_ID] if job.full_ids else [APPROVE_PERM]
    agencies = list(Agency.objects.filter(code__in=job.scope))
    return bool(agencies) and all(actor_has_perm(actor, p, a) for p in perms for a in agencies)


def _locked(uid: Any) -> ExportJob:
    job = ExportJob.objects.select_for_update().filter(uid=uid).first()
    if job is None:
        raise NotVisible(str(uid))
    return job


def export_decide(*, actor: Any, uid: Any, approve: bool, note: str = "") -> ExportJob:
    note = note.strip()[:200]
    if not approve and not note:
        raise DomainError.single("stats.reason_required", "note", "不同意时请填写原因")
    with transaction.atomic():
        job = _locked(uid)
        if job.requested_by_id == getattr(actor, "pk", None):
            raise Forbidden("no one approves their own export")
        if not may_approve(actor, job):
            raise Forbidden("approve export")
        apply_transition(
            job,
            table=EXPORT_TRANSITIONS,
            action="approve" if approve else "reject",
            actor=actor,
            actor_kind="approver",
            labels=LABELS,
            reason=note,
            extra_updates={"decided_by": actor, "decided_at": timezone.now(), "decision_note": note},
        )
        _audit(actor, "approve" if approve else "reject", job, note=note)
        if approve:
            _clear(job)
    return job


def export_withdraw(*, actor: Any, uid: Any) -> ExportJob:
    with transaction.atomic():
        job = _locked(uid)
        if job.requested_by_id != getattr(actor, "pk", None):
            raise NotVisible(str(uid))
        apply_transition(
            job,
            table=EXPORT_TRANSITIONS,
            action="withdraw",
            actor=actor,
            actor_kind="requester",
            labels=LABELS,
        )
        _audit(actor, "withdraw", job)
    return job


def export_build(*, uid: Any) -> None:
    """The background task: write the workbook, reporting progress as it goes."""
    with transaction.atomic():
        job = _locked(uid)
        if job.status != ExportStatus.APPROVED:
            return
        apply_transition(
            job, table=EXPORT_TRANSITIONS, action="start", actor=None, actor_kind="system", labels=LABELS
        )

    def progress(done: int) -> None:
        # Its own small write, committed at once, so the page polling the job sees it move.
        ExportJob.objects.filter(pk=job.pk).update(rows_done=done)

    try:
        name, rows = xlsx_write(job, progress)
    except Exception as exc:
        with transaction.atomic():
            job = _locked(uid)
            remove_file(job)
            apply_transition(
                job,
                table=EXPORT_TRANSITIONS,
                action="fail",
                actor=None,
                actor_kind="system",
                labels=LABELS,
                extra_updates={"error": type(exc).__name__, "finished_at": timezone.now()},
            )
            _audit(None, "fail", job, error=type(exc).__name__)
        raise
    with transaction.atomic():
        job = _locked(uid)
        apply_transition(
            job,
            table=EXPORT_TRANSITIONS,
            action="finish",
            actor=None,
            actor_kind="system",
            labels=LABELS,
            extra_updates={"file_name": name, "rows_done": rows, "finished_at": timezone.now()},
        )
        _audit(None, "build", job, written=rows)


def export_download(*, actor: Any, uid: Any) -> ExportJob:
    """The requester takes the export, once: the job is marked downloaded and the act audited
    before a byte is sent."""
    with transaction.atomic():
        job = _locked(uid)
        if job.requested_by_id != getattr(actor, "pk", None):
            raise NotVisible(str(uid))
        apply_transition(
            job,
            table=EXPORT_TRANSITIONS,
            action="download",
            actor=actor,
            actor_kind="requester",
            labels=LABELS,
            extra_updates={"downloaded_at": timezone.now()},
        )
        _audit(actor, "download", job)
    return job


def export_expire(*, job: ExportJob) -> bool:
    """Expire a request nobody decided or a file nobody took; True when a file was removed."""
    with transaction.atomic():
        locked = _locked(job.uid)
        if locked.status not in (ExportStatus.READY, ExportStatus.AWAITING):
            return False
        apply_transition(
            locked, table=EXPORT_TRANSITIONS, action="expire", actor=None, actor_kind="system", labels=LABELS
        )
        _audit(None, "expire", locked)
        return remove_file(locked)


def export_refuse_damaged(*, actor: Any, uid: Any, error: str) -> None:
    """A stored file that failed authentication (altered, cut short, swapped, or sealed with a
    key no longer configured) is never served: the job expires, its file goes, the act is audited."""
    with transaction.atomic():
        job = _locked(uid)
        if job.status != ExportStatus.READY:
            return
        apply_transition(
            job,
            table=EXPORT_TRANSITIONS,
            action="expire",
            actor=None,
            actor_kind="system",
            labels=LABELS,
            extra_updates={"error": "damaged"},
        )
        _audit(actor, "damaged", job, error=error[:200])
        remove_file(job)


def exports_sweep(now: Any = None) -> int:
    """Expire requests not approved and files not downloaded within a day; remove every file no
    job still needs. Returns the number of files removed."""
    now = now or timezone.now()
    removed = 0
    stale = Q(status__in=(ExportStatus.READY, ExportStatus.AWAITING), requested_at__lt=now - KEEP)
    # Workbooks built before exports were sealed hold plaintext: they expire now, never served.
    unsealed = Q(status=ExportStatus.READY, fmt=ExportFormat.XLSX) & ~Q(file_name__endswith=SEALED)
    for job in ExportJob.objects.filter(stale | unsealed):
        removed += export_expire(job=job)
    keep = {
        str(uid)
        for uid in ExportJob.objects.filter(
            status__in=(ExportStatus.APPROVED, ExportStatus.RUNNING, ExportStatus.READY)
        ).values_list("uid", flat=True)
    }
    return removed + sweep_files(keep, now)
