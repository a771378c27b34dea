"""The pages: who may open what, and nobody sees another person's qualifications."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.qualifications.models import Qualification, QualificationStatus
from registry.qualifications.services import qualification_add

from .conftest import client_for, entry, png

pytestmark = pytest.mark.django_db

FORM = {
    "level": "2",
    "title": "",
    "route": "1",
    "obtained_on": "2019-09-01",
    "certificate_no": "PAGE-1",
    "issuer": "广东省人力资源和社会保障厅",
}


def test_detail_tab_lists_and_staff_enter(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    client = client_for(staff)
    page = client.get(f"/people/{person.uid}/").content.decode()
    assert "专业技术资格" in page and "登记资格" in page and "最高专业技术资格" in page
    assert client.get(f"/qualifications/people/{person.uid}/add/").status_code == 200
    response = client.post(f"/qualifications/people/{person.uid}/add/", FORM)
    assert response.status_code == 302 and response["Location"].startswith(f"/people/{person.uid}/")
    page = client.get(f"/people/{person.uid}/").content.decode()
    assert "PAGE-1" in page and "<strong>中级</strong>" in page


def test_bad_input_shows_the_rule_and_writes_nothing(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    response = client.post(
        f"/qualifications/people/{person.uid}/add/",
        {**FORM, "title": "高级会计师", "obtained_on": "2999-01-01"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "资格名称与级别不符" in body and "取得日期不能晚于今天" in body
    assert not Qualification.objects.exists()


def test_add_page_scope(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    url = f"/qualifications/people/{person.uid}/add/"
    assert client_for(make_user(Role.COUNTY_REVIEWER, "440104")).get(url).status_code == 404
    assert client_for(make_user(Role.CITY_REVIEWER, "440200")).post(url, FORM).status_code == 404
    assert client_for(make_user(Role.AUDITOR, "440000")).post(url, FORM).status_code == 403
    assert client_for(make_user(None)).get(url).status_code == 403
    assert not Qualification.objects.exists()


def test_auditor_sees_the_tab_without_entry_or_review(accountant: Any, make_user: Any) -> None:
    user, person = accountant()
    qualification_add(actor=user, person=person, data=entry(), proof_files=[png()])
    page = client_for(make_user(Role.AUDITOR, "440000")).get(f"/people/{person.uid}/").content.decode()
    assert "Z2018440100001" in page and "登记资格" not in page and "审核通过" not in page


def test_person_reports_on_their_page_and_sees_only_their_own(accountant: Any) -> None:
    alice, alice_person = accountant()
    bob, bob_person = accountant()
    qualification_add(actor=bob, person=bob_person, data=entry(certificate_no="BOB-1"), proof_files=[png()])
    client = client_for(alice)
    assert client.get("/qualifications/mine/").status_code == 200
    name, data = png()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/qualifications/mine/", {**FORM, "proof": SimpleUploadedFile(name, data, content_type="image/png")}
    )
    assert response.status_code == 302
    row = Qualification.objects.get(person=alice_person)
    assert row.status == QualificationStatus.PENDING
    page = client.get("/qualifications/mine/").content.decode()
    assert "PAGE-1" in page and "待审核" in page and "BOB-1" not in page
    mine = client.get("/people/mine/").content.decode()
    assert "PAGE-1" in mine and "申报资格" in mine and "BOB-1" not in mine and "审核通过" not in mine


def test_self_report_without_proof_is_refused_on_the_page(accountant: Any) -> None:
    user, _ = accountant()
    response = client_for(user).post("/qualifications/mine/", FORM)
    assert response.status_code == 200 and "请上传资格证书" in response.content.decode()
    assert not Qualification.objects.exists()


def test_staff_without_a_record_have_no_own_page(make_user: Any) -> None:
    assert (
        client_for(make_user(Role.COUNTY_REVIEWER, "440106")).get("/qualifications/mine/").status_code == 404
    )


def test_review_list_approve_and_return(accountant: Any, make_user: Any) -> None:
    user, person = accountant("440106")
    other_user, other = accountant("440104")
    first = qualification_add(
        actor=user, person=person, data=entry(certificate_no="R-1"), proof_files=[png()]
    )
    second = qualification_add(
        actor=user, person=person, data=entry(level="1", title="", certificate_no="R-2"), proof_files=[png()]
    )
    qualification_add(actor=other_user, person=other, data=entry(certificate_no="R-3"), proof_files=[png()])
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    client = client_for(reviewer)
    page = client.get("/qualifications/review/")
    assert [q.uid for q in page.context["rows"]] == [first.uid, second.uid]
    assert "R-3" not in page.content.decode()
    response = client.post(f"/qualifications/{first.uid}/approve/", {"next": "/qualifications/review/"})
    assert response.status_code == 302 and response["Location"] == "/qualifications/review/"
    # A return without a reason is refused and changes nothing.
    client.post(f"/qualifications/{second.uid}/return/", {"reason": ""})
    second.refresh_from_db()
    assert second.status == QualificationStatus.PENDING
    client.post(
        f"/qualifications/{second.uid}/return/", {"reason": "请上传证书内页", "next": "https://evil.example/"}
    )
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, second.status) == (QualificationStatus.APPROVED, QualificationStatus.RETURNED)
    # The person sees the reason.
    assert "请上传证书内页" in client_for(user).get("/qualifications/mine/").content.decode()


def test_review_pages_are_closed_to_others(accountant: Any, make_user: Any) -> None:
    user, person = accountant("440106")
    row = qualification_add(actor=user, person=person, data=entry(), proof_files=[png()])
    assert client_for(user).get("/qualifications/review/").status_code == 403
    assert client_for(make_user(Role.AUDITOR, "440000")).get("/qualifications/review/").status_code == 403
    assert client_for(user).post(f"/qualifications/{row.uid}/approve/").status_code == 403
    outsider = client_for(make_user(Role.COUNTY_REVIEWER, "440104"))
    assert outsider.post(f"/qualifications/{row.uid}/approve/").status_code == 404
    assert (
        client_for(make_user(Role.AUDITOR, "440000")).post(f"/qualifications/{row.uid}/approve/").status_code
        == 403
    )
    assert outsider.get(f"/qualifications/{row.uid}/approve/").status_code == 405
    row.refresh_from_db()
    assert row.status == QualificationStatus.PENDING


def test_proof_is_served_to_the_person_and_staff_in_scope(accountant: Any, make_user: Any) -> None:
    user, person = accountant("440106")
    other, _ = accountant("440106")
    row = qualification_add(actor=user, person=person, data=entry(), proof_files=[png()])
    url = f"/qualifications/{row.uid}/proof/"
    assert client_for(user).get(url).status_code == 200
    reviewer = make_user(Role.CITY_REVIEWER, "440100")
    response = client_for(reviewer).get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="document.read", actor_id=reviewer.pk).exists()
    assert client_for(other).get(url).status_code == 404
    assert client_for(make_user(Role.COUNTY_REVIEWER, "440104")).get(url).status_code == 404
    agency_row = qualification_add(
        actor=reviewer, person=person, data=entry(level="1", title="", certificate_no="NOPROOF")
    )
    assert client_for(reviewer).get(f"/qualifications/{agency_row.uid}/proof/").status_code == 404


def test_people_list_has_the_filter(make_person: Any, make_user: Any) -> None:
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    holder, other = make_person("440106"), make_person("440106")
    qualification_add(actor=staff, person=holder, data=entry(level="3", title="", route="3"))
    page = client_for(staff).get("/people/", {"qualification": "3+"})
    assert "副高级及以上" in page.content.decode()
    uids = {p.uid for p in page.context["page"].rows}
    assert holder.uid in uids and other.uid not in uids


def test_each_report_keeps_its_own_proof(accountant: Any) -> None:
    # Proofs share one document kind for now: a second report's proof must not hide the first's.
    user, person = accountant()
    first = qualification_add(
        actor=user, person=person, data=entry(certificate_no="P-1"), proof_files=[png()]
    )
    second = qualification_add(
        actor=user, person=person, data=entry(level="1", title="", certificate_no="P-2"), proof_files=[png()]
    )
    assert first.proof_uid != second.proof_uid
    client = client_for(user)
    for row in (first, second):
        assert client.get(f"/qualifications/{row.uid}/proof/").status_code == 200
