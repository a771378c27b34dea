"""The pages around the services: who may open what, and what each page shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.continuing_education import services
from registry.continuing_education.models import Entry, Settings
from registry.continuing_education.tests.conftest import entry, png
from registry.people.snapshot import person_archive_no

pytestmark = pytest.mark.django_db


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_person_sees_their_years_and_what_is_missing(
    accountant: Any, with_login: Any, make_user: Any
) -> None:
    person = accountant()
    user = with_login(person)
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    services.ce_register(actor=staff, person=person, data=entry(form="9", days=None, credits="52"))
    services.ce_register(
        actor=staff, person=person, data=entry(form="9", days=None, subject="2", credits="26")
    )
    page = client(user).get("/ce/mine/").content.decode()
    assert "2025 年度" in page and "还差 12 学分，其中专业科目还差 8 学分" in page
    assert "2026 年度" in page and "还差 90 学分" in page  # required this year, nothing yet


def test_accounts_without_a_record_are_told_to_collect_first(make_user: Any) -> None:
    assert "请先完成信息采集" in client(make_user(None)).get("/ce/mine/").content.decode()


def test_self_report_page_and_own_proof(accountant: Any, with_login: Any) -> None:
    person = accountant()
    user = with_login(person)
    c = client(user)
    assert c.get("/ce/mine/report/").status_code == 200
    name, data = png()
    response = c.post(
        "/ce/mine/report/",
        {
            "held_on": "2025-06-10",
            "form": "4",
            "subject": "1",
            "days": "2",
            "provider": "会计学会",
            "proof": SimpleUploadedFile(name, data, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    e = Entry.objects.get()
    assert (e.status, e.credits) == ("pending", 20)
    assert c.get(f"/ce/mine/{e.uid}/proof/").status_code == 200
    # Errors come back on the fields, nothing written.
    page = c.post(
        "/ce/mine/report/",
        {"held_on": "2025-06-11", "form": "4", "subject": "1", "days": "2", "credits": "30"},
    )
    text = page.content.decode()
    assert page.status_code == 200 and "按规定应为 20 学分" in text and "请上传证明材料" in text
    assert Entry.objects.count() == 1


def test_proofs_only_for_their_person_and_reviewers_in_scope(
    accountant: Any, with_login: Any, make_user: Any
) -> None:
    alice, bob = accountant(), accountant()
    a_user, b_user = with_login(alice), with_login(bob)
    e = services.ce_self_report(actor=a_user, data=entry(), proof_files=[png()])
    assert client(b_user).get(f"/ce/mine/{e.uid}/proof/").status_code == 404
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    response = client(reviewer).get(f"/ce/review/{e.uid}/proof/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="document.read", actor_id=reviewer.pk).count() == 1
    other = make_user(Role.COUNTY_REVIEWER, "440104")
    assert client(other).get(f"/ce/review/{e.uid}/proof/").status_code == 404
    assert client(other).get(f"/ce/review/{e.uid}/").status_code == 404
    assert client(a_user).get(f"/ce/review/{e.uid}/").status_code == 403


def test_review_pages_approve_and_return(accountant: Any, with_login: Any, make_user: Any) -> None:
    user = with_login(accountant())
    first = services.ce_self_report(actor=user, data=entry(), proof_files=[png()])
    second = services.ce_self_report(actor=user, data=entry(held_on="2025-07-01"), proof_files=[png()])
    c = client(make_user(Role.CITY_REVIEWER, "440100"))
    listing = c.get("/ce/review/")
    assert [r.uid for r in listing.context["rows"]] == [first.uid, second.uid]
    assert "审核通过" in c.get(f"/ce/review/{first.uid}/").content.decode()
    assert c.post(f"/ce/review/{first.uid}/approve/").status_code == 302
    assert c.post(f"/ce/review/{second.uid}/return/", {"reason": ""}).status_code == 302  # refused: message
    assert Entry.objects.get(pk=second.pk).status == "pending"
    c.post(f"/ce/review/{second.uid}/return/", {"reason": "证书日期与填写不符"})
    assert list(Entry.objects.order_by("id").values_list("status", flat=True)) == ["approved", "returned"]
    mine = client(user).get("/ce/mine/").content.decode()
    assert "证书日期与填写不符" in mine
    auditor = make_user(Role.AUDITOR, "440000")
    assert client(auditor).get("/ce/review/").status_code == 403


def test_agency_entry_page(accountant: Any, make_user: Any) -> None:
    person = accountant()
    c = client(make_user(Role.COUNTY_REVIEWER, "440106"))
    assert c.get(f"/ce/people/{person.uid}/register/").status_code == 200
    response = c.post(
        f"/ce/people/{person.uid}/register/", {"held_on": "2025-04-01", "form": "3", "subject": "1"}
    )
    assert response.status_code == 302 and Entry.objects.get().credits == 90
    assert (
        client(make_user(Role.COUNTY_REVIEWER, "440104"))
        .get(f"/ce/people/{person.uid}/register/")
        .status_code
        == 404
    )
    assert (
        client(make_user(Role.AUDITOR, "440000")).get(f"/ce/people/{person.uid}/register/").status_code == 403
    )


def test_detail_tab_and_list_filter(accountant: Any, make_user: Any) -> None:
    person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    services.ce_register(actor=staff, person=person, data=entry(form="3"))
    c = client(staff)
    detail = c.get(f"/people/{person.uid}/").content.decode()
    assert "继续教育" in detail and "登记学分" in detail and "参加考试" in detail
    listing = c.get("/people/", {"ce": "2025:unmet"})
    assert listing.status_code == 200 and person not in listing.context["page"].rows
    assert person in c.get("/people/", {"ce": "2025:met"}).context["page"].rows


def test_batch_page_template_and_upload(accountant: Any, make_user: Any) -> None:
    person = accountant()
    c = client(make_user(Role.CITY_REVIEWER, "440100"))
    page = c.get("/ce/batch/").content.decode()
    assert "证件号码" in page and "下载模板" in page
    template = c.get("/ce/batch/template.csv")
    assert template["Content-Type"].startswith("text/csv") and template.content.startswith(
        "\ufeff证件号码".encode()
    )
    row = f"{person_archive_no(person)},{person.name},2025-04-01,考试,专业,90,省财政厅"
    body = f"证件号码,姓名,日期,形式,科目类别,学分,举办单位\n{row}\n"
    upload = SimpleUploadedFile("r.csv", body.encode(), content_type="text/csv")
    result = c.post("/ce/batch/", {"file": upload})
    assert result.context["result"].created == 1 and "新登记" in result.content.decode()
    garbage = c.post("/ce/batch/", {"file": SimpleUploadedFile("r.csv", b"hello", content_type="text/csv")})
    assert "缺少列" in garbage.content.decode()
    assert client(make_user(Role.AUDITOR, "440000")).get("/ce/batch/").status_code == 403


def test_compliance_page(accountant: Any, make_user: Any) -> None:
    accountant()
    c = client(make_user(Role.CITY_REVIEWER, "440100"))
    page = c.get("/ce/compliance/", {"year": "2025"})
    assert page.context["counts"].required == 1 and page.context["counts"].unmet == 1
    assert "还差 90 学分" in page.content.decode()
    assert client(make_user(None)).get("/ce/compliance/").status_code == 403


def test_settings_page_for_province_admins_only(make_user: Any) -> None:
    admin = client(make_user(Role.PROVINCE_ADMIN, "440000"))
    assert admin.get("/ce/settings/").status_code == 200
    form = {
        "unit_1": "hour",
        "credits_1": "1.5",
        "unit_2": "hour",
        "credits_2": "1",
        "unit_9": "declared",
        "credits_9": "",
        "close_month": "4",
        "close_day": "30",
    }
    assert admin.post("/ce/settings/", form).status_code == 302
    row = Settings.objects.get(agency__code="440000")
    assert row.conversions["1"] == {"unit": "hour", "credits": "1.5"} and (
        row.close_month,
        row.close_day,
    ) == (4, 30)
    bad = admin.post("/ce/settings/", {**form, "credits_1": "0", "close_month": "2", "close_day": "29"})
    assert (
        bad.status_code == 200
        and "折算学分应大于 0" in bad.content.decode()
        and "2 月 29 日" in bad.content.decode()
    )
    assert Settings.objects.get().conversions["1"]["credits"] == "1.5"
    for role, code in ((Role.CITY_REVIEWER, "440100"), (Role.PROVINCE_REVIEWER, "440000")):
        assert client(make_user(role, code)).get("/ce/settings/").status_code == 403
