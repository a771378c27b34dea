"""The two phases of an import job: the dry run (check every row, store the plan) and the commit
(write the planned rows, a chunk per transaction). Both stream the file a chunk at a time, so
memory holds the file, one chunk and one 16-byte digest per row (for duplicates in the file).

Called by the background task (`tasks.py`) and by `registry import` on the command line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.services import person_update

from .bulk import insert_dicts
from .journal import NewPerson, people_bulk_create
from .models import Action, ImportJob, ImportRow, JobStatus
from .reader import open_source
from .rows import WHOLE_ROW, Context, Issue, Parsed, Plan, column_of, parse_row, plan_row
from .storage import load_file

log = logging.getLogger(__name__)

CHUNK = 1000
Progress = Callable[[int, int], None]
T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def require_editor(actor: Any, job: ImportJob) -> None:
    """Staff with EDIT_PEOPLE at the job's agency; None is the command line's system actor."""
    if actor is not None and not actor_has_perm(actor, Perm.EDIT_PEOPLE, job.agency):
        raise Forbidden(f"edit_people at {job.agency.code}")


def _existing(indexes: list[str]) -> dict[str, Person]:
    if not indexes:
        return {}
    qs = (
        Person.objects.filter(archive_index__in=indexes)
        .select_related("agency")
        .prefetch_related("educations", "works")
    )
    return {p.archive_index: p for p in qs}


def _fail(job: ImportJob, code: str, message: str) -> None:
    if job.commit_started_at is None:
        ImportRow.objects.filter(job=job).delete()
    # After a commit has begun the plan stays: chunks already written are not repeated on resume.
    job.status = JobStatus.FAILED
    job.error_code, job.error_message = code, message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_code", "error_message", "finished_at"])


def _guarded(job: ImportJob, work: Callable[[], None]) -> None:
    """Run a phase; a file that cannot be read or a lost permission fails the job with a reason."""
    try:
        work()
    except DomainError as exc:
        _fail(job, exc.errors[0].code, "；".join(e.message for e in exc.errors))
    except Forbidden:
        _fail(job, "imports.forbidden", "您没有在该机构导入人员信息的权限")
    except Exception:
        log.exception("import job %s failed", job.uid)
        _fail(job, "imports.internal", "系统处理出错，文件未能导入，请联系系统管理员")
        raise


def _set_progress(job: ImportJob, done: int, total: int, progress: Progress | None) -> None:
    job.progress_done, job.progress_total = done, max(total, done)
    ImportJob.objects.filter(pk=job.pk).update(
        progress_done=job.progress_done, progress_total=job.progress_total
    )
    if progress:
        progress(job.progress_done, job.progress_total)


# -- dry run --------------------------------------------------------------------------------------


def validate_job(job_id: int, *, progress: Progress | None = None) -> ImportJob:
    job = ImportJob.objects.select_related("agency", "created_by").get(pk=job_id)
    claimed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(status=JobStatus.VALIDATING)
    if not claimed:  # a task delivered twice, or the job was already checked
        return job
    job.status = JobStatus.VALIDATING
    _guarded(job, lambda: _dry_run(job, progress))
    job.refresh_from_db()
    return job


def _duplicate_issue(rows: list[int]) -> dict[str, str]:
    others = "、".join(str(n) for n in rows[:10]) + ("等" if len(rows) > 10 else "")
    message = f"与第 {others} 行的证件号码相同：同一人在文件中只能有一行，请合并后重新导入"
    return Issue(column_of("identity.archive_no"), "imports.duplicate_in_file", message).as_dict()


class _Passports:
    """The same passport number under two nationalities is two people to the register (the blind
    index covers nationality + number, ADR 0005) — and often one person typed twice. Flag it."""

    SHOWN = 20

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, int]] = {}
        self.clashes: list[tuple[int, int]] = []

    def add(self, row_no: int, identity: dict[str, Any]) -> None:
        if identity.get("document_type") != "passport":
            return
        number, nationality = identity["archive_no"], identity.get("nationality") or ""
        seen = self.first.setdefault(number, (nationality, row_no))
        if seen[0] != nationality:
            self.clashes.append((seen[1], row_no))

    def notes(self) -> list[str]:
        return [
            f"第 {a} 行与第 {b} 行的护照号码相同而国籍不同，将作为两人登记：如为同一人，请核实国籍"
            for a, b in self.clashes[: self.SHOWN]
        ]


def _dry_run(job: ImportJob, progress: Progress | None) -> None:
    actor = job.created_by
    require_editor(actor, job)
    source = open_source(load_file(job), job.file_format)
    ctx = Context.build(job.agency)
    ImportRow.objects.filter(job=job).delete()
    seen: dict[bytes, int] = {}
    duplicates: dict[int, list[int]] = {}
    passports = _Passports()
    masked: dict[int, str] = {}
    done = 0
    _set_progress(job, 0, source.estimate, progress)
    for chunk in chunks(source.rows, CHUNK):
        parsed = [parse_row(n, cells, ctx) for n, cells in chunk]
        existing = _existing([p.index for p in parsed if p.index])
        rows = []
        for p in parsed:
            plan = plan_row(p, existing.get(p.index or ""), ctx)
            issues = [i.as_dict() for i in plan.issues]
            action = plan.action
            if p.identity is not None:
                passports.add(p.row_no, p.identity)
            if p.index is not None:
                first = seen.setdefault(bytes.fromhex(p.index[:32]), p.row_no)
                if first != p.row_no:
                    duplicates.setdefault(first, []).append(p.row_no)
                    masked[first] = p.masked  # the same number, so the same masked form
                    issues.append(_duplicate_issue([first]))
                    action = Action.REJECTED
            if action == Action.CREATE:
                continue  # the common case is implied by the absence of a row (100,000 inserts less)
            rows.append(
                {
                    "job_id": job.pk,
                    "row_no": p.row_no,
                    "action": action,
                    "person_id": plan.person.pk if plan.person else None,
                    "version": plan.version,
                    "archive_masked": p.masked,
                    "issues": issues,
                }
            )
        insert_dicts(ImportRow, rows)
        done += len(chunk)
        _set_progress(job, done, source.estimate, progress)
    if not done:
        raise DomainError.single("imports.file_no_rows", "file", "文件只有表头，没有数据行")
    firsts = {r.row_no: r for r in ImportRow.objects.filter(job=job, row_no__in=list(duplicates))}
    for first, others in duplicates.items():
        row = firsts.get(first) or ImportRow(job=job, row_no=first, archive_masked=masked[first])
        row.action = Action.REJECTED
        row.issues = [*row.issues, _duplicate_issue(others)]
        row.save()
    counts = dict(ImportRow.objects.filter(job=job).values_list("action").annotate(n=Count("id")))
    counts[Action.CREATE] = done - sum(counts.values())
    job.planned_create = counts.get(Action.CREATE, 0)
    job.planned_update = counts.get(Action.UPDATE, 0)
    job.planned_unchanged = counts.get(Action.UNCHANGED, 0)
    job.planned_rejected = counts.get(Action.REJECTED, 0)
    job.total_rows = done
    job.notes = passports.notes()
    if source.ignored_columns:
        job.notes.insert(0, f"以下列不是模板中的列，已忽略：{'、'.join(source.ignored_columns)}")
    job.status = JobStatus.VALIDATED
    job.validated_at = timezone.now()
    job.save(
        update_fields=[
            "planned_create",
            "planned_update",
            "planned_unchanged",
            "planned_rejected",
            "total_rows",
            "notes",
            "status",
            "validated_at",
        ]
    )
    _set_progress(job, done, done, progress)
    with transaction.atomic():
        audit_append(
            actor=actor,
            action="import.validate",
            object_type="import_job",
            object_id=str(job.uid),
            data={"rows": done, **{k: v for k, v in counts.items()}},
        )


# -- commit ---------------------------------------------------------------------------------------


def resume_job(job_id: int) -> str:
    """Queue a job again after its worker died or failed: the dry run from the start, a commit
    after its last written chunk. Returns the phase to run."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (JobStatus.VALIDATED, JobStatus.DONE):
        raise DomainError.single("imports.not_resumable", "job", "该任务已完成检查或导入，无需继续")
    if job.commit_started_at is None:
        ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, error_code="", error_message="")
        return "validate"
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.COMMIT_QUEUED, error_code="", error_message=""
    )
    return "commit"


