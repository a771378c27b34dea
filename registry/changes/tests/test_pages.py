"""The pages around the services: the person's forms, the queue, the review page, who may open what."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from registry.accounts.roles import Role
from registry.changes import services
from registry.changes.models import ChangeRequest, ChangeStatus
from registry.people.snapshot import person_archive_no, person_record

from .conftest import identity_with, png, work_with

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def staff(make_user: Any) -> Any:
    return lambda role, code: _client(make_user(role, code))


def _work_post(person: Any, **changes: Any) -> dict[str, Any]:
    rows = work_with(person, **changes)
    data: dict[str, Any] = {
        "work-TOTAL_FORMS": str(len(rows)),
        "work-INITIAL_FORMS": str(len(rows)),
        "work-MIN_NUM_FORMS": "1",
        "work-MAX_NUM_FORMS": "20",
        "reason": "更换单位",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "is_accounting":
                if value:
                    data[f"work-{i}-{key}"] = "on"
            elif value is not None:
                data[f"work-{i}-{key}"] = value
    return data


def test_person_proposes_through_the_prefilled_form(owned: Any) -> None:
    person = owned()
    client = _client(person.user)
    page = client.get("/changes/mine/")
    assert page.status_code == 200 and "变更工作经历" in page.content.decode()
    form = client.get("/changes/mine/new/work/")
    assert person_record(person).work[0].unit_name in form.content.decode()
    response = client.post("/changes/mine/new/work/", _work_post(person, unit_name="页面提交的单位"))
    request = ChangeRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/changes/mine/{request.uid}/"
    assert request.proposed[0]["unit_name"] == "页面提交的单位"
    detail = client.get(f"/changes/mine/{request.uid}/").content.decode()
    assert "页面提交的单位" in detail and "单位名称" in detail and "待审核" in detail
    again = client.get("/changes/mine/").content.decode()
    assert "工作经历（办理中）" in again


def test_form_errors_land_on_their_fields(owned: Any) -> None:
    person = owned()
    client = _client(person.user)
    response = client.post(
        "/changes/mine/new/work/", {**_work_post(person, credit_code="12345"), "reason": ""}
    )
    assert response.status_code == 200 and not ChangeRequest.objects.exists()
    formset, meta = response.context["form"], response.context["meta"]
    assert formset.forms[0].errors["credit_code"] and meta.errors["reason"]
    same = client.post("/changes/mine/new/work/", _work_post(person))
    assert "与当前信息相同" in same.content.decode()


def test_identity_change_with_a_proof_upload(owned: Any, staff: Any) -> None:
    person = owned()
    client = _client(person.user)
    current = identity_with(person)
    data = {k: ("" if v is None else v) for k, v in current.items()}
    data.update(name="页面改名", reason="已依法更名")
    refused = client.post("/changes/mine/new/identity/", data)
    assert "须上传" in refused.content.decode() and not ChangeRequest.objects.exists()
    name, content = png()
    data["evidence"] = SimpleUploadedFile(name, content, content_type="image/png")
    response = client.post("/changes/mine/new/identity/", data)
    request = ChangeRequest.objects.get()
    assert response.status_code == 302 and request.needs_proof and len(request.evidence) == 1
    doc = request.evidence[0]
    assert client.get(f"/changes/mine/{request.uid}/documents/{doc}/").status_code == 200
    reviewer = staff(Role.COUNTY_REVIEWER, "440106")
    assert reviewer.get(f"/changes/review/{request.uid}/documents/{doc}/").status_code == 200
    outsider = staff(Role.COUNTY_REVIEWER, "440104")
    assert outsider.get(f"/changes/review/{request.uid}/documents/{doc}/").status_code == 404


def test_queue_oldest_first_overdue_highlighted_in_scope(owned: Any, staff: Any) -> None:
    first, second, far = owned(), owned(), owned("440203")
    for p in (first, second, far):
        services.change_request_submit(
            actor=p.user, group="work", proposed=work_with(p, unit_name="新单位"), reason="换单位"
        )
    old = ChangeRequest.objects.get(person=first)
    ChangeRequest.objects.filter(pk=old.pk).update(deadline=date.today() - timedelta(days=1))
    page = staff(Role.COUNTY_REVIEWER, "440106").get("/changes/review/")
    rows = page.context["rows"]
    assert [r.person_id for r in rows] == [first.pk, second.pk]
    assert page.context["overdue"] == 1 and "超期" in page.content.decode()
    assert staff(Role.PROVINCE_REVIEWER, "440000").get("/changes/review/").context["pending"] == 3
    only = staff(Role.CITY_REVIEWER, "440100").get("/changes/review/", {"overdue": "1"})
    assert [r.person_id for r in only.context["rows"]] == [first.pk]
    assert _client(first.user).get("/changes/review/").status_code == 403
    assert staff(Role.AUDITOR, "440000").get("/changes/review/").status_code == 403


def test_review_page_shows_old_beside_new_and_decides(owned: Any, staff: Any) -> None:
    person = owned()
    request = services.change_request_submit(
        actor=person.user, group="work", proposed=work_with(person, unit_name="审核页单位"), reason="换单位"
    )
    reviewer = staff(Role.COUNTY_REVIEWER, "440106")
    page = reviewer.get(f"/changes/review/{request.uid}/").content.decode()
    assert "工作经历 第1条 · 单位名称" in page and "审核页单位" in page
    assert person_record(person).work[0].unit_name in page and "批准变更" in page
    assert person_archive_no(person) not in page
    assert staff(Role.COUNTY_REVIEWER, "440104").get(f"/changes/review/{request.uid}/").status_code == 404
    assert _client(person.user).get(f"/changes/review/{request.uid}/").status_code == 403
    refused = reviewer.post(f"/changes/review/{request.uid}/return/", {"reason": ""}, follow=True)
    assert "退回时请写明原因" in refused.content.decode()
    assert staff(Role.AUDITOR, "440000").post(f"/changes/review/{request.uid}/approve/").status_code == 403
    response = reviewer.post(f"/changes/review/{request.uid}/approve/", {"reason": "同意"})
    assert response.status_code == 302 and response["Location"] == "/changes/review/"
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.APPROVED
    assert reviewer.get(f"/changes/review/{request.uid}/approve/").status_code == 405


def test_person_sees_only_their_own_requests(owned: Any) -> None:
    alice, bob = owned(), owned()
    request = services.change_request_submit(
        actor=alice.user, group="work", proposed=work_with(alice, unit_name="甲单位"), reason="换单位"
    )
    bob_client = _client(bob.user)
    assert bob_client.get(f"/changes/mine/{request.uid}/").status_code == 404
    assert bob_client.post(f"/changes/mine/{request.uid}/withdraw/").status_code == 404
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.SUBMITTED
    alice_client = _client(alice.user)
    assert alice_client.post(f"/changes/mine/{request.uid}/withdraw/").status_code == 302
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.WITHDRAWN


def test_returned_request_is_revised_through_the_form(owned: Any, make_user: Any) -> None:
    person = owned()
    request = services.change_request_submit(
        actor=person.user, group="work", proposed=work_with(person, unit_name="初稿"), reason="换单位"
    )
    services.change_request_return(
        actor=make_user(Role.COUNTY_REVIEWER, "440106"), uid=request.uid, reason="名称不全"
    )
    client = _client(person.user)
    form = client.get(f"/changes/mine/{request.uid}/revise/").content.decode()
    assert "初稿" in form and "名称不全" in form
    response = client.post(f"/changes/mine/{request.uid}/revise/", _work_post(person, unit_name="完整名称"))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == ChangeStatus.SUBMITTED and request.proposed[0]["unit_name"] == "完整名称"


def test_identity_form_never_shows_the_full_number_and_blank_keeps_it(owned: Any, make_user: Any) -> None:
    person = owned()
    client = _client(person.user)
    number = person_archive_no(person)
    page = client.get("/changes/mine/new/identity/").content.decode()
    assert number not in page and person.archive_masked in page
    data = {k: ("" if v is None else v) for k, v in identity_with(person, archive_no="").items()}
    data.update(mobile="13700000009", reason="换手机号")
    assert client.post("/changes/mine/new/identity/", data).status_code == 302
    request = ChangeRequest.objects.get()
    assert request.proposed["archive_no"] == number and request.summary == "手机号"
    assert not request.needs_proof
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    services.change_request_return(actor=reviewer, uid=request.uid, reason="请同时填写电子邮箱")
    revise = client.get(f"/changes/mine/{request.uid}/revise/").content.decode()
    assert number not in revise and "13700000009" in revise


def test_staff_list_filter_finds_people_with_changes(owned: Any, staff: Any, make_user: Any) -> None:
    waiting, done, _ = owned(), owned(), owned()
    for p in (waiting, done):
        services.change_request_submit(
            actor=p.user, group="work", proposed=work_with(p, unit_name="新单位"), reason="换单位"
        )
    request = ChangeRequest.objects.get(person=done)
    services.change_request_approve(actor=make_user(Role.COUNTY_REVIEWER, "440106"), uid=request.uid)
    client = staff(Role.COUNTY_REVIEWER, "440106")
    assert client.get("/people/", {"change": "open"}).context["page"].total == 1
    assert client.get("/people/", {"change": "approved"}).context["page"].total == 1
    assert client.get("/people/").context["page"].total == 3
