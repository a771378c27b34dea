"""The set-based reader and writer: `read_many` reads what `section` reads person by person, and
`write_many` does what `replace_from_record` does person by person in order (refusals included,
conflicts between persons of one call too), in a number of queries that does not grow with the list."""

from __future__ import annotations

import contextlib
import random
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.accounts.roles import Role
from registry.core.errors import DomainError
from registry.people.models import Person
from registry.people.snapshot import READ_MANY, WRITE_MANY
from registry.qualifications.models import Qualification
from registry.qualifications.replica import replace_from_record
from registry.qualifications.replica_many import read_many, write_many
from registry.qualifications.selectors import section
from registry.qualifications.services import qualification_add, qualification_approve, qualification_return
from registry.standard import record as std
from registry.standard.errors import FieldError

from .conftest import entry, png

pytestmark = pytest.mark.django_db

TITLES = {"1": "助理会计师", "2": "会计师", "3": "高级会计师", "4": "正高级会计师"}


def item(
    number: str | None, route: str = "1", level: str = "2", on: date = date(2018, 9, 1)
) -> std.Qualification:
    return std.Qualification.model_validate(
        {"level": level, "title": TITLES[level], "route": route, "obtained_on": on, "certificate_no": number}
    )


def dumped(persons: list[Person]) -> dict[int, list[dict[str, Any]]]:
    return {p.pk: [q.model_dump() for q in section(p)] for p in persons}


def rows(person: Person) -> list[tuple[Any, ...]]:
    return list(
        Qualification.objects.filter(person=person)
        .order_by("id")
        .values_list("level", "title", "route", "obtained_on", "certificate_no", "issuer", "status", "source")
    )


