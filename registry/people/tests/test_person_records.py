"""The set-based forms of the snapshot: `person_records` reads what `person_record` reads, person by
person, in a number of queries that does not grow with the list; `replace_many` writes what
`replace_history` + `replace_sections` write, and of a person a module refuses it writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry.core.errors import DomainError
from registry.people import snapshot
from registry.people.models import Education, Person, Work
from registry.people.snapshot import (
    READ_MANY,
    SECTIONS,
    WRITE_MANY,
    WRITERS,
    apply_record,
    person_record,
    person_records,
    register_section,
    replace_history,
    replace_many,
    replace_sections,
)
from registry.people.tests.test_replace_sections import EMPTY, MODULES, comparable, with_sections
from registry.people.tests.test_replace_sections import SECTIONS as RICH
from registry.standard import record as std
from registry.standard.errors import FieldError

pytestmark = pytest.mark.django_db

COUNTIES = ("440106", "440104", "440203")


def varied(i: int) -> dict[str, Any]:
    """Module sections of the i-th person: none, all of them, or some; numbers of their own."""

    def numbered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {**q, "certificate_no": f"{q['certificate_no']}-{i}"} if q.get("certificate_no") else q
            for q in items
        ]

    full = {
        **RICH,
        "qualifications": numbered(RICH["qualifications"]),
        "talents": numbered(RICH["talents"]),
    }
    return [
        EMPTY,
        full,
        {**EMPTY, "qualifications": full["qualifications"][1:], "extensions": {"member_no": f"GD-{i}"}},
        {
            **EMPTY,
            "credit": RICH["credit"][1:],
            "talents": full["talents"][:1],
            "continuing_education": RICH["continuing_education"],
        },
    ][i % 4]


def write(person: Person, sections: dict[str, Any]) -> None:
    with transaction.atomic():
        replace_sections(person, with_sections(person_record(person), sections))


@pytest.fixture
def people(make_person: Callable[..., Person]) -> list[Person]:
    """30 people of three counties with varied module data; one of them a student without work."""
    out = []
    for i in range(30):
        kw: dict[str, Any] = {}
        if i == 5:
            kw = {
                "category": "2",
                "work": [],
                "student": {
                    "school": "广东财经大学",
                    "school_region": "440106",
                    "expected_graduation": date(2027, 6, 30),
                },
            }
        person = make_person(COUNTIES[i % 3], **kw)
        write(person, varied(i))
        out.append(person)
    return out


def fresh(people: list[Person]) -> list[Person]:
    """The people as a caller loads them: agencies not loaded, nothing prefetched, list order kept."""
    found = Person.objects.in_bulk([p.pk for p in people])
    return [found[p.pk] for p in people]


def dumps(records: list[std.PersonRecord]) -> list[dict[str, Any]]:
    return [r.model_dump() for r in records]


@pytest.fixture
def hooks() -> Iterator[None]:
    """Registrations a test changes are put back afterwards."""
    registries: list[dict[str, Any]] = [SECTIONS, WRITERS, READ_MANY, WRITE_MANY]
    saved = [(d, dict(d)) for d in registries]
    yield
    for d, old in saved:
        d.clear()
        d.update(old)


# -- person_records -----------------------------------------------------------------------------


def test_every_module_registers_its_set_based_forms() -> None:
    assert set(MODULES) <= set(READ_MANY) and set(MODULES) <= set(WRITE_MANY)
    for name in MODULES:
        assert READ_MANY[name][0] is SECTIONS[name] and WRITE_MANY[name][0] is WRITERS[name]


def test_person_records_equal_person_record_of_each(people: list[Person]) -> None:
    expected = [person_record(p) for p in fresh(people)]
    assert {bool(r.qualifications) for r in expected} == {True, False}
    assert any(r.student for r in expected) and any(not r.work for r in expected)
    shuffled = fresh(people)[::-1]
    assert dumps(person_records(fresh(people))) == dumps(expected)
    assert person_records(fresh(people)) == expected
    assert person_records(shuffled) == expected[::-1]
    loaded = list(
        Person.objects.filter(pk__in=[p.pk for p in people]).select_related("agency").order_by("id")
    )
    assert person_records(loaded) == [person_record(p) for p in loaded]
    assert person_records([]) == []


def test_queries_do_not_grow_with_the_list(people: list[Person]) -> None:
    one, many = fresh(people[1:2]), fresh(people)
    person_records(one)
    with CaptureQueriesContext(connection) as q1:
        person_records(one)
    with CaptureQueriesContext(connection) as q30:
        person_records(many)
    assert len(q30) == len(q1) <= 12, [q["sql"] for q in q30]
    with CaptureQueriesContext(connection) as each:
        [person_record(p) for p in fresh(people)]
    assert len(each) > 5 * len(q30)


def test_a_module_without_read_many_is_read_person_by_person(people: list[Person], hooks: None) -> None:
    reader = SECTIONS["extensions"]
    register_section("extensions", lambda p: {**reader(p), "seen": p.pk})
    assert "extensions" not in READ_MANY
    got = person_records(fresh(people))
    assert [r.extensions["seen"] for r in got] == [p.pk for p in people]
    assert got == [person_record(p) for p in fresh(people)]


def test_a_reader_swapped_behind_its_read_many_is_used(people: list[Person], hooks: None) -> None:
    """A test (or anything) that replaces SECTIONS[name] directly must not get the old read_many."""
    SECTIONS["talents"] = lambda p: []
    assert all(r.talents == [] for r in person_records(fresh(people)))


def test_a_person_listed_twice_or_unsaved_is_an_error(people: list[Person]) -> None:
    with pytest.raises(ValueError, match="twice"):
        person_records([people[0], people[0]])
    with pytest.raises(ValueError, match="saved"):
        replace_many([(Person(), person_record(people[0]))])


# -- replace_many -------------------------------------------------------------------------------


def sent_from(people: list[Person]) -> list[std.PersonRecord]:
    """The people's records as another node reports them; they live there (numbers not held here)."""
    sent = person_records(fresh(people))
    for p in people:
        write(p, EMPTY)
    return sent


