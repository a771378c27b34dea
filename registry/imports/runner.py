"""The two phases of an import job: the dry run (check every row, store the plan) and the commit
(write the planned rows, a chunk per transaction; `writes.py`). Both stream the file a chunk at a
time, so memory holds the file, one chunk and one 16-byte digest per row (for duplicates in the
file); the records the dry run validated for creation go to an encrypted file (`checked.py`) that
the commit reads a chunk at a time beside the upload.

Called by the background task (`tasks.py`) and by `registry import` on the command line.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.errors import DomainError, Forbidden

from . import checked
from .bulk import insert_dicts
from .models import Action, ImportJob, ImportRow, JobStatus
from .reader import open_source
from .rows import Context, Issue, column_of, parse_row, plan_row
from .storage import load_file
from .writes import commit_chunk as _commit_chunk  # a name of this module: tests stop it half way
from .writes import existing_people

log = logging.getLogger(__name__)

# Rows a transaction: the commit's chunk holds SQLite's write lock about a second. Each chunk rewrites
# most leaf pages of the random-keyed indexes (blind index, uid, name, birth date …) however few rows
# it has, so 2,000 rather than 1,000 rows halve that writing (measured: 9 % less commit time).
CHUNK = 2000
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


def _fail(job: ImportJob, code: str, message: str) -> None:
    if job.commit_started_at is None:
        ImportRow.objects.filter(job=job).delete()
    # After a commit has begun the plan stays: chunks already written are not repeated on resume.
    job.status = JobStatus.FAILED
    job.error_code, job.error_message = code, message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_code", "error_message", "finished_at"])


def _guarded(job: ImportJob, work: Callable[[], None]) -> None:
    """Run a phase; a file that cannot be read or a lost permission fails the job with a reason.

    What is alive when the phase starts (Django, the code tables) is left out of the cyclic
    collector's scans meanwhile: a chunk's many new objects set off a full collection every few
    chunks, each of which walked all of it (measured: 1 s of a 20,000-row commit's 14). Reference
    counting frees what the phase drops, as always; unfreeze hands the rest back to the collector."""
    gc.freeze()
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
    finally:
        gc.unfreeze()


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
    kept = checked.Writer(job)
    try:
        _check_rows(job, progress, kept)
    except BaseException:
        kept.discard()
        raise


def _check_rows(job: ImportJob, progress: Progress | None, kept: checked.Writer) -> None:
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
        existing = existing_people([p.index for p in parsed if p.index])
        rows = []
        records: list[tuple[int, str, bytes]] = []
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
                if plan.record is not None and p.index:
                    records.append((p.row_no, p.index, plan.record.model_dump_json().encode()))
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
        kept.add(chunk[-1][0], records)
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
    checked.delete(job)  # a dry run begun again after a crash replaces what the last one kept
    job.checked_name = kept.save()
    job.status = JobStatus.VALIDATED
    job.validated_at = timezone.now()
    job.save(
        update_fields=[
            "checked_name",
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
    records = checked.Reader(job)
    done = 0
    _set_progress(job, 0, job.total_rows, progress)
    for chunk in chunks(source.rows, CHUNK):
        kept = records.upto(chunk[-1][0])
        todo = [(n, cells) for n, cells in chunk if n > job.committed_through]
        if todo:
            _commit_chunk(job, ctx, actor, todo, kept)
        done += len(chunk)
        _set_progress(job, done, job.total_rows, progress)
    records.close()
    checked.delete(job)
    job.checked_name = ""
    job.status = JobStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["checked_name", "status", "finished_at"])
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
