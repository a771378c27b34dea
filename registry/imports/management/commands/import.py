"""`registry import FILE --agency CODE [--dry-run] [--user USERNAME] [--errors PATH]`
`registry import --resume JOB_UID [--dry-run] [--errors PATH]`

Imports people from an xlsx/xls/ods/CSV file in the foreground with a progress line: the same
job, checks and writes as the 批量导入 page, run in this process instead of the task worker.
`--resume` carries on a job whose worker died: the dry run from the start, a commit after the
last chunk it wrote.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry.accounts.models import User
from registry.core.errors import DomainError, Forbidden
from registry.imports.models import ImportJob, JobStatus
from registry.imports.runner import commit_job, resume_job, validate_job
from registry.imports.selectors import rejected_rows
from registry.imports.services import import_error_file, import_job_confirm, import_job_create
from registry.orgs.models import Agency

SHOWN_ISSUES = 20


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Progress:
    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and done < total:
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        sys.stderr.write(f"\r{self.label}：{done:,}/{total:,} 行（{rate:,.0f} 行/秒）")
        sys.stderr.flush()

    def end(self) -> None:
        sys.stderr.write("\n")


class Command(BaseCommand):
    help = "批量导入会计人员信息（xlsx/xls/ods/CSV），先逐行检查，再写入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="导入文件（.xlsx、.xls、.ods、.csv）")
        parser.add_argument("--agency", help="导入机构代码，如 440106；人员只能属于该机构及其下级")
        parser.add_argument("--resume", metavar="JOB_UID", help="继续一个中断的导入任务")
        parser.add_argument("--dry-run", action="store_true", help="只检查（试导入），不写入")
        parser.add_argument("--user", help="以该用户的身份导入（须有编辑人员信息的权限）；不填为系统")
        parser.add_argument("--errors", help="把不予导入的行写入该文件（.xlsx 或 .csv）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["resume"]:
            job, actor = self._resume(options["resume"])
        else:
            job, actor = self._start(options)
        if (
            not options["dry_run"]
            and job.status == JobStatus.VALIDATED
            and (job.planned_create or job.planned_update)
        ):
            job = import_job_confirm(actor=actor, job=job, start=False)
            job = self._run(commit_job, job, "导入")
            self._report(job, planned=False)
        if options["errors"] and job.status != JobStatus.FAILED and rejected_rows(job).exists():
            out = Path(options["errors"])
            fmt = "csv" if out.suffix.lower() == ".csv" else "xlsx"
            out.write_bytes(import_error_file(actor=actor, job=job, fmt=fmt))
            self.stdout.write(f"错误清单已写入 {out}")

    def _resume(self, uid: str) -> tuple[ImportJob, Any]:
        job = ImportJob.objects.filter(uid=uid).first() if _is_uuid(uid) else None
        if job is None:
            raise CommandError(f"找不到导入任务 {uid}")
        try:
            phase = resume_job(job.pk)
        except DomainError as exc:
            raise CommandError(exc.errors[0].message) from exc
        self.stdout.write(f"继续导入任务 {job.uid}（{job.file_name}）")
        if phase == "validate":
            job = self._run(validate_job, job, "检查")
            self._report(job, planned=True)
            return job, job.created_by
        job = self._run(commit_job, job, "导入")
        self._report(job, planned=False)
        return job, job.committed_by

    def _start(self, options: dict[str, Any]) -> tuple[ImportJob, Any]:
        if not options["file"] or not options["agency"]:
            raise CommandError("请给出导入文件和 --agency 导入机构代码（或用 --resume 继续一个任务）")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"机构代码 {options['agency']} 不存在")
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"用户 {options['user']} 不存在或已停用")
        try:
            job = import_job_create(
                actor=actor, agency=agency, file_name=path.name, data=path.read_bytes(), start=False
            )
        except Forbidden as exc:
            raise CommandError(f"用户 {options['user']} 没有在{agency.name}编辑人员信息的权限") from exc
        except DomainError as exc:
            raise CommandError("；".join(e.message for e in exc.errors)) from exc
        self.stdout.write(f"导入任务 {job.uid}（{agency.name}）")
        job = self._run(validate_job, job, "检查")
        self._report(job, planned=True)
        return job, actor

    def _run(self, phase: Any, job: ImportJob, label: str) -> ImportJob:
        progress = Progress(label)
        done: ImportJob = phase(job.pk, progress=progress)
        progress.end()
        if done.status == JobStatus.FAILED:
            raise CommandError(f"未能导入：{done.error_message}（{done.error_code}）")
        return done

    def _report(self, job: ImportJob, *, planned: bool) -> None:
        for note in job.notes:
            self.stdout.write(f"提示：{note}")
        if planned:
            self.stdout.write(
                f"检查结果：数据 {job.total_rows} 行，将新增 {job.planned_create}、"
                f"更新 {job.planned_update}、无变化 {job.planned_unchanged}、不予导入 {job.planned_rejected}"
            )
            rows = list(rejected_rows(job)[:SHOWN_ISSUES])
            for row in rows:
                for issue in row.issues:
                    self.stdout.write(
                        f"  第 {row.row_no} 行 {issue['column']}：{issue['message']}（{issue['code']}）"
                    )
            if job.planned_rejected > len(rows):
                self.stdout.write(f"  …… 共 {job.planned_rejected} 行不予导入，完整清单请用 --errors 导出")
        else:
            self.stdout.write(
                f"导入结果：新增 {job.created}、更新 {job.updated}、"
                f"无变化 {job.unchanged}、不予导入 {job.rejected}"
            )
