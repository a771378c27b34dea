"""The 批量导入 pages: upload → check (background task) → report → 确认导入 → done; downloads; roles."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.imports.columns import COLUMNS
from registry.imports.models import ImportJob, JobStatus
from registry.imports.testing import csv_bytes
from registry.people.models import Person

from .conftest import client_for

pytestmark = pytest.mark.django_db
Rows = Callable[..., list[dict[str, Any]]]


def upload(
    client: Any, data: bytes, name: str = "people.csv", agency: str = "440100", capture: Any = None
) -> Any:
    """Post the file; the task enqueued on commit runs (ImmediateBackend) before the page is read."""
    with capture(execute=True):
        response = client.post(
            reverse("imports:jobs"), {"file": SimpleUploadedFile(name, data), "agency": agency}
        )
    if response.status_code != 302:
        return response
    return client.get(response.url)


def sheet(body: bytes, index: int = 0) -> list[list[Any]]:
    return list(CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(index).iter_rows())


def test_upload_check_confirm_and_done(
    rows: Rows, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    client = client_for(staff)
    page = client.get(reverse("imports:jobs"))
    assert page.status_code == 200 and "上传并检查" in page.content.decode()
    data = rows(3, "440106")
    bad = dict(data[2], 民族="火星族")
    response = upload(client, csv_bytes([data[0], data[1], bad]), capture=django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert response.request["PATH_INFO"] == reverse("imports:job", args=[job.uid])
    assert job.status == JobStatus.VALIDATED and job.task_id  # the task ran (ImmediateBackend in tests)
    text = response.content.decode()
    assert "确认导入" in text and "下载错误清单" in text and "第 4 行" in text and "火星族" in text
    assert 'id="planned"' in text and "hx-trigger" not in text  # finished: no more polling
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_commit", args=[job.uid]))
    done = client.get(reverse("imports:job", args=[job.uid]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.created, job.rejected) == (2, 1)
    assert 'id="done"' in done.content.decode()
    assert Person.objects.count() == 2
    # A second confirmation does nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("imports:job_commit", args=[job.uid]), follow=True)
    assert "不能确认导入" in again.content.decode() and Person.objects.count() == 2
    listing = client.get(reverse("imports:jobs")).content.decode()
    assert job.file_name in listing and "导入完成" in listing


def test_progress_is_polled_while_the_job_runs(make_user: Any, rows: Rows, agency: Any) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    from registry.imports.services import import_job_create

    job = import_job_create(
        actor=staff, agency=agency("440100"), file_name="a.csv", data=csv_bytes(rows(2)), start=False
    )
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.VALIDATING, progress_done=1, progress_total=4)
    fragment = client_for(staff).get(reverse("imports:job_status", args=[job.uid])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "25%" in fragment and 'role="progressbar"' in fragment


def test_error_list_downloads_hold_the_rejected_rows_as_filled_in(
    rows: Rows, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    client = client_for(staff)
    data = rows(3, "440106")
    data[1]["姓名"] = ""
    data[2]["通讯地址"] = '=HYPERLINK("http://evil","点击")'
    upload(client, csv_bytes(data), capture=django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    response = client.get(reverse("imports:job_errors", args=[job.uid, "xlsx"]))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert "attachment" in response["Content-Disposition"]
    got = sheet(response.content)
    assert got[0][:3] == ["原行号", "错误原因", COLUMNS[0].header]
    assert [r[0] for r in got[1:]] == ["3", "4"]
    assert "姓名" in got[1][1] and got[1][3] == data[1]["证件号码"]
    assert got[2][2 + [c.header for c in COLUMNS].index("通讯地址")].startswith(
        "=HYPERLINK"
    )  # text, not a formula
    as_csv = client.get(reverse("imports:job_errors", args=[job.uid, "csv"]))
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    address = lines[2][2 + [c.header for c in COLUMNS].index("通讯地址")]
    assert address.startswith("'=HYPERLINK")  # a spreadsheet opening the CSV shows it as text
    assert AuditEvent.objects.filter(action="import.error_file", object_id=str(job.uid)).count() == 2


def test_the_error_list_can_be_fixed_and_uploaded_again(
    rows: Rows, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    client = client_for(staff)
    data = rows(2, "440106")
    name = data[1]["姓名"]
    data[1]["姓名"] = ""
    upload(client, csv_bytes(data), capture=django_capture_on_commit_callbacks)
    first = ImportJob.objects.get()
    errors = client.get(reverse("imports:job_errors", args=[first.uid, "csv"])).content.decode("utf-8-sig")
    fixed = errors.replace(",,", f",{name},", 1).encode("utf-8-sig")  # 姓名 is the first empty cell
    upload(client, fixed, "fixed.csv", capture=django_capture_on_commit_callbacks)
    second = ImportJob.objects.exclude(pk=first.pk).get()
    assert (second.planned_create, second.planned_rejected) == (1, 0)
    assert second.notes and "原行号" in second.notes[0]


def test_templates_are_downloadable_and_read_back(make_user: Any) -> None:
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    response = client.get(reverse("imports:template_xlsx"))
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["人员信息", "填写说明", "代码表"]
    assert sheet(response.content)[0] == [c.header for c in COLUMNS]
    help_text = "\n".join(str(c) for row in sheet(response.content, 1) for c in row)
    assert "最高学历" in help_text and "1 男" in help_text
    template = client.get(reverse("imports:template_csv"))
    assert template.content.startswith(b"\xef\xbb\xbf\xe8\xaf\x81")  # BOM, then 证


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ACCOUNTANT, None])
def test_only_staff_who_edit_people_may_import(role: Role | None, make_user: Any, rows: Rows) -> None:
    user = make_user(role, "440000") if role not in (Role.ACCOUNTANT, None) else make_user(role)
    client = client_for(user)
    for name in ("imports:jobs", "imports:template_xlsx", "imports:template_csv"):
        assert client.get(reverse(name)).status_code == 403
    posted = client.post(
        reverse("imports:jobs"), {"file": SimpleUploadedFile("a.csv", csv_bytes(rows(1))), "agency": "440000"}
    )
    assert posted.status_code == 403 and not ImportJob.objects.exists()


def test_a_job_of_another_city_is_not_found(
    rows: Rows, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upload(
        client_for(make_user(Role.CITY_REVIEWER, "440100")),
        csv_bytes(rows(1)),
        capture=django_capture_on_commit_callbacks,
    )
    job = ImportJob.objects.get()
    other = client_for(make_user(Role.CITY_REVIEWER, "440200"))
    for name, args in (
        ("imports:job", [job.uid]),
        ("imports:job_status", [job.uid]),
        ("imports:job_errors", [job.uid, "xlsx"]),
    ):
        assert other.get(reverse(name, args=args)).status_code == 404
    assert other.post(reverse("imports:job_commit", args=[job.uid])).status_code == 404
    assert (
        client_for(make_user(Role.PROVINCE_REVIEWER, "440000"))
        .get(reverse("imports:job", args=[job.uid]))
        .status_code
        == 200
    )


def test_an_agency_outside_ones_scope_cannot_be_chosen(
    rows: Rows, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    response = upload(client, csv_bytes(rows(1)), agency="440100", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert "440100" not in [o for o in response.context["form"].fields["agency"].choices]


def test_file_problems_are_shown_on_the_form(make_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(make_user(Role.CITY_REVIEWER, "440100"))
    response = upload(client, b"%PDF-1.4", "people.pdf", capture=django_capture_on_commit_callbacks)
    assert "请上传 Excel 文件" in response.content.decode() and not ImportJob.objects.exists()


def test_a_job_stopped_by_a_system_error_can_be_restarted(
    rows: Rows, make_user: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.imports import runner

    monkeypatch.setattr(runner, "CHUNK", 2)
    staff = make_user(Role.CITY_REVIEWER, "440100")
    client = client_for(staff)
    upload(client, csv_bytes(rows(5, "440106")), capture=django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    real = runner._commit_chunk
    calls = {"n": 0}

    def dies_on_the_second_chunk(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        real(*args)

    monkeypatch.setattr(runner, "_commit_chunk", dies_on_the_second_chunk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_commit", args=[job.uid]))
    page = client.get(reverse("imports:job", args=[job.uid])).content.decode()
    assert "未能完成导入" in page and "从中断处继续导入" in page and "disk full" not in page
    assert Person.objects.count() == 2
    monkeypatch.setattr(runner, "_commit_chunk", real)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job_resume", args=[job.uid]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.created == 5 and Person.objects.count() == 5
    assert AuditEvent.objects.filter(action="import.resume", object_id=str(job.uid)).exists()
    # A finished job, or one whose file was refused, is not restarted.
    client.post(reverse("imports:job_resume", args=[job.uid]))
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.DONE