def targets(make_person: Callable[..., Person], sent: list[std.PersonRecord]) -> list[Person]:
    """Persons here that take the records: the person's own items applied and saved, as the hub does."""
    out = []
    for i, rec in enumerate(sent):
        person = make_person(COUNTIES[(i + 1) % 3])
        apply_record(person, rec)
        person.pledge_version = rec.collection.pledge_version or ""
        person.pledge_accepted_at = rec.collection.pledge_accepted_at
        person.collected_at = rec.collection.collected_at
        person.save()
        out.append(person)
    return out


def test_replace_many_round_trip(people: list[Person], make_person: Callable[..., Person]) -> None:
    sent = sent_from(people)
    into = targets(make_person, sent)
    with transaction.atomic():
        assert replace_many(list(zip(into, sent, strict=True))) == {}
    got = person_records(fresh(into))
    assert [comparable(r) for r in got] == [comparable(r) for r in sent]
    # The same as writing person by person (done in a savepoint, then undone).
    with transaction.atomic():
        sid = transaction.savepoint()
        for person, rec in zip(into, sent, strict=True):
            replace_history(person, rec)
            replace_sections(person, rec)
        each = person_records(fresh(into))
        transaction.savepoint_rollback(sid)
    assert each == got
    # Writing again changes nothing; an empty record clears.
    with transaction.atomic():
        assert replace_many(list(zip(into, got, strict=True))) == {}
    assert person_records(fresh(into)) == got
    cleared = [with_sections(r, EMPTY).model_copy(update={"education": [], "work": []}) for r in got]
    with transaction.atomic():
        assert replace_many(list(zip(into, cleared, strict=True))) == {}
    for r in person_records(fresh(into)):
        assert (r.education, r.work, r.qualifications, r.talents, r.credit, r.extensions) == (
            [],
            [],
            [],
            [],
            [],
            {},
        )


def test_replace_many_queries_do_not_grow(people: list[Person], make_person: Callable[..., Person]) -> None:
    sent = sent_from(people)
    into = targets(make_person, sent)
    pairs = list(zip(into, sent, strict=True))
    with transaction.atomic():
        replace_many(pairs[1:2])
    with CaptureQueriesContext(connection) as q1, transaction.atomic():
        replace_many(pairs[1:2])
    with CaptureQueriesContext(connection) as q30, transaction.atomic():
        replace_many(pairs)
    assert len(q30) == len(q1) <= 35, [q["sql"] for q in q30]


def blank(persons: list[Person]) -> list[Person]:
    """As the hub's new persons are: no history or module rows yet (make_person writes a history)."""
    Education.objects.filter(person__in=persons).delete()
    Work.objects.filter(person__in=persons).delete()
    return persons


def test_fresh_persons_are_written_the_same_without_deletes(
    people: list[Person], make_person: Callable[..., Person]
) -> None:
    """`fresh` (persons inserted in this transaction) skips the deletes and the empty sections, and
    writes exactly what the plain call writes: full sections and empty ones alike."""
    sent = sent_from(people)
    sent[0] = with_sections(sent[0], EMPTY)  # one person with nothing in any module
    for records, quiet in ((sent, False), ([with_sections(r, EMPTY) for r in sent], True)):
        plain = blank(targets(make_person, records))
        with transaction.atomic():  # written, read, undone: certificate numbers are unique
            sid = transaction.savepoint()
            assert replace_many(list(zip(plain, records, strict=True))) == {}
            expected = person_records(fresh(plain))
            transaction.savepoint_rollback(sid)
        into = blank(targets(make_person, records))
        with CaptureQueriesContext(connection) as q, transaction.atomic():
            assert replace_many(list(zip(into, records, strict=True)), fresh={p.pk for p in into}) == {}
        changes = [x["sql"] for x in q if x["sql"].startswith(("DELETE", "UPDATE"))]
        assert not [c for c in changes if "people_education" in c or "people_work" in c]
        if quiet:  # new people with empty modules (the hub's usual batch): no delete or update at all
            assert not changes
        got = person_records(fresh(into))
        assert [comparable(r) for r in got] == [comparable(r) for r in expected]


