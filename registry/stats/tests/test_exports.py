"""Exports: masked unless the role allows full numbers, approved by a second person above the
threshold, downloadable once by the requester, every step audited, formulas defused."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.snapshot import person_archive_no
from registry.stats.exports import defuse, export_rows
from registry.stats.models import ExportJob, ExportStatus
from registry.stats.services import export_build, export_decide, export_request, exports_sweep

from .conftest import client_for


@pytest.fixture
def people(make_person: Any) -> list[Person]:
    return [make_person(code) for code in ("440106", "440106", "440104", "440203")]


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _download(client: Any, job: ExportJob) -> Any:
    return client.post(f"/stats/exports/{job.uid}/download/")


def test_small_csv_export_is_masked_and_downloadable_once(people: list[Person], make_user: Any) -> None:
    reviewer = make_user(Role.PROVINCE_REVIEWER, "440000")
    client = client_for(reviewer)
    response = client.post("/stats/exports/new/", {"criteria": "agency=440100", "fmt": "csv"})
    job = ExportJob.objects.get(requested_by=reviewer)
    assert response.status_code == 302 and job.status == ExportStatus.READY and job.rows == 3
    rows = _csv(_download(client, job))
    assert rows[0][:3] == ["姓名", "证件类型", "证件号码"]
    assert sorted(r[2] for r in rows[1:]) == sorted(p.archive_masked for p in people[:3])
    assert all("*" in r[2] for r in rows[1:])
    again = _download(client, job)
    assert again.status_code == 302  # already taken
    actions = list(AuditEvent.objects.filter(object_id=str(job.uid)).values_list("action", flat=True))
    assert actions == ["stats.export_request", "stats.export_download"]


def test_full_numbers_only_for_a_role_that_may_see_them(people: list[Person], make_user: Any) -> None:
    reviewer = make_user(Role.PROVINCE_REVIEWER, "440000")
    with pytest.raises(Forbidden):
        export_request(actor=reviewer, criteria={}, summary="全部", fmt="csv", full_ids=True)
    assert (
        client_for(reviewer)
        .post("/stats/exports/new/", {"criteria": "", "fmt": "csv", "full_ids": "1"})
        .status_code
        == 403
    )
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    job = export_request(actor=admin, criteria={"agency": "440203"}, summary="", fmt="csv", full_ids=True)
    rows = _csv(_download(client_for(admin), job))
    assert [r[2] for r in rows[1:]] == [person_archive_no(people[3])]
    assert AuditEvent.objects.filter(
        action="stats.export_request", object_id=str(job.uid), data__full_ids=True
    ).exists()


def test_large_export_waits_for_a_second_person(
    people: list[Person], make_user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 2
    requester = make_user(Role.CITY_REVIEWER, "440100")
    client = client_for(requester)
    client.post("/stats/exports/new/", {"criteria": "status=collected", "fmt": "xlsx"})
    job = ExportJob.objects.get(requested_by=requester)
    assert job.status == ExportStatus.AWAITING and job.rows == 3 and job.scope == ["440100"]
    assert _download(client, job).status_code == 302
    # Not the requester, not a role without the approval permission, not a lower or other agency.
    for actor in (
        requester,
        make_user(Role.AUDITOR, "440000"),
        make_user(Role.COUNTY_REVIEWER, "440106"),
        make_user(Role.CITY_REVIEWER, "440200"),
    ):
        with pytest.raises(Forbidden):
            export_decide(actor=actor, uid=job.uid, approve=True)
        assert client_for(actor).post(
            f"/stats/exports/{job.uid}/decide/", {"decision": "approve"}
        ).status_code in (403, 404)
    job.refresh_from_db()
    assert job.status == ExportStatus.AWAITING
    colleague = make_user(Role.CITY_REVIEWER, "440100")
    waiting = client_for(colleague).get("/stats/exports/").context["waiting"]
    assert [j.pk for j in waiting] == [job.pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(colleague).post(f"/stats/exports/{job.uid}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ExportStatus.READY and job.decided_by == colleague and job.rows_done == 3
    assert client.get(f"/stats/exports/{job.uid}/").context["job"].progress == 100
    assert _download(client_for(colleague), job).status_code == 404  # only the requester takes it
    response = _download(client, job)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    assert sheet[0][0] == "姓名" and len(sheet) == 4
    assert all("*" in str(row[2]) for row in sheet[1:])
    assert _download(client, job).status_code == 302
    job.refresh_from_db()
    assert job.status == ExportStatus.DOWNLOADED
    actions = list(
        AuditEvent.objects.filter(object_id=str(job.uid)).order_by("seq").values_list("action", flat=True)
    )
    assert actions == [
        "stats.export_request",
        "stats.export_approve",
        "stats.export_build",
        "stats.export_download",
    ]
    assert (
        AuditEvent.objects.get(object_id=str(job.uid), action="stats.export_approve").actor_id == colleague.pk
    )


def test_a_higher_agency_approves_and_a_refusal_needs_a_reason(
    people: list[Person], make_user: Any, settings: Any
) -> None:
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 1
    requester = make_user(Role.COUNTY_REVIEWER, "440106")
    job = export_request(actor=requester, criteria={}, summary="", fmt="csv")
    assert job.status == ExportStatus.AWAITING and job.scope == ["440106"]
    province = make_user(Role.PROVINCE_REVIEWER, "440000")
    with pytest.raises(DomainError):
        export_decide(actor=province, uid=job.uid, approve=False, note=" ")
    export_decide(actor=province, uid=job.uid, approve=False, note="范围过大，请缩小条件")
    job.refresh_from_db()
    assert job.status == ExportStatus.REJECTED
    assert _download(client_for(requester), job).status_code == 302
    assert AuditEvent.objects.filter(action="stats.export_reject", object_id=str(job.uid)).exists()
    with pytest.raises(DomainError):  # decided once
        export_decide(actor=province, uid=job.uid, approve=True)


def test_full_number_exports_need_an_approver_who_may_see_them(
    people: list[Person], make_user: Any, settings: Any
) -> None:
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 1
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    job = export_request(actor=admin, criteria={}, summary="", fmt="csv", full_ids=True)
    with pytest.raises(Forbidden):
        export_decide(actor=make_user(Role.PROVINCE_REVIEWER, "440000"), uid=job.uid, approve=True)
    export_decide(actor=make_user(Role.PROVINCE_ADMIN, "440000"), uid=job.uid, approve=True)
    job.refresh_from_db()
    assert job.status == ExportStatus.READY


def test_formulas_are_defused(people: list[Person], make_user: Any) -> None:
    assert defuse("=1+1") == "'=1+1" and defuse("+86") == "'+86" and defuse("-2") == "'-2"
    assert defuse("@SUM(A1)") == "'@SUM(A1)" and defuse("张三") == "张三"
    # A name that never went through the form (an old import, say) still leaves as text.
    Person.objects.filter(pk=people[3].pk).update(name='=HYPERLINK("http://x")')
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    job = export_request(actor=admin, criteria={"agency": "440203"}, summary="", fmt="csv")
    assert [row[0] for row in export_rows(job)] == ['\'=HYPERLINK("http://x")']


def test_nothing_to_export_and_archive_numbers_are_refused(people: list[Person], make_user: Any) -> None:
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    with pytest.raises(DomainError):
        export_request(actor=admin, criteria={"qual_level": "4"}, summary="", fmt="csv")
    with pytest.raises(DomainError):
        export_request(actor=admin, criteria={"q": "11010519491231002X"}, summary="", fmt="csv")
    assert not ExportJob.objects.exists()


def test_progress_page_polls_while_building_and_sweep_removes_stale_files(
    people: list[Person], make_user: Any, settings: Any
) -> None:
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 1
    requester = make_user(Role.PROVINCE_REVIEWER, "440000")
    job = export_request(actor=requester, criteria={}, summary="", fmt="xlsx")
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.APPROVED)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_done=2)
    client = client_for(requester)
    html = client.get(f"/stats/exports/{job.uid}/", {"partial": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in html and "50%" in html
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.APPROVED, rows_done=0)
    export_build(uid=job.uid)
    job.refresh_from_db()
    assert job.status == ExportStatus.READY
    from datetime import timedelta

    from django.utils import timezone

    assert exports_sweep() == 0  # a ready file within its day stays
    assert exports_sweep(now=timezone.now() + timedelta(days=2)) == 1
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED
