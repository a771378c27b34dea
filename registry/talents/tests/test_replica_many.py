"""The set-based reader and writer: `read_many` reads what `section` reads person by person, and
`write_many` does what `replace_from_record` does person by person in order (refusals included,
conflicts between persons of one call too), in a number of queries that does not grow with the list."""

from __future__ import annotations

import contextlib
import random
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
from registry.standard import record as std
from registry.standard.errors import FieldError
from registry.talents.models import Programme, Talent
from registry.talents.programmes import programme_add
from registry.talents.replica import replace_from_record
from registry.talents.replica_many import read_many, write_many
from registry.talents.selectors import section
from registry.talents.services import talent_add, talent_update_status

from .conftest import entry

pytestmark = pytest.mark.django_db

LEVELS = {f"N0{n}": "national" for n in range(1, 8)} | {"P01": "provincial", "P02": "provincial"}


def talent(programme: str, year: int, number: str | None = None, status: str = "1") -> std.Talent:
    return std.Talent.model_validate(
        {
            "programme": programme,
            "level": LEVELS[programme],
            "cohort_year": year,
            "status": status,
            "certificate_no": number,
        }
    )


def dumped(persons: list[Person]) -> dict[int, list[dict[str, Any]]]:
    return {p.pk: [t.model_dump() for t in section(p)] for p in persons}


def rows(person: Person) -> list[tuple[Any, ...]]:
    return list(
        Talent.objects.filter(person=person)
        .order_by("id")
        .values_list("programme__code", "cohort_year", "cohort", "status", "certificate_no", "created_by_id")
    )