def commit_job(job_id: int, *, progress: Progress | None = None) -> ImportJob:
    job = ImportJob.objects.select_related("agency", "committed_by").get(pk=job_id)
    runnable = (JobStatus.COMMIT_QUEUED, JobStatus.COMMITTING)
    claimed = ImportJob.objects.filter(pk=job.pk, status__in=runnable).update(status=JobStatus.COMMITTING)
    if not claimed:
        return job
    job.status = JobStatus.COMMITTING
    _guarded(job, lambda: _commit(job, progress))
    job.refresh_from_db()
    return job


def _commit(job: ImportJob, progress: Progress | None) -> None:
    actor = job.committed_by
    require_editor(actor, job)
    source = open_source(load_file(job), job.file_format)
    ctx = Context.build(job.agency)
    done = 0
    _set_progress(job, 0, job.total_rows, progress)
    for chunk in chunks(source.rows, CHUNK):
        todo = [(n, cells) for n, cells in chunk if n > job.committed_through]
        if todo:
            _commit_chunk(job, ctx, actor, todo)
        done += len(chunk)
        _set_progress(job, done, job.total_rows, progress)
    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    counts = {
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
    }
    with transaction.atomic():
        audit_append(
            actor=actor, action="import.commit", object_type="import_job", object_id=str(job.uid), data=counts
        )


