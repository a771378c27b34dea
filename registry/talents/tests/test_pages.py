"""Talent pages: staff tab and entry, the person's read-only view, the programme page."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.talents.models import Programme, Talent, TalentStatus
from registry.talents.services import talent_add

from .conftest import client_for, entry

pytestmark = pytest.mark.django_db

FORM = {
    "programme": "N05",
    "cohort_year": "2021",
    "cohort": "第三期",
    "status": "1",
    "certificate_no": "GJ-1",
}


def test_staff_tab_entry_and_status(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    page = client.get(f"/people/{person.uid}/").content.decode()
    assert "高端会计人才" in page and "登记人才信息" in page
    form_page = client.get(f"/talents/people/{person.uid}/add/").content.decode()
    assert "国际化高端会计人才" in form_page and "国家级" in form_page
    response = client.post(f"/talents/people/{person.uid}/add/", FORM)
    assert response.status_code == 302
    row = Talent.objects.get(person=person)
    page = client.get(f"/people/{person.uid}/").content.decode()
    assert "国际化高端会计人才" in page and "更新状态" in page
    next_url = f"/people/{person.uid}/"
    client.post(f"/talents/{row.uid}/status/", {"status": "3", "reason": "", "next": next_url})
    row.refresh_from_db()
    assert row.status == TalentStatus.TRAINING  # a withdrawal without a reason is refused
    response = client.post(f"/talents/{row.uid}/status/", {"status": "2", "next": next_url})
    assert response["Location"] == next_url
    row.refresh_from_db()
    assert row.status == TalentStatus.GRADUATED


def test_bad_input_stays_on_the_form(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440106"))
    response = client.post(f"/talents/people/{person.uid}/add/", {**FORM, "cohort_year": "2999"})
    assert response.status_code == 200
    assert not Talent.objects.exists()


def test_entry_pages_are_closed_to_others(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    row = talent_add(actor=make_user(Role.COUNTY_REVIEWER, "440106"), person=person, data=entry())
    add = f"/talents/people/{person.uid}/add/"
    status = f"/talents/{row.uid}/status/"
    outsider = client_for(make_user(Role.COUNTY_REVIEWER, "440104"))
    assert outsider.get(add).status_code == 404
    assert outsider.post(status, {"status": "2"}).status_code == 404
    auditor = client_for(make_user(Role.AUDITOR, "440000"))
    assert auditor.post(add, FORM).status_code == 403
    assert auditor.post(status, {"status": "2"}).status_code == 403
    page = auditor.get(f"/people/{person.uid}/").content.decode()
    assert "全国会计领军人才（企业类）" in page and "登记人才信息" not in page and "更新状态" not in page
    nobody = client_for(make_user(None))
    assert nobody.get(add).status_code == 403 and nobody.post(status, {"status": "2"}).status_code == 403
    row.refresh_from_db()
    assert row.status == TalentStatus.TRAINING and Talent.objects.count() == 1


def test_person_sees_their_own_read_only(accountant: Any, make_user: Any) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    alice, alice_person = accountant()
    _, bob_person = accountant()
    talent_add(actor=staff, person=alice_person, data=entry(certificate_no="ALICE-1"))
    talent_add(actor=staff, person=bob_person, data=entry(programme="N02", certificate_no="BOB-1"))
    client = client_for(alice)
    page = client.get("/people/mine/").content.decode()
    assert "ALICE-1" in page and "BOB-1" not in page
    assert "更新状态" not in page and "登记人才信息" not in page
    assert client.get(f"/talents/people/{alice_person.uid}/add/").status_code == 403


def test_people_list_has_the_filter(make_person: Any, make_user: Any) -> None:
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    talent, other = make_person("440106"), make_person("440106")
    talent_add(actor=staff, person=talent, data=entry(programme="P01"))
    page = client_for(staff).get("/people/", {"talent": "provincial"})
    assert "省级项目" in page.content.decode()
    uids = {p.uid for p in page.context["page"].rows}
    assert talent.uid in uids and other.uid not in uids


def test_programme_page(make_user: Any) -> None:
    admin = client_for(make_user(Role.PROVINCE_ADMIN, "440000"))
    page = admin.get("/talents/programmes/").content.decode()
    assert "全国会计领军人才（企业类）" in page and "增加本省项目" in page
    response = admin.post("/talents/programmes/", {"name": "广东省会计领军人才", "standard_code": "P01"})
    assert response.status_code == 302
    added = Programme.objects.get(name="广东省会计领军人才")
    admin.post(f"/talents/programmes/{added.code}/", {"name": "广东省会计领军人才（企业类）"})
    admin.post("/talents/programmes/N07/", {"active": "0"})
    assert Programme.objects.get(pk=added.pk).name == "广东省会计领军人才（企业类）"
    assert not Programme.objects.get(code="N07").active
    response = admin.post("/talents/programmes/", {"name": "", "standard_code": "P01"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "code"), [(Role.PROVINCE_REVIEWER, "440000"), (Role.CITY_REVIEWER, "440100")]
)
def test_programme_page_is_for_province_admins(make_user: Any, role: Any, code: str) -> None:
    client = client_for(make_user(role, code))
    assert client.get("/talents/programmes/").status_code == 403
    assert client.post("/talents/programmes/N01/", {"active": "0"}).status_code == 403
    assert Programme.objects.get(code="N01").active
