"""The set-based reader and writer: `read_many` reads what `credit_section` reads person by person,
and `write_many` does what `replace_from_record` does person by person (entries, revisions and
objections), in a number of queries that does not grow with the list."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry.credit import services
from registry.credit.hooks import credit_section
from registry.credit.models import CreditObjection, CreditRecord, CreditRevision, RecordStatus
from registry.credit.replica import replace_from_record
from registry.credit.replica_many import read_many, write_many
from registry.credit.tests.conftest import TODAY, dishonour, honour, png
from registry.people.models import Person
from registry.people.snapshot import READ_MANY, WRITE_MANY
from registry.standard.record import CreditEntry

pytestmark = pytest.mark.django_db


def dumped(persons: list[Person]) -> dict[int, list[dict[str, Any]]]:
    return {p.pk: [e.model_dump() for e in credit_section(p)] for p in persons}


def rows(person: Person) -> list[tuple[Any, ...]]:
    """The person's entries with what the writer derives (agency, deadline, revision 1's content)."""
    return [
        (
            r.kind,
            r.item,
            r.decided_on,
            r.effective_on,
            r.status,
            r.serious,
            r.barred_until,
            r.agency_id,
            r.entry_deadline,
            r.revision,
            r.superseded_by_id,
            [(v.number, v.values, v.reason) for v in r.revisions.order_by("number")],
        )
        for r in CreditRecord.objects.filter(person=person).order_by("id")
    ]


def sequential(
    items: list[tuple[Person, list[CreditEntry]]], everyone: list[Person]
) -> tuple[dict[int, list[tuple[Any, ...]]], dict[int, Any]]:
    """The single writer for each item in order, undone afterwards: rows and sections."""
    sid = transaction.savepoint()
    for person, sent in items:
        replace_from_record(person, sent)
    result = {p.pk: rows(p) for p in everyone}, dumped(everyone)
    transaction.savepoint_rollback(sid)
    return result


def random_section(rng: random.Random) -> list[CreditEntry]:
    out = []
    for _ in range(rng.randint(0, 3)):
        decided = date(2020, 1, 1) + timedelta(days=rng.randint(0, 2000))
        bad = rng.random() < 0.6
        out.append(
            CreditEntry.model_validate(
                {
                    **(dishonour() if bad else honour()),
                    "decided_on": decided,
                    "effective_on": rng.choice([None, decided + timedelta(days=3)]),
                    "status": rng.choice([s.value for s in RecordStatus]),
                    **(
                        {"penalty": "5", "blacklisted": True, "barred_until": decided.replace(year=2031)}
                        if bad
                        else {}
                    ),
                }
            )
        )
    return sorted(out, key=lambda e: e.decided_on)


@pytest.fixture
def people(make_person: Any) -> list[Person]:
    """30 people with random entries (some with none), written by the writer."""
    rng = random.Random(2)
    out = []
    for n in range(30):
        person = make_person(("440106", "440104", "440203")[n % 3])
        replace_from_record(person, random_section(rng))
        out.append(person)
    return out


@pytest.fixture
def rich(owned: Any, add: Any, clerk: Any) -> Person:
    """Entries by the services: an honour, a superseded entry, one corrected after an objection, an
    open objection, an expired one."""
    person = owned()
    add(person, honour())
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
    services.objection_file(
        actor=person.user,
        record=add(person, dishonour(item="未按规定保管档案", decided_on=date(2026, 7, 1), penalty="1")),
        reason="非本人",
        evidence_files=[png("blue")],
    )
    add(person, dishonour(item="逾期报送", decided_on=date(2020, 3, 2), public_until=date(2021, 3, 2)))
    services.credit_expire_due(today=TODAY)
    return person


def test_the_set_based_forms_are_registered() -> None:
    assert READ_MANY["credit"] == (credit_section, read_many)
    assert WRITE_MANY["credit"][1] is write_many


def test_read_many_equals_the_reader_of_each(people: list[Person], rich: Person) -> None:
    everyone = [rich, *people]
    assert {e.status for e in credit_section(rich)} >= {"active", "corrected", "expired", "superseded"}
    assert any(not credit_section(p) for p in people) and any(len(credit_section(p)) > 1 for p in people)
    got = read_many(everyone)
    assert list(got) == [p.pk for p in everyone]
    assert {pk: [e.model_dump() for e in s] for pk, s in got.items()} == dumped(everyone)
    assert got == {p.pk: credit_section(p) for p in everyone}
    assert read_many([]) == {}


def test_read_many_queries_do_not_grow(people: list[Person]) -> None:
    with CaptureQueriesContext(connection) as one:
        read_many(people[:1])
    with CaptureQueriesContext(connection) as thirty:
        read_many(people)
    assert len(thirty) == len(one) == 1


def test_write_many_equals_the_writer_of_each(
    people: list[Person], rich: Person, owned: Any, add: Any
) -> None:
    bystander = owned()
    add(bystander, dishonour())
    before = rows(bystander)
    rng = random.Random(8)
    everyone = [rich, *people]
    items = [(p, random_section(rng)) for p in everyone]
    items[5] = (items[5][0], credit_section(rich))
    items[0] = (rich, [])  # an empty section clears entries, revisions and objections
    expected_rows, expected = sequential(items, everyone)
    assert write_many(items) == {}
    assert dumped(everyone) == expected
    assert {p.pk: rows(p) for p in everyone} == expected_rows
    assert not CreditRecord.objects.filter(person=rich).exists()
    assert not CreditObjection.objects.filter(person=rich).exists()
    assert rows(bystander) == before


def test_write_many_over_the_services_entries(people: list[Person], rich: Person) -> None:
    """A person with objections, revisions and a superseded link replaced with another's entries."""
    sent = credit_section(people[1]) or random_section(random.Random(1))
    items = [(rich, sent), (people[0], credit_section(rich))]
    expected_rows, expected = sequential(items, [rich, people[0]])
    assert write_many(items) == {}
    assert {p.pk: rows(p) for p in (rich, people[0])} == expected_rows
    assert dumped([rich, people[0]]) == expected
    assert CreditRevision.objects.filter(record__person=people[0], number=1).count() == len(
        expected[people[0].pk]
    )


def test_write_many_queries_do_not_grow(people: list[Person], rich: Person) -> None:
    sent = [CreditEntry.model_validate(honour())]
    # One row a person: SQLite splits an insert of more than 999 values (PostgreSQL does not).
    with CaptureQueriesContext(connection) as objections:
        write_many([(people[0], sent), (rich, sent)])  # rich: revisions, objections, a superseded link
    write_many([(p, sent) for p in people])
    with CaptureQueriesContext(connection) as one:
        write_many([(people[0], sent)])
    with CaptureQueriesContext(connection) as thirty:
        write_many([(p, sent) for p in people])
    assert len(thirty) == len(one) <= len(objections) <= 12, [q["sql"] for q in objections]