def qualification(number: str, route: str = "1") -> dict[str, Any]:
    return {
        "level": "2",
        "title": "会计师",
        "route": route,
        "obtained_on": "2016-09-03",
        "certificate_no": number,
    }


def test_a_refused_person_gets_nothing_written_and_the_others_do(
    people: list[Person], make_person: Callable[..., Person]
) -> None:
    bystander = make_person()
    write(bystander, {**EMPTY, "qualifications": [qualification("Z-HELD")]})
    sent = sent_from(people[:4])
    into = targets(make_person, sent)
    clash = with_sections(sent[1], {"qualifications": [*RICH["qualifications"][:1], qualification("Z-HELD")]})
    pairs = list(zip(into, [sent[0], clash, *sent[2:]], strict=True))
    before = person_record(fresh(into)[1])
    with transaction.atomic():
        refused = replace_many(pairs)
    assert list(refused) == [into[1].pk]
    assert [(e.code, e.field) for e in refused[into[1].pk].errors] == [
        ("qualification.duplicate", "qualifications.1.certificate_no")
    ]
    assert person_record(fresh(into)[1]) == before  # history and every module untouched
    got = person_records(fresh([into[0], *into[2:]]))
    assert [comparable(r) for r in got] == [comparable(r) for r in [sent[0], *sent[2:]]]


def test_conflicts_between_persons_of_the_call(
    make_person: Callable[..., Person], people: list[Person]
) -> None:
    """Two persons claiming one exam number: the first is written, the second refused. A person
    who gives a number up but is refused by another module keeps it: the person after them who
    takes that number is refused as well, and nothing of either is written."""
    first, second, giver, taker, clean = (make_person() for _ in range(5))
    write(giver, {**EMPTY, "qualifications": [qualification("Z-GIVEN")]})
    base = person_record(first)
    one = with_sections(base, {"qualifications": [qualification("Z-NEW")]})
    twice = {"programme": "N01", "level": "national", "cohort_year": 2019, "status": "1"}
    gives_up = with_sections(base, {"qualifications": [], "talents": [twice, {**twice, "status": "2"}]})
    takes = with_sections(base, {"qualifications": [qualification("Z-GIVEN")], "extensions": {"a1": 1}})
    fine = with_sections(base, {"qualifications": [qualification("Z-FINE")]})
    befores = {p.pk: person_record(p) for p in (second, giver, taker)}
    with transaction.atomic():
        refused = replace_many(
            [(first, one), (second, one), (giver, gives_up), (taker, takes), (clean, fine)]
        )
    assert {pk: [e.code for e in err.errors] for pk, err in refused.items()} == {
        second.pk: ["qualification.duplicate"],
        giver.pk: ["talent.duplicate"],
        taker.pk: ["qualification.duplicate"],
    }
    for p in (second, giver, taker):
        assert person_record(fresh([p])[0]) == befores[p.pk]
    assert [q.certificate_no for q in person_record(first).qualifications] == ["Z-NEW"]
    assert [q.certificate_no for q in person_record(clean).qualifications] == ["Z-FINE"]


def test_a_module_without_write_many_refusing_undoes_the_person_s_other_writes(
    people: list[Person], make_person: Callable[..., Person], hooks: None
) -> None:
    writer = WRITERS["extensions"]

    def picky(person: Person, section: Any) -> None:
        if "refuse" in section:
            raise DomainError([FieldError("extensions.picky", "extensions.refuse", "不收")])
        writer(person, section)

    register_section("extensions", SECTIONS["extensions"], picky)
    assert "extensions" not in WRITE_MANY
    sent = sent_from(people[:3])
    into = targets(make_person, sent)
    refusing = with_sections(sent[1], {"extensions": {"refuse": True}})
    before = person_record(fresh(into)[1])
    assert sent[1].qualifications and sent[1].qualifications != before.qualifications
    with transaction.atomic():
        refused = replace_many([(into[0], sent[0]), (into[1], refusing), (into[2], sent[2])])
    assert [e.code for e in refused[into[1].pk].errors] == ["extensions.picky"] and len(refused) == 1
    assert person_record(fresh(into)[1]) == before
    assert [comparable(r) for r in person_records(fresh([into[0], into[2]]))] == [
        comparable(sent[0]),
        comparable(sent[2]),
    ]


def test_a_module_refusing_everyone_writes_nothing(
    people: list[Person], make_person: Callable[..., Person]
) -> None:
    sent = sent_from(people[:2])
    into = targets(make_person, sent)
    befores = [person_record(p) for p in fresh(into)]
    bad = [with_sections(r, {"extensions": {"Bad Key": 1}}) for r in sent]
    with transaction.atomic():
        refused = replace_many(list(zip(into, bad, strict=True)))
    assert set(refused) == {p.pk for p in into}
    assert [person_record(p) for p in fresh(into)] == befores
    assert snapshot.replace_many([]) == {}