def sequential(
    items: list[tuple[Person, list[std.Qualification]]], everyone: list[Person]
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


def random_section(rng: random.Random, n: int) -> list[std.Qualification]:
    out = []
    for k in range(rng.randint(0, 4)):
        route = rng.choice("1234")
        numberless = k == 0 and route != "1" and rng.random() < 0.5
        out.append(
            item(
                None if numberless else rng.choice([f"N{n}-{k}", f"S{n}-{k}"]),
                route=route,
                level=rng.choice("1234"),
                on=date(2010 + rng.randint(0, 3), rng.randint(1, 12), 1),  # equal dates: ties by id
            )
        )
    return sorted(out, key=lambda q: q.obtained_on)


@pytest.fixture
def people(make_person: Any) -> list[Person]:
    """30 people with random approved qualifications (some with none), written by the writer."""
    rng = random.Random(7)
    out = []
    for n in range(30):
        person = make_person(("440106", "440104", "440203")[n % 3])
        replace_from_record(person, random_section(rng, n))
        out.append(person)
    return out


@pytest.fixture
def rich(accountant: Any, make_user: Any) -> Person:
    """Approved by agency entry and by review, plus a pending and a returned self-report."""
    user, person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    qualification_add(actor=staff, person=person, data=entry(certificate_no="R-1"))
    approved = qualification_add(
        actor=user,
        person=person,
        data=entry(level="3", title="高级会计师", route="4", certificate_no="R-2"),
        proof_files=[png()],
    )
    qualification_approve(actor=staff, uid=approved.uid)
    qualification_add(
        actor=user,
        person=person,
        data=entry(level="4", title="正高级会计师", route="2", certificate_no="R-3"),
        proof_files=[png()],
    )
    returned = qualification_add(
        actor=user,
        person=person,
        data=entry(level="4", title="正高级会计师", route="2", certificate_no="R-4"),
        proof_files=[png()],
    )
    qualification_return(actor=staff, uid=returned.uid, reason="证书不清晰")
    return person


def test_the_set_based_forms_are_registered() -> None:
    assert READ_MANY["qualifications"] == (section, read_many)
    assert WRITE_MANY["qualifications"][1] is write_many


def test_read_many_equals_the_reader_of_each(people: list[Person], rich: Person) -> None:
    everyone = [rich, *people]
    assert len(section(rich)) == 2 and Qualification.objects.filter(person=rich).count() == 4
    assert any(not section(p) for p in people) and any(len(section(p)) > 2 for p in people)
    got = read_many(everyone)
    assert list(got) == [p.pk for p in everyone]
    assert {pk: [q.model_dump() for q in s] for pk, s in got.items()} == dumped(everyone)
    assert got == {p.pk: section(p) for p in everyone}
    assert read_many([]) == {}


def test_read_many_queries_do_not_grow(people: list[Person]) -> None:
    with CaptureQueriesContext(connection) as one:
        read_many(people[:1])
    with CaptureQueriesContext(connection) as thirty:
        read_many(people)
    assert len(thirty) == len(one) == 1


def test_write_many_equals_the_writer_of_each(people: list[Person], rich: Person, make_person: Any) -> None:
    """Every person's rows replaced (the rich one's pending and returned self-reports too)."""
    rng = random.Random(11)
    everyone = [rich, *people]
    items = [(p, random_section(rng, 100 + n)) for n, p in enumerate(everyone)]
    items[3] = (items[3][0], [])  # an empty section clears
    refused, expected_rows, expected = sequential(items, everyone)
    assert refused == {}
    assert write_many(items) == {}
    assert dumped(everyone) == expected
    assert {p.pk: rows(p) for p in everyone} == expected_rows
    assert rows(rich) == [] or all(r[6] == "approved" for r in rows(rich))
    assert not Qualification.objects.filter(person=everyone[3]).exists()


def test_refused_persons_are_untouched_and_the_others_written(people: list[Person], make_person: Any) -> None:
    bystander = make_person()
    replace_from_record(bystander, [item("HELD")])
    a, b, c, d = people[:4]
    before = {p.pk: rows(p) for p in (b, d)}
    items = [
        (a, [item("A-1")]),
        (b, [item("A-2"), item("HELD", level="3")]),  # another person holds the exam number
        (c, [item("C-1", route="2"), item("HELD", route="2")]),  # not an exam: may share
        (d, [item(None), item(None, level="3")]),  # no number twice for one person
    ]
    refused = write_many(items)
    assert {pk: [(e.code, e.field) for e in err.errors] for pk, err in refused.items()} == {
        b.pk: [("qualification.duplicate", "qualifications.1.certificate_no")],
        d.pk: [("qualification.duplicate", "qualifications.1.certificate_no")],
    }
    assert "其他人员" in refused[b.pk].errors[0].message and bystander.name not in str(refused[b.pk])
    assert {p.pk: rows(p) for p in (b, d)} == before
    assert [q.certificate_no for q in section(a)] == ["A-1"]
    assert [q.certificate_no for q in section(c)] == ["C-1", "HELD"]
    # The single writer refuses the same, with the same errors.
    for person, sent in items:
        if person.pk in refused:
            with pytest.raises(DomainError) as exc:
                replace_from_record(person, sent)
            assert exc.value.errors == refused[person.pk].errors


def test_conflicts_between_persons_of_one_call(people: list[Person]) -> None:
    """Played in order: the first claimant of a number is written, a later one refused; a person
    who gives a number up frees it for the persons after them (not before)."""
    a, b, c, d, e = people[:5]
    replace_from_record(c, [item("OLD")])
    items = [
        (a, [item("NEW")]),
        (b, [item("NEW", level="3")]),  # claimed by a just before
        (d, [item("OLD")]),  # c still holds it: c comes later
        (c, [item("KEPT")]),  # c gives OLD up ...
        (e, [item("OLD", level="4")]),  # ... so e may take it
    ]
    refused = write_many(items)
    assert set(refused) == {b.pk, d.pk}
    assert [[q.certificate_no for q in section(p)] for p in (a, c, e)] == [["NEW"], ["KEPT"], ["OLD"]]


def test_numberless_exam_qualifications_of_two_persons_are_refused_not_crashed(people: list[Person]) -> None:
    """The table holds one live exam qualification without a number (stored as "") nationally: the
    second person's is refused like a held number, by both writers, instead of failing the insert."""
    a, b, c = people[:3]
    refused = write_many([(a, [item(None)]), (b, [item(None, level="3")]), (c, [item(None, route="2")])])
    assert list(refused) == [b.pk]
    assert [(e.code, e.field) for e in refused[b.pk].errors] == [
        ("qualification.duplicate", "qualifications.0.certificate_no")
    ]
    assert "缺少证书编号" in refused[b.pk].errors[0].message
    with pytest.raises(DomainError) as exc:
        replace_from_record(b, [item(None, level="3")])
    assert exc.value.errors == refused[b.pk].errors
    assert [q.certificate_no for q in section(a)] == [None] and [q.route for q in section(c)] == ["2"]


def test_write_many_queries_do_not_grow(people: list[Person]) -> None:
    def items(persons: list[Person]) -> list[tuple[Person, list[std.Qualification]]]:
        # One row a person: SQLite splits an insert of more than 999 values (PostgreSQL does not).
        return [(p, [item(f"Q-{p.pk}", route="12"[i % 2])]) for i, p in enumerate(persons)]

    write_many(items(people[:1]))
    with CaptureQueriesContext(connection) as one:
        write_many(items(people[:1]))
    with CaptureQueriesContext(connection) as thirty:
        write_many(items(people))
    assert len(thirty) == len(one) <= 3, [q["sql"] for q in thirty]


# -- any sections, any conflicts ----------------------------------------------------------------

qualifications = st.builds(
    item,
    number=st.sampled_from([None, "A", "B", "C", "D"]),
    route=st.sampled_from(["1", "1", "2"]),
    level=st.sampled_from(sorted(TITLES)),
    on=st.dates(date(2015, 1, 1), date(2015, 1, 3)),
)


@pytest.fixture
def five(make_person: Any) -> list[Person]:
    return [make_person() for _ in range(5)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    held=st.lists(st.lists(qualifications, max_size=2), min_size=5, max_size=5),
    sent=st.lists(st.lists(qualifications, max_size=3), min_size=5, max_size=5),
    order=st.permutations(range(5)),
)
def test_any_call_does_what_the_writer_does_in_order(
    five: list[Person],
    held: list[list[std.Qualification]],
    sent: list[list[std.Qualification]],
    order: list[int],
) -> None:
    sid = transaction.savepoint()
    for person, rows_held in zip(five, held, strict=True):  # what they hold before (when it fits)
        with contextlib.suppress(DomainError):
            replace_from_record(person, rows_held)
    items = [(five[i], sent[i]) for i in order]
    refused, expected_rows, expected = sequential(items, five)
    got = write_many(items)
    assert {pk: err.errors for pk, err in got.items()} == refused
    assert {p.pk: rows(p) for p in five} == expected_rows
    assert dumped(five) == expected
    transaction.savepoint_rollback(sid)