def sequential(
    items: list[tuple[Person, list[std.Talent]]], everyone: list[Person]
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


def random_section(rng: random.Random, n: int) -> list[std.Talent]:
    picked = rng.sample(sorted(LEVELS), rng.randint(0, 3))
    out = [
        talent(code, rng.choice([2016, 2018, 2020]), rng.choice([None, f"T{n}-{k}"]), rng.choice("123"))
        for k, code in enumerate(picked)
    ]
    return sorted(out, key=lambda t: t.cohort_year)  # equal years: ties by id


@pytest.fixture
def people(make_person: Any) -> list[Person]:
    """30 people with random selections (some with none), written by the writer."""
    rng = random.Random(5)
    out = []
    for n in range(30):
        person = make_person(("440106", "440104", "440203")[n % 3])
        replace_from_record(person, random_section(rng, n))
        out.append(person)
    return out


@pytest.fixture
def rich(make_person: Any, make_user: Any) -> Person:
    """Selections by the services: one in the province's own programme, ended ones too."""
    person = make_person()
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    own = programme_add(actor=admin, name="广东省会计领军人才（企业类）", standard_code="P01")
    talent_add(actor=admin, person=person, data=entry(certificate_no="LJ-2020-01"))
    ended = talent_add(actor=admin, person=person, data=entry(programme="N05", cohort_year=2016, cohort=""))
    talent_update_status(actor=admin, uid=ended.uid, status="2")
    talent_add(
        actor=admin, person=person, data=entry(programme=own.code, cohort_year=2022, certificate_no="GD-7")
    )
    return person


def test_the_set_based_forms_are_registered() -> None:
    assert READ_MANY["talents"] == (section, read_many)
    assert WRITE_MANY["talents"][1] is write_many


def test_read_many_equals_the_reader_of_each(people: list[Person], rich: Person) -> None:
    everyone = [rich, *people]
    assert [t.programme for t in section(rich)] == ["N05", "N01", "P01"]
    assert any(not section(p) for p in people) and any(len(section(p)) > 1 for p in people)
    got = read_many(everyone)
    assert list(got) == [p.pk for p in everyone]
    assert {pk: [t.model_dump() for t in s] for pk, s in got.items()} == dumped(everyone)
    assert got == {p.pk: section(p) for p in everyone}
    assert read_many([]) == {}


def test_read_many_queries_do_not_grow(people: list[Person]) -> None:
    with CaptureQueriesContext(connection) as one:
        read_many(people[:1])
    with CaptureQueriesContext(connection) as thirty:
        read_many(people)
    assert len(thirty) == len(one) == 1


def test_write_many_equals_the_writer_of_each(people: list[Person], rich: Person) -> None:
    rng = random.Random(9)
    everyone = [rich, *people]
    items = [(p, random_section(rng, 100 + n)) for n, p in enumerate(everyone)]
    items[0] = (rich, section(rich))  # the own programme's selection goes to this node's P01
    refused, expected_rows, expected = sequential(items, everyone)
    assert refused == {}
    assert write_many(items) == {}
    assert dumped(everyone) == expected
    assert {p.pk: rows(p) for p in everyone} == expected_rows
    assert rows(rich)[-1][0] == "P01"


def test_a_missing_programme_is_seeded_once(people: list[Person]) -> None:
    Talent.objects.filter(programme__code__in=["N06", "N07"]).delete()
    Programme.objects.filter(code__in=["N06", "N07"]).delete()
    items = [(p, [talent(("N06", "N07")[i % 2], 2021)]) for i, p in enumerate(people[:4])]
    assert write_many(items) == {}
    assert [section(p)[0].programme for p in people[:4]] == ["N06", "N07", "N06", "N07"]
    assert Programme.objects.get(code="N07").standard_code == "N07"


def test_refused_persons_are_untouched_and_the_others_written(people: list[Person], make_person: Any) -> None:
    bystander = make_person()
    replace_from_record(bystander, [talent("N01", 2019, "HELD")])
    a, b, c, d = people[:4]
    before = {p.pk: rows(p) for p in (b, c, d)}
    items = [
        (a, [talent("N02", 2019, "HELD")]),  # another programme: may share the number
        (b, [talent("N01", 2020, "HELD")]),  # the bystander holds it under N01
        (c, [talent("P01", 2021, "A"), talent("P01", 2021, "B")]),  # one programme and year twice
        (d, [talent("N01", 2018), talent("N03", 2018, "X"), talent("N03", 2019, "X")]),
    ]
    refused = write_many(items)
    assert {pk: [(e.code, e.field) for e in err.errors] for pk, err in refused.items()} == {
        b.pk: [("talent.duplicate_certificate", "talents.0.certificate_no")],
        c.pk: [("talent.duplicate", "talents.1.programme")],
        d.pk: [("talent.duplicate_certificate", "talents.2.certificate_no")],
    }
    assert {p.pk: rows(p) for p in (b, c, d)} == before
    assert [(t.programme, t.certificate_no) for t in section(a)] == [("N02", "HELD")]
    for person, sent in items:  # the single writer refuses the same, with the same errors
        if person.pk in refused:
            with pytest.raises(DomainError) as exc:
                replace_from_record(person, sent)
            assert exc.value.errors == refused[person.pk].errors


def test_an_unknown_programme_is_refused(people: list[Person]) -> None:
    unknown = talent("N01", 2020).model_copy(update={"programme": "N99"})
    refused = write_many([(people[0], [unknown]), (people[1], [talent("N01", 2020)])])
    assert [(e.code, e.field) for e in refused[people[0].pk].errors] == [
        ("talent.programme_unknown", "talents.0.programme")
    ]
    assert [t.programme for t in section(people[1])] == ["N01"]


def test_conflicts_between_persons_of_one_call(people: list[Person]) -> None:
    """Played in order: the first claimant is written, a later one refused; a person who gives a
    number up frees it for the persons after them (not before)."""
    a, b, c, d, e = people[:5]
    replace_from_record(c, [talent("N02", 2015, "OLD")])
    items = [
        (a, [talent("N01", 2020, "NEW")]),
        (b, [talent("N01", 2021, "NEW")]),  # claimed by a just before
        (d, [talent("N02", 2016, "OLD")]),  # c still holds it: c comes later
        (c, []),  # c gives it up ...
        (e, [talent("N02", 2017, "OLD")]),  # ... so e may take it
    ]
    refused = write_many(items)
    assert set(refused) == {b.pk, d.pk}
    assert [[t.certificate_no for t in section(p)] for p in (a, c, e)] == [["NEW"], [], ["OLD"]]


def test_write_many_queries_do_not_grow(people: list[Person]) -> None:
    def items(persons: list[Person]) -> list[tuple[Person, list[std.Talent]]]:
        # One row a person: SQLite splits an insert of more than 999 values (PostgreSQL does not).
        return [(p, [talent(("N01", "P02")[i % 2], 2020, f"C-{p.pk}")]) for i, p in enumerate(persons)]

    write_many(items(people[:1]))
    with CaptureQueriesContext(connection) as one:
        write_many(items(people[:1]))
    with CaptureQueriesContext(connection) as thirty:
        write_many(items(people))
    assert len(thirty) == len(one) <= 4, [q["sql"] for q in thirty]


# -- any sections, any conflicts ----------------------------------------------------------------

talents = st.builds(
    talent,
    programme=st.sampled_from(["N01", "N02", "P01"]),
    year=st.integers(2019, 2021),
    number=st.sampled_from([None, "A", "B", "C"]),
    status=st.sampled_from(["1", "2", "3"]),
)


@pytest.fixture
def five(make_person: Any) -> list[Person]:
    return [make_person() for _ in range(5)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    held=st.lists(st.lists(talents, max_size=2), min_size=5, max_size=5),
    sent=st.lists(st.lists(talents, max_size=3), min_size=5, max_size=5),
    order=st.permutations(range(5)),
)
def test_any_call_does_what_the_writer_does_in_order(
    five: list[Person], held: list[list[std.Talent]], sent: list[list[std.Talent]], order: list[int]
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