STALE = Issue(WHOLE_ROW, "imports.stale", "试导入之后该人员的信息已被修改，本行未导入：请重新上传文件试导入")
TAKEN = Issue(
    WHOLE_ROW,
    "imports.registered_meanwhile",
    "试导入之后该证件号码已在本系统登记，本行未导入：请重新上传文件试导入",
)


def _reconcile(stored: ImportRow, fresh: Plan) -> tuple[str, list[Issue]]:
    """The commit's action for a row the dry run planned, given what the row means now."""
    if fresh.action == Action.REJECTED:
        return Action.REJECTED, fresh.issues
    if stored.action == Action.CREATE:
        return (Action.CREATE, []) if fresh.action == Action.CREATE else (Action.REJECTED, [TAKEN])
    if fresh.person is None or fresh.person.pk != stored.person_id or fresh.version != stored.version:
        return Action.REJECTED, [STALE]
    return fresh.action, []


def _commit_chunk(job: ImportJob, ctx: Context, actor: Any, rows: list[tuple[int, dict[str, Any]]]) -> None:
    planned = {r.row_no: r for r in ImportRow.objects.filter(job=job, row_no__in=[n for n, _ in rows])}
    # No row stored means the dry run planned a creation without remarks.
    stored = {n: planned.get(n) or ImportRow(job=job, row_no=n, action=Action.CREATE) for n, _ in rows}
    live = [parse_row(n, cells, ctx) for n, cells in rows if stored[n].action != Action.REJECTED]
    tally = {a: 0 for a in Action.values}
    tally[Action.REJECTED] = len(rows) - len(live)
    overrides: list[ImportRow] = []
    with transaction.atomic():
        # The job's row is the commit's lock: two runners of one job cannot both write a chunk.
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.committed_through >= rows[-1][0]:
            return
        existing = _existing([p.index for p in live if p.index])
        now = timezone.now()
        creates: list[tuple[Parsed, NewPerson]] = []
        for p in live:
            row = stored[p.row_no]
            plan = plan_row(p, existing.get(p.index or ""), ctx, now=now)
            action, issues = _reconcile(row, plan)
            if action == Action.CREATE and plan.record is not None and p.agency is not None and p.index:
                creates.append((p, NewPerson(plan.record, p.agency, p.index)))
                continue
            if action == Action.UPDATE:
                action, issues = _update(job, actor, p, plan, row)
            tally[action] += 1
            if action != row.action:
                row.result, row.issues, row.archive_masked = action, [i.as_dict() for i in issues], p.masked
                overrides.append(row)
        for action, refused in _create(job, actor, creates, stored):
            tally[action] += 1
            if refused is not None:
                overrides.append(refused)
        ImportRow.objects.bulk_update([r for r in overrides if r.pk], ["result", "issues"])
        ImportRow.objects.bulk_create([r for r in overrides if not r.pk])
        job.created = locked.created + tally[Action.CREATE]
        job.updated = locked.updated + tally[Action.UPDATE]
        job.unchanged = locked.unchanged + tally[Action.UNCHANGED]
        job.rejected = locked.rejected + tally[Action.REJECTED]
        job.committed_through = rows[-1][0]
        job.save(update_fields=["created", "updated", "unchanged", "rejected", "committed_through"])


def _update(job: ImportJob, actor: Any, p: Parsed, plan: Plan, row: ImportRow) -> tuple[str, list[Issue]]:
    assert plan.person is not None and plan.changes is not None
    try:
        with transaction.atomic():
            person_update(
                actor=actor,
                person=plan.person,
                changes=plan.changes,
                reason=f"批量导入：{job.file_name} 第 {p.row_no} 行",
                expected_version=row.version,
            )
    except DomainError as exc:
        return Action.REJECTED, [Issue(column_of(e.field), e.code, e.message) for e in exc.errors]
    except Forbidden:
        return Action.REJECTED, [Issue(WHOLE_ROW, "imports.forbidden", "您没有修改该人员信息的权限")]
    return Action.UPDATE, []


def _create(
    job: ImportJob, actor: Any, creates: list[tuple[Parsed, NewPerson]], stored: dict[int, ImportRow]
) -> Iterator[tuple[str, ImportRow | None]]:
    """Bulk insert; if a number was registered between the lookup and the insert, insert one by one
    so only the taken numbers are refused."""
    if not creates:
        return
    try:
        with transaction.atomic():
            people_bulk_create(actor=actor, people=[n for _, n in creates], job_uid=str(job.uid))
    except IntegrityError:
        pass
    else:
        yield from ((Action.CREATE, None) for _ in creates)
        return
    for p, new in creates:
        try:
            with transaction.atomic():
                people_bulk_create(actor=actor, people=[new], job_uid=str(job.uid))
        except IntegrityError:
            row = stored[p.row_no]
            row.result, row.issues, row.archive_masked = Action.REJECTED, [TAKEN.as_dict()], p.masked
            yield Action.REJECTED, row
        else:
            yield Action.CREATE, None
