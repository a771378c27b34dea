"""The section's writer: entries written back from a record read back the same, with their criminal,
blacklist and bar terms, so the bar badge shows for the replica; writing twice changes nothing; an
empty section clears the entries with their revisions and objections."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.credit import services
from registry.credit.hooks import credit_section
from registry.credit.models import CreditObjection, CreditRecord, CreditRevision, RecordStatus
from registry.credit.replica import replace_from_record
from registry.credit.selectors import bar_status, credit_flags, filter_people, is_blacklisted
from registry.credit.tests.conftest import TODAY, dishonour, honour, png
from registry.people.models import Person
from registry.people.snapshot import WRITERS
from registry.standard.record import CreditEntry

pytestmark = pytest.mark.django_db


def dumped(person: Person) -> list[dict[str, Any]]:
    return [e.model_dump() for e in credit_section(person)]


def rows(person: Person) -> list[tuple[Any, ...]]:
    return list(
        CreditRecord.objects.filter(person=person)
        .order_by("id")
        .values_list("kind", "item", "decided_on", "status", "serious", "barred_until", "bar_permanent")
    )


@pytest.fixture
def rich(owned: Any, add: Any, clerk: Any) -> Person:
    """An honour, a 5-year bar (blacklisted), a superseded entry, one corrected after an objection,
    an expired one, and a criminal penalty (permanent blacklist and bar)."""
    person = owned()
    add(person, honour())
    add(person, dishonour(penalty="5", serious=True, effective_on=date(2026, 11, 18)))
    old = add(person, dishonour(item="虚假报销", decided_on=date(2026, 9, 1), public_until=date(2028, 9, 1)))
    services.credit_add(
        actor=clerk,
        person=person,
        data=dishonour(item="虚假报销（复议后）", decided_on=date(2026, 10, 9), penalty="1"),
        evidence_files=[png()],
        supersedes=old,
    )
    objected = add(person, dishonour(item="账目不清", decided_on=date(2026, 8, 3), penalty="2"))
    objection = services.objection_file(
        actor=person.user, record=objected, reason="已整改", evidence_files=[png("gray")]
    )
    services.objection_uphold(
        actor=clerk, objection=objection, reason="改为警告", corrections={"penalty": "1"}
    )
    services.objection_file(  # an open objection as well
        actor=person.user,
        record=add(person, dishonour(item="未按规定保管档案", decided_on=date(2026, 7, 1), penalty="1")),
        reason="非本人",
        evidence_files=[png("blue")],
    )
    expiring = add(
        person, dishonour(item="逾期报送", decided_on=date(2020, 3, 2), public_until=date(2021, 3, 2))
    )
    services.credit_expire_due(today=TODAY)
    assert CreditRecord.objects.get(pk=expiring.pk).status == RecordStatus.EXPIRED
    add(person, dishonour(item="职务侵占", penalty="6", public_until=None, decided_on=date(2024, 4, 8)))
    return person


def test_round_trip_keeps_every_term_and_the_badge_shows(rich: Person, make_person: Any) -> None:
    before = dumped(rich)
    assert sorted(e["status"] for e in before) == [
        "active",
        "active",
        "active",
        "active",
        "active",
        "corrected",
        "expired",
        "superseded",
    ]
    other = make_person("440203")
    replace_from_record(other, credit_section(rich))
    assert dumped(other) == before
    # The derived flags read the stored terms: the same bar and blacklist, today and later.
    for day in (TODAY, date(2032, 1, 1)):
        assert bar_status(other, day) == bar_status(rich, day)
        assert is_blacklisted(other, day) == is_blacklisted(rich, day)
    assert bar_status(other, TODAY).state == "permanent"
    assert credit_flags([other], TODAY)[other.pk].bar.barred
    badge = Template("{% load credit_tags %}{% credit_bar_badge person %}").render(Context({"person": other}))
    assert "终身禁止从事会计工作" in badge and "黑名单" in badge
    qs = Person.objects.filter(pk=other.pk)
    assert all(filter_people(qs, value, TODAY).exists() for value in ("barred", "blacklisted", "honour"))
    # Replica rows: entered by the person's agency here, no documents, one revision each.
    replica = list(CreditRecord.objects.filter(person=other))
    assert {(r.agency_id, r.entered_by_id, r.late, r.revision) for r in replica} == {
        (other.agency_id, None, False, 1)
    }
    assert all(r.evidence == [] and r.superseded_by_id is None for r in replica)
    assert CreditRevision.objects.filter(record__person=other, number=1).count() == len(replica) == 8
    first = CreditRevision.objects.filter(record__person=other).first()
    assert first is not None and first.values["item"] == first.record.item


def test_writing_twice_changes_nothing(rich: Person) -> None:
    sent = credit_section(rich)
    replace_from_record(rich, sent)
    first = rows(rich)
    replace_from_record(rich, sent)
    assert rows(rich) == first and len(first) == 8
    assert dumped(rich) == [e.model_dump() for e in sent]
    assert CreditRevision.objects.filter(record__person=rich).count() == 8
    assert not CreditObjection.objects.filter(person=rich).exists()


def test_an_empty_section_clears_entries_revisions_and_objections(rich: Person) -> None:
    assert CreditObjection.objects.filter(person=rich).count() == 2
    assert CreditRecord.objects.filter(person=rich).exclude(superseded_by=None).exists()
    replace_from_record(rich, [])
    assert not CreditRecord.objects.filter(person=rich).exists()
    assert not CreditRevision.objects.filter(record__person=rich).exists()
    assert not CreditObjection.objects.filter(person=rich).exists()
    assert not bar_status(rich, TODAY).barred and credit_section(rich) == []


def test_other_people_s_entries_are_untouched(rich: Person, owned: Any, add: Any) -> None:
    bystander = owned()
    add(bystander, dishonour())
    before = dumped(bystander)
    replace_from_record(rich, [])
    assert (
        dumped(bystander) == before and CreditRevision.objects.filter(record__person=bystander).count() == 1
    )


def test_the_writer_is_registered() -> None:
    assert WRITERS["credit"] is replace_from_record


def test_queries_do_not_grow_with_the_section(rich: Person, make_person: Any) -> None:
    sent = credit_section(rich)
    person = make_person()
    replace_from_record(person, sent[:1])
    with CaptureQueriesContext(connection) as one:
        replace_from_record(person, sent[:1])
    with CaptureQueriesContext(connection) as eight:
        replace_from_record(person, sent)
    with CaptureQueriesContext(connection) as again:
        replace_from_record(person, sent[:1])  # deleting eight entries costs what deleting one did
    assert len(eight) == len(one) == len(again) <= 10, [q["sql"] for q in eight]


# -- any entries --------------------------------------------------------------------------------

entries = st.builds(
    CreditEntry,
    kind=st.sampled_from(["honour", "dishonour"]),
    item=st.sampled_from(["先进会计工作者", "伪造会计凭证", "x"]),
    level=st.none() | st.sampled_from(["市级", "省级", "国家级"]),
    decided_by=st.sampled_from(["广东省财政厅", "某市人民政府"]),
    decided_on=st.dates(date(2015, 1, 1), date(2026, 11, 20)),
    effective_on=st.none() | st.dates(date(2015, 1, 1), date(2027, 1, 1)),
    document_no=st.none() | st.just("粤财〔2026〕1号"),
    penalty=st.none() | st.sampled_from(["1", "3", "5", "6", "9"]),
    basis=st.none() | st.just("《会计法》第四十一条"),
    criminal=st.booleans(),
    blacklisted=st.booleans(),
    blacklisted_until=st.none() | st.dates(date(2020, 1, 1), date(2035, 1, 1)),
    blacklist_permanent=st.booleans(),
    barred_until=st.none() | st.dates(date(2020, 1, 1), date(2035, 1, 1)),
    bar_permanent=st.booleans(),
    public_until=st.none() | st.dates(date(2020, 1, 1), date(2035, 1, 1)),
    status=st.sampled_from([s.value for s in RecordStatus]),
)


@pytest.fixture
def person(make_person: Any) -> Person:
    return make_person()


def expected(sent: list[CreditEntry]) -> list[dict[str, Any]]:
    out = []
    for e in sorted(sent, key=lambda e: e.decided_on):
        item = e.model_dump()
        item["effective_on"] = e.effective_on or e.decided_on  # the model always holds one
        out.append(item)
    return out


# One person for every example: each write replaces what the previous example left.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(entries, max_size=6))
def test_any_section_reads_back_by_decision_date(person: Person, sent: list[CreditEntry]) -> None:
    replace_from_record(person, sent)
    assert dumped(person) == expected(sent)
    barred = any(
        e.status in ("active", "corrected", "expired")
        and e.decided_on <= TODAY
        and (e.bar_permanent or (e.barred_until is not None and e.barred_until >= TODAY))
        for e in sent
    )
    assert bar_status(person, TODAY).barred is barred
