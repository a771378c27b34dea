"""The pages: public query, the person's own page, the detail tab, entry and objection pages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client

from registry.accounts.roles import Role
from registry.credit import clock, services
from registry.credit.models import CreditObjection, CreditRecord, ObjectionStatus, RecordStatus
from registry.credit.public import NO_ANSWER
from registry.credit.tests.conftest import dishonour, honour, png
from registry.people.snapshot import person_archive_no

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _answer(response: Any) -> str:
    match = re.search(r'<div id="answer">(.*?)</div>\s*</div>\s*</main>', response.content.decode(), re.S)
    assert match is not None
    return match.group(1)


@pytest.fixture
def public_person(owned: Any, add: Any, clerk: Any) -> Any:
    """Public: an honour and a 失信 in its period. Not public: an expired and a superseded 失信."""
    person = owned()
    add(person, honour())
    add(person, dishonour(serious=True, public_until=None))
    add(person, dishonour(item="未按规定保管会计档案", public_until=date(2026, 11, 19)))
    old = add(person, dishonour(item="已被替代的处罚"))
    services.credit_supersede(actor=clerk, record=old, reason="复议变更")
    return person


def test_public_query_shows_only_what_may_be_disclosed(public_person: Any, agency: Any) -> None:
    number = person_archive_no(public_person)
    response = Client().post("/credit/query/", {"name": public_person.name, "archive_no": number.lower()})
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    page = response.content.decode()
    answer = _answer(response)
    assert public_person.name in answer and public_person.archive_masked in answer
    assert "先进会计工作者" in answer and "伪造会计凭证（罚款）" in answer and "广东省财政厅" in answer
    assert "列入严重失信黑名单，至 2031-11-16" in answer
    assert "未按规定保管会计档案" not in page and "已被替代的处罚" not in page
    birth = public_person.birth_date
    for secret in (
        number,
        agency("440106").name,
        "天河",
        birth.isoformat(),
        f"{birth:%Y年%m月%d日}",
        public_person.works.first().unit_name,
        "粤财罚",  # the document number is not among the disclosed items
        "会计法",  # nor the legal basis
        public_person.mobile,
    ):
        assert secret not in page, secret


def test_public_query_answers_the_same_to_every_miss(public_person: Any, make_person: Any) -> None:
    number = person_archive_no(public_person)
    quiet = make_person()  # registered, nothing public
    misses = [
        {"name": "张三", "archive_no": number},  # the number, another name
        {"name": public_person.name, "archive_no": "11010519491231002X"},  # not registered
        {"name": quiet.name, "archive_no": person_archive_no(quiet)},  # registered, no public items
        {"name": public_person.name, "archive_no": "abc"},
    ]
    answers = {_answer(Client().post("/credit/query/", data)) for data in misses}
    assert len(answers) == 1 and NO_ANSWER in answers.pop()


def test_public_query_is_rate_limited_per_address() -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(20):
        assert (
            client.post("/credit/query/", {"name": "张三", "archive_no": "11010519491231002X"}).status_code
            == 200
        )
    limited = client.post("/credit/query/", {"name": "张三", "archive_no": "11010519491231002X"})
    assert limited.status_code == 429 and "查询过于频繁" in limited.content.decode()
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert (
        other.post("/credit/query/", {"name": "张三", "archive_no": "11010519491231002X"}).status_code == 200
    )


def test_public_query_form_needs_csrf_and_no_login() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/credit/query/")
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    assert client.post("/credit/query/", {"name": "张三", "archive_no": "1"}).status_code == 403


def test_the_person_sees_their_entries_and_objects(owned: Any, add: Any) -> None:
    person = owned()
    record = add(person, dishonour())
    client = _client(person.user)
    page = client.get("/credit/mine/").content.decode()
    assert "伪造会计凭证" in page and f"/credit/mine/{record.uid}/object/" in page
    assert "广州市天河区" not in page  # the entering agency is staff information
    response = client.post(
        f"/credit/mine/{record.uid}/object/", {"reason": "非本人行为", "evidence": _upload()}
    )
    assert response.status_code == 302
    objection = CreditObjection.objects.get(record=record)
    page = client.get("/credit/mine/").content.decode()
    assert "待处理" in page and f"/credit/mine/objections/{objection.uid}/withdraw/" in page
    doc = objection.evidence[0]
    assert client.get(f"/credit/mine/documents/{doc}/").status_code == 200
    stranger = owned()
    assert _client(stranger.user).get(f"/credit/mine/documents/{doc}/").status_code == 404
    assert (
        _client(stranger.user).post(f"/credit/mine/{record.uid}/object/", {"reason": "x"}).status_code == 404
    )
    assert client.post(f"/credit/mine/objections/{objection.uid}/withdraw/").status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.WITHDRAWN


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    name, data = png()
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_detail_tab_and_badge_on_the_staff_page(make_person: Any, add: Any, clerk: Any) -> None:
    person = make_person()
    add(person, dishonour(penalty="6", public_until=None))
    page = _client(clerk).get(f"/people/{person.uid}/").content.decode()
    assert 'id="tab-credit"' in page and "伪造会计凭证" in page and "终身禁止从事会计工作" in page
    assert f"/credit/people/{person.uid}/add/" in page


def test_auditor_sees_the_tab_without_the_add_form(make_person: Any, add: Any, make_user: Any) -> None:
    person = make_person()
    add(person, honour())
    page = _client(make_user(Role.AUDITOR, "440000")).get(f"/people/{person.uid}/").content.decode()
    assert "先进会计工作者" in page and f"/credit/people/{person.uid}/add/" not in page


def test_staff_enter_through_the_page_and_errors_stay_on_the_form(make_person: Any, clerk: Any) -> None:
    person = make_person()
    client = _client(clerk)
    form = {
        "kind": "dishonour",
        "item": "伪造会计凭证",
        "decided_by": "广东省财政厅",
        "decided_on": "2099-01-01",
        "penalty": "3",
        "public_until": "2099-12-31",
        "evidence": _upload(),
    }
    page = client.post(f"/credit/people/{person.uid}/add/", form)
    assert page.status_code == 200 and "决定日期不能晚于今天" in page.content.decode()
    assert not CreditRecord.objects.exists()
    form.update(decided_on="2026-11-16", public_until="2029-11-16", evidence=_upload())
    response = client.post(f"/credit/people/{person.uid}/add/", form)
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert _client(clerk).get(f"/credit/records/{record.uid}/").status_code == 200
    assert client.get(f"/credit/records/{record.uid}/documents/{record.evidence[0]}/").status_code == 200
    other = make_person("440104")
    assert client.post(f"/credit/people/{other.uid}/add/", form).status_code == 404
    assert client.post(f"/credit/records/{record.uid}/supersede/", {"reason": ""}).status_code == 302
    assert CreditRecord.objects.get().status == RecordStatus.ACTIVE  # no reason, nothing changed
    client.post(f"/credit/records/{record.uid}/supersede/", {"reason": "复议变更"})
    text = client.get(f"/credit/records/{record.uid}/").content.decode()
    assert "替代（有效 → 已被替代）：复议变更" in text


def test_other_agencies_and_accountants_get_nothing(owned: Any, add: Any, make_user: Any) -> None:
    person = owned()
    record = add(person)
    objection = services.objection_file(actor=person.user, record=record, reason="x", evidence_files=[png()])
    outsider = _client(make_user(Role.COUNTY_REVIEWER, "440104"))
    for url in (
        f"/credit/records/{record.uid}/",
        f"/credit/records/{record.uid}/documents/{record.evidence[0]}/",
        f"/credit/objections/{objection.uid}/",
    ):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/credit/objections/{objection.uid}/reject/", {"reason": "x"}).status_code == 404
    accountant = _client(person.user)
    assert accountant.get("/credit/objections/").status_code == 403
    assert accountant.get(f"/credit/records/{record.uid}/").status_code == 403
    auditor = _client(make_user(Role.AUDITOR, "440000"))
    assert auditor.get(f"/credit/objections/{objection.uid}/").status_code == 200
    assert auditor.post(f"/credit/objections/{objection.uid}/reject/", {"reason": "x"}).status_code == 403
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


def test_objection_list_highlights_overdue_and_decisions_through_pages(
    owned: Any, add: Any, clerk: Any, monkeypatch: Any
) -> None:
    person = owned()
    record = add(person)
    late = services.objection_file(
        actor=person.user, record=record, reason="早已提出", evidence_files=[png()]
    )
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 7))  # the deadline was 4 December
    client = _client(clerk)
    page = client.get("/credit/objections/").content.decode()
    assert "table-danger" in page and "已超期" in page and person.name in page
    assert client.get("/credit/objections/?overdue=1").context["rows"] == [late]
    form_page = client.get(f"/credit/objections/{late.uid}/").content.decode()
    assert "异议成立" in form_page and "伪造会计凭证" in form_page
    response = client.post(
        f"/credit/objections/{late.uid}/uphold/",
        {**_form_values(record), "item": "未按规定填制会计凭证", "decision_reason": "行为认定有误"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.CORRECTED and record.item == "未按规定填制会计凭证"
    assert record.revisions.first().values["item"] == "伪造会计凭证"
    assert client.get("/credit/objections/").context["rows"] == []


def _form_values(record: CreditRecord) -> dict[str, str]:
    return {
        "kind": record.kind,
        "item": record.item,
        "decided_by": record.decided_by,
        "decided_on": record.decided_on.isoformat(),
        "effective_on": record.effective_on.isoformat(),
        "document_no": record.document_no,
        "penalty": record.penalty,
        "basis": record.basis,
        "public_until": record.public_until.isoformat() if record.public_until else "",
    }


def test_bar_badge_for_list_rows_reads_once(
    make_person: Any, add: Any, django_assert_num_queries: Any
) -> None:
    barred, listed, clean = make_person(), make_person(), make_person()
    add(barred, dishonour(penalty="5"))
    add(listed, dishonour(serious=True))
    rows = [barred, listed, clean]
    template = Template(
        "{% load credit_tags %}{% for p in rows %}[{% credit_bar_badge p rows %}]{% endfor %}"
    )
    with django_assert_num_queries(1):
        html = template.render(Context({"rows": rows}))
    parts = html.split("][")
    assert "禁止从事会计工作至 2031-11-16" in parts[0] and "黑名单" not in parts[0]
    assert "黑名单" in parts[1] and "禁止" not in parts[1]
    assert parts[2].strip(" []\n") == ""
    single = Template("{% load credit_tags %}{% credit_bar_badge p %}{{ p|credit_bar }}")
    assert "禁止从事会计工作至 2031-11-16" in single.render(Context({"p": barred}))


def test_the_persons_own_record_page_shows_the_tab_without_staff_details(owned: Any, add: Any) -> None:
    person = owned()
    add(person, dishonour(penalty="5"))
    page = _client(person.user).get("/people/mine/").content.decode()
    assert 'id="tab-credit"' in page and "禁止从事会计工作至 2031-11-16" in page
    assert "/credit/mine/" in page and "/credit/people/" not in page and "逾期录入" not in page
