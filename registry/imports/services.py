"""Every write of an import job: upload (checked, encrypted, queued for the dry run) and the
confirmation that queues the commit. The rows themselves are written by `runner.py` in the
background task, through `person_update` and `journal.people_bulk_create`."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.audit.services import audit_append
from registry.core.crypto import sm3_hex
from registry.core.errors import DomainError
from registry.orgs.models import Agency

from .exports import error_file
from .models import ImportJob, JobStatus
from .reader import detect_format
from .runner import require_editor, resume_job
from .selectors import rejected_issues
from .storage import delete_file, save_file

UNSAFE_NAME = re.compile(r"[^\w.\-（）()　 ]+")


def _display_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return UNSAFE_NAME.sub("_", base)[-120:] or "upload"


def _enqueue(job_id: int, phase: str) -> None:
    from .tasks import run_import_job  # the task module imports the runner; keep import time light

    result = run_import_job.enqueue(job_id, phase)
    ImportJob.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def import_job_create(
    *, actor: Any, agency: Agency, file_name: str, data: bytes, start: bool = True
) -> ImportJob:
    """Store the upload (encrypted) as a job and queue its dry run. File-level problems raise
    DomainError and nothing is stored; `start=False` leaves the run to the caller (command line)."""
    job = ImportJob(agency=agency, created_by=actor)
    require_editor(actor, job)
    fmt = detect_format(file_name, data)
    job.file_name = _display_name(file_name)
    job.file_format = fmt
    job.file_size = len(data)
    job.file_digest = sm3_hex(data)
    job.storage_name = save_file(job.uid, data)
    try:
        with transaction.atomic():
            job.save()
            audit_append(
                actor=actor,
                action="import.upload",
                object_type="import_job",
                object_id=str(job.uid),
                data={
                    "agency": agency.code,
                    "file": job.file_name,
                    "size": job.file_size,
                    "sm3": job.file_digest,
                },
            )
            if start:
                transaction.on_commit(partial(_enqueue, job.pk, "validate"))
    except BaseException:
        delete_file(job)
        raise
    return job


def import_job_confirm(*, actor: Any, job: ImportJob, start: bool = True) -> ImportJob:
    """确认导入: queue the commit of a checked job. Only once, and only when something would change."""
    require_editor(actor, job)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().select_related("agency").get(pk=job.pk)
        if locked.status != JobStatus.VALIDATED:
            raise DomainError.single(
                "imports.not_ready", "job", "该任务当前不能确认导入（未检查完成或已导入）"
            )
        if not (locked.planned_create or locked.planned_update):
            raise DomainError.single("imports.nothing_to_do", "job", "试导入结果中没有需要新增或更新的人员")
        locked.status = JobStatus.COMMIT_QUEUED
        locked.committed_by = actor
        locked.commit_started_at = timezone.now()
        locked.progress_done = 0
        locked.save(update_fields=["status", "committed_by", "commit_started_at", "progress_done"])
        audit_append(
            actor=actor,
            action="import.confirm",
            object_type="import_job",
            object_id=str(locked.uid),
            data={"create": locked.planned_create, "update": locked.planned_update},
        )
        if start:
            transaction.on_commit(partial(_enqueue, locked.pk, "commit"))
    return locked


def import_error_file(*, actor: Any, job: ImportJob, fmt: str) -> bytes:
    """The rejected rows with their reasons, as the uploader filled them in. They hold full ID
    numbers, so the download is audited like any other reveal."""
    require_editor(actor, job)
    data = error_file(job, rejected_issues(job), "csv" if fmt == "csv" else "xlsx")
    with transaction.atomic():
        audit_append(
            actor=actor,
            action="import.error_file",
            object_type="import_job",
            object_id=str(job.uid),
            data={"format": fmt},
        )
    return data


def import_job_resume(*, actor: Any, job: ImportJob) -> ImportJob:
    """重新开始 a job that stopped on a system error: the dry run from the start, a commit after the
    last chunk it wrote. A file the import refused stays refused (upload a corrected one)."""
    require_editor(actor, job)
    if job.status != JobStatus.FAILED or job.error_code != "imports.internal":
        raise DomainError.single("imports.not_resumable", "job", "只有因系统错误中断的任务可以重新开始")
    with transaction.atomic():
        phase = resume_job(job.pk)
        audit_append(
            actor=actor,
            action="import.resume",
            object_type="import_job",
            object_id=str(job.uid),
            data={"phase": phase},
        )
        transaction.on_commit(partial(_enqueue, job.pk, phase))
    job.refresh_from_db()
    return job
