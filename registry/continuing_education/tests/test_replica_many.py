"""The set-based reader and writer: `read_many` reads what `hooks.section` reads person by person
(years, requirement, totals, compliance, entries), and `write_many` does what `replace_from_record`
does person by person, in a number of queries that does not grow with the list."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.accounts.roles import Role
from registry.continuing_education import services
from registry.continuing_education.hooks import section
from registry.continuing_education.models import Entry, EntryStatus, Route
from registry.continuing_education.replica import replace_from_record
from registry.continuing_education.replica_many import read_many, write_many
from registry.continuing_education.tests.conftest import entry, png
from registry.continuing_education.tests.test_replica import as_section, entries
from registry.core.errors import DomainError
from registry.people.models import Person
from registry.people.snapshot import READ_MANY, WRITE_MANY
from registry.standard import record as std
from registry.standard.errors import FieldError

pytestmark = pytest.mark.django_db


def dumped(persons: list[Person]) -> dict[int, list[dict[str, Any]]]:
    return {p.pk: [y.model_dump() for y in section(p)] for p in persons}


def rows(person: Person) -> list[tuple[Any, ...]]:
    return list(
        Entry.objects.filter(person=person)
        .order_by("id")
        .values_list("year", "held_on", "form", "subject", "credits", "provider", "route", "status")
    )


def sequential(
    items: list[tuple[Person, list[std.ContinuingEducationYear]]], everyone: list[Person]
) -> tuple[dict[int, tuple[FieldError, ...]], dict[int, list[tuple[Any, ...]]], dict[int, Any]]:
    """The single writer for each item in order, undone afterwards: refusals, rows and sections."""
    sid = transaction.savepoint()
    refused = {}
    for person, sent in items:
        try:
            replace_from_record(person, sent)
        except DomainError as exc:
            refused[person.pk] = exc.errors
    result = refused, {p.pk: rows(p) for p in everyone}, dumped(everyone)
    transaction.savepoint_rollback(sid)
    return result


def random_ledger(rng: random.Random, n: int) -> list[std.ContinuingEducationYear]:
    items = {}
    for k in range(rng.randint(0, 6)):
        held_on = date(rng.choice([2019, 2023, 2024, 2025]), rng.randint(1, 12), 1)
        credits = rng.choice([10, 30, 60, 90, 0.5, 12.3])
        made = std.ContinuingEducationEntry(
            year=held_on.year,
            held_on=held_on,
            form=rng.choice("1279"),
            subject=rng.choice("12"),
            credits=credits,
            provider=rng.choice([None, f"P{n}", f"Q{k}"]),
            route=rng.choice(["agency", "batch", "self"]),
        )
        items[(made.held_on, made.form, made.subject, made.credits, made.provider)] = made
    return as_section(list(items.values()))


def qualified(person: Person, on: date, status: str = "approved") -> None:
    apps.get_model("qualifications", "Qualification").objects.create(
        person=person,
        level="1",
        title="助理会计师",
        route="2",
        obtained_on=on,
        certificate_no=f"PS-{person.pk}-{on}",
        source="agency",
        status=status,
    )


@pytest.fixture
def people(accountant: Any, make_person: Any) -> list[Person]:
    """30 people whose required years differ (accounting since 2020, since 2025, ended, none; an
    approved qualification, a pending one) with random ledgers, written by the writer."""
    rng = random.Random(3)
    out = []
    for n in range(30):
        kind = n % 6
        if kind == 0:
            person = accountant()
        elif kind == 1:
            person = accountant("440104", since=date(2025, 3, 1))
        elif kind == 2:
            person = accountant("440203", since=date(2015, 3, 1), until=date(2024, 6, 30))
        else:
            work = [{"start_date": date(2010, 1, 1), "unit_name": "某商贸公司", "is_accounting": False}]
            person = make_person(work=work)
        if kind == 3:
            qualified(person, date(2023, 5, 1))
        if kind == 4:
            qualified(person, date(2019, 5, 1), status="pending")
        replace_from_record(person, random_ledger(rng, n))
        out.append(person)
    return out


@pytest.fixture
def rich(accountant: Any, make_user: Any, with_login: Any, today: Any) -> Person:
    """A ledger from every route and status; a pending entry alone in an old required year."""
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    person = accountant()
    services.ce_register(actor=staff, person=person, data=entry(days="6"))
    services.ce_register(actor=staff, person=person, data=entry(days="1", held_on="2025-05-06"))
    user = with_login(person)
    approved = services.ce_self_report(
        actor=user, data=entry(form="7", days=None, role="first", title="论内部控制"), proof_files=[png()]
    )
    services.ce_approve(actor=staff, uid=approved.uid)
    services.ce_self_report(
        actor=user, data=entry(held_on="2025-07-01", form="8", days=None, role="other"), proof_files=[png()]
    )
    returned = services.ce_self_report(
        actor=user, data=entry(held_on="2025-08-01", form="6", days=None, role="other"), proof_files=[png()]
    )
    services.ce_return(actor=staff, uid=returned.uid, reason="证明不清晰")
    Entry.objects.create(
        person=person,
        year=2021,
        held_on=date(2021, 5, 1),
        form="1",
        subject="1",
        credits=Decimal(10),
        route=Route.SELF,
        status=EntryStatus.PENDING,
    )
    return person


def test_the_set_based_forms_are_registered() -> None:
    assert READ_MANY["continuing_education"] == (section, read_many)
    assert WRITE_MANY["continuing_education"][1] is write_many


def test_read_many_equals_the_reader_of_each(people: list[Person], rich: Person) -> None:
    everyone = [rich, *people]
    years = {y.year: y for y in section(rich)}
    assert years[2021].entries == [] and years[2021].required  # only a pending entry: shown, empty
    assert len({tuple((y.year, y.required) for y in section(p)) for p in people}) > 5
    got = read_many(everyone)
    assert list(got) == [p.pk for p in everyone]
    assert {pk: [y.model_dump() for y in s] for pk, s in got.items()} == dumped(everyone)
    assert got == {p.pk: section(p) for p in everyone}
    assert read_many([]) == {}


def test_read_many_follows_the_clock(people: list[Person], today: Any) -> None:
    today(date(2029, 1, 5))
    assert read_many(people) == {p.pk: section(p) for p in people}


def test_read_many_queries_do_not_grow(people: list[Person]) -> None:
    with CaptureQueriesContext(connection) as one:
        read_many(people[:1])
    with CaptureQueriesContext(connection) as thirty:
        read_many(people)
    assert len(thirty) == len(one) == 3


def test_write_many_equals_the_writer_of_each(people: list[Person], rich: Person) -> None:
    rng = random.Random(4)
    everyone = [rich, *people]
    items = [(p, random_ledger(rng, 50 + n)) for n, p in enumerate(everyone)]
    items[1] = (items[1][0], section(rich))
    refused, expected_rows, expected = sequential(items, everyone)
    assert refused == {}
    assert write_many(items) == {}
    assert dumped(everyone) == expected
    assert {p.pk: rows(p) for p in everyone} == expected_rows
    assert not Entry.objects.filter(person=rich).exclude(status=EntryStatus.APPROVED).exists()
    selves = Entry.objects.filter(person__in=everyone, route=Route.SELF)
    assert selves.exists() and not selves.filter(decided_at=None).exists()


def test_refused_persons_are_untouched_and_the_others_written(people: list[Person]) -> None:
    a, b, c = people[:3]
    before = rows(b)
    one = std.ContinuingEducationEntry(
        year=2025, held_on=date(2025, 3, 1), form="1", subject="1", credits=10, provider="X", route="agency"
    )
    doubled = [y.model_copy(update={"entries": [one, one]}) for y in as_section([one])]
    refused = write_many([(a, as_section([one])), (b, doubled), (c, [])])
    assert {pk: [(e.code, e.field) for e in err.errors] for pk, err in refused.items()} == {
        b.pk: [("ce.duplicate", "continuing_education.0.entries.1")]
    }
    assert rows(b) == before
    assert [e.provider for y in section(a) for e in y.entries] == ["X"]
    assert not Entry.objects.filter(person=c).exists()
    with pytest.raises(DomainError) as exc:
        replace_from_record(b, doubled)
    assert exc.value.errors == refused[b.pk].errors


def test_one_activity_for_two_persons_is_fine(people: list[Person]) -> None:
    """The ledger's key includes the person: the same activity is two persons' own entries."""
    same = as_section(
        [
            std.ContinuingEducationEntry(
                year=2025,
                held_on=date(2025, 3, 1),
                form="1",
                subject="1",
                credits=10,
                provider=None,
                route="agency",
            )
        ]
    )
    assert write_many([(people[0], same), (people[1], same)]) == {}
    assert rows(people[0]) == rows(people[1])


def test_write_many_queries_do_not_grow(people: list[Person]) -> None:
    one_entry = as_section(
        [
            std.ContinuingEducationEntry(
                year=2025,
                held_on=date(2025, 3, 1),
                form="1",
                subject="1",
                credits=10,
                provider=None,
                route="self",
            )
        ]
    )
    # One row a person: SQLite splits an insert of more than 999 values (PostgreSQL does not).
    write_many([(people[0], one_entry)])
    with CaptureQueriesContext(connection) as one:
        write_many([(people[0], one_entry)])
    with CaptureQueriesContext(connection) as thirty:
        write_many([(p, one_entry) for p in people])
    assert len(thirty) == len(one) == 2, [q["sql"] for q in thirty]


# -- any ledgers --------------------------------------------------------------------------------


@pytest.fixture
def four(accountant: Any) -> list[Person]:
    return [accountant(), accountant(since=date(2024, 2, 1)), accountant(), accountant()]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(st.lists(entries, max_size=5), min_size=4, max_size=4))
def test_any_call_does_what_the_writer_does(four: list[Person], sent: list[list[Any]]) -> None:
    """Sections with repeated activities too (refused), in any mix."""
    sid = transaction.savepoint()
    items = [
        (p, as_section(s + s[:1] if n == 2 else s)) for n, (p, s) in enumerate(zip(four, sent, strict=True))
    ]
    refused, expected_rows, expected = sequential(items, four)
    got = write_many(items)
    assert {pk: err.errors for pk, err in got.items()} == refused
    assert {p.pk: rows(p) for p in four} == expected_rows
    assert dumped(four) == expected
    assert read_many(four) == {p.pk: section(p) for p in four}
    transaction.savepoint_rollback(sid)
