"""`registry import FILE --agency CODE [--dry-run] [--user USERNAME] [--errors PATH]`."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.imports.models import ImportJob, JobStatus
from registry.imports.testing import csv_bytes, xlsx_bytes
from registry.people.models import Person

pytestmark = pytest.mark.django_db
Rows = Callable[..., list[dict[str, Any]]]


def command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_then_import(tmp_path: Path, rows: Rows, make_user: Any, capsys: Any) -> None:
    data = rows(3, "440106")
    data[2]["民族"] = "火星族"
    path = tmp_path / "人员.xlsx"
    path.write_bytes(xlsx_bytes(data))
    out, _ = command(str(path), "--agency", "440100", "--dry-run")
    assert "将新增 2" in out and "不予导入 1" in out and "第 4 行 民族" in out
    assert "检查：3/3 行" in capsys.readouterr().err  # the progress line
    assert not Person.objects.exists()
    assert ImportJob.objects.get().status == JobStatus.VALIDATED
    staff = make_user(Role.COUNTY_REVIEWER, "440106", username="tianhe")
    errors = tmp_path / "errors.csv"
    out, _ = command(str(path), "--agency", "440106", "--user", "tianhe", "--errors", str(errors))
    assert "导入结果：新增 2、更新 0、无变化 0、不予导入 1" in out
    assert Person.objects.count() == 2
    assert AuditEvent.objects.filter(action="person.create", actor_id=staff.pk).count() == 2
    assert "火星族" in errors.read_bytes().decode("utf-8-sig")
    out, _ = command(str(path), "--agency", "440106")
    assert "无变化 2" in out and "导入结果" not in out  # nothing to write: no commit at all


def test_refusals(tmp_path: Path, rows: Rows, make_user: Any) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes(rows(1)))
    make_user(Role.COUNTY_REVIEWER, "440104", username="yuexiu")
    make_user(Role.AUDITOR, "440000", username="auditor")
    with pytest.raises(CommandError, match="没有在"):
        command(str(path), "--agency", "440106", "--user", "yuexiu")
    with pytest.raises(CommandError, match="没有在"):
        command(str(path), "--agency", "440000", "--user", "auditor")
    with pytest.raises(CommandError, match="不存在"):
        command(str(path), "--agency", "999999")
    with pytest.raises(CommandError, match="找不到文件"):
        command(str(tmp_path / "none.csv"), "--agency", "440106")
    bad = tmp_path / "bad.csv"
    bad.write_bytes("证件号码,姓名\r\n1,2\r\n".encode())
    with pytest.raises(CommandError, match="人员类别"):
        command(str(bad), "--agency", "440106")
    assert not Person.objects.exists()


def test_resume_a_job_whose_worker_died(tmp_path: Path, rows: Rows, agency: Any) -> None:
    from registry.imports.services import import_job_create

    job = import_job_create(
        actor=None, agency=agency("440106"), file_name="a.csv", data=csv_bytes(rows(2)), start=False
    )
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.VALIDATING)  # the worker was killed here
    out, _ = command("--resume", str(job.uid))
    assert "继续导入任务" in out and "导入结果：新增 2" in out
    with pytest.raises(CommandError, match="无需继续"):
        command("--resume", str(job.uid))
    with pytest.raises(CommandError, match="找不到导入任务"):
        command("--resume", "nope")
