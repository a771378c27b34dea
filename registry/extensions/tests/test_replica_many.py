"""The set-based reader and writer: `read_many` reads what `snapshot_section` reads person by person,
and `write_many` does what `replace_from_record` does person by person in order (stand-in items
typed by the first value, refusals), in a number of queries that does not grow with the list."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.core.errors import DomainError
from registry.extensions.models import ExtensionItem, ExtensionValue
from registry.extensions.replica import replace_from_record
from registry.extensions.replica_many import read_many, write_many
from registry.extensions.selectors import snapshot_section
from registry.extensions.services import extension_values_set
from registry.people.models import Person
from registry.people.snapshot import READ_MANY, WRITE_MANY
from registry.standard.errors import FieldError

pytestmark = pytest.mark.django_db


def dumped(persons: list[Person]) -> dict[int, dict[str, Any]]:
    return {p.pk: snapshot_section(p) for p in persons}


def rows(person: Person) -> list[tuple[str, str]]:
    return list(
        ExtensionValue.objects.filter(person=person).order_by("item__key").values_list("item__key", "value")
    )


def items_table() -> list[tuple[Any, ...]]:
    return list(
        ExtensionItem.objects.order_by("key").values_list("key", "label", "type", "active", "required")
    )


def sequential(
    items: list[tuple[Person, dict[str, Any]]], everyone: list[Person]
) -> tuple[dict[int, tuple[FieldError, ...]], dict[int, Any], dict[int, Any], list[tuple[Any, ...]]]:
    """The single writer for each item in order, undone afterwards: refusals, rows, sections, items."""
    sid = transaction.savepoint()
    refused = {}
    for person, sent in items:
        try:
            replace_from_record(person, sent)
        except DomainError as exc:
            refused[person.pk] = exc.errors
    result = refused, {p.pk: rows(p) for p in everyone}, dumped(everyone), items_table()
    transaction.savepoint_rollback(sid)
    return result


VALUES: dict[str, list[Any]] = {
    "years": [3, 12, 40],
    "ratio": [0.125, 0.5, 1e-07],
    "cpa": [True, False],
    "note": ["协会理事", "无"],
    "member_no": ["GD-1", "GD-22"],
    "joined_on": ["2020-02-29"],
}


def random_section(rng: random.Random) -> dict[str, Any]:
    keys = rng.sample(sorted(VALUES), rng.randint(0, 4))
    return {k: rng.choice(VALUES[k]) for k in keys}


@pytest.fixture
def items(define: Any) -> None:
    define("years", "integer", label="从业年限", min_value="0", max_value="60")
    define("ratio", "decimal", label="比例")
    define("joined_on", "date", label="入会日期")
    define("cpa", "boolean", label="注册会计师")
    define("note", "text", label="备注")


@pytest.fixture
def people(items: None, make_person: Any) -> list[Person]:
    """30 people: values through the service, values written by the writer (some under stand-ins:
    `member_no` is not defined here), none."""
    rng = random.Random(6)
    out = []
    for n in range(30):
        person = make_person(("440106", "440104", "440203")[n % 3])
        if n % 5 == 0:
            extension_values_set(
                actor=None, person=person, values={"years": str(n), "cpa": "是", "note": "理事"}
            )
        else:
            replace_from_record(person, random_section(rng))
        out.append(person)
    return out


def test_the_set_based_forms_are_registered() -> None:
    assert READ_MANY["extensions"] == (snapshot_section, read_many)
    assert WRITE_MANY["extensions"][1] is write_many


def test_read_many_equals_the_reader_of_each(people: list[Person]) -> None:
    assert any(not snapshot_section(p) for p in people) and any(
        "member_no" in snapshot_section(p) for p in people
    )
    got = read_many(people)
    assert list(got) == [p.pk for p in people]
    assert got == dumped(people)
    assert [list(s) for s in got.values()] == [list(s) for s in dumped(people).values()]  # key order too
    assert {k: type(v) for s in got.values() for k, v in s.items()} == {
        k: type(v) for s in dumped(people).values() for k, v in s.items()
    }
    assert read_many([]) == {}


def test_read_many_queries_do_not_grow(people: list[Person]) -> None:
    with CaptureQueriesContext(connection) as one:
        read_many(people[:1])
    with CaptureQueriesContext(connection) as thirty:
        read_many(people)
    assert len(thirty) == len(one) == 2


def test_write_many_equals_the_writer_of_each(people: list[Person]) -> None:
    rng = random.Random(12)
    items = [(p, {**random_section(rng), "extra_a": n, "extra_b": None}) for n, p in enumerate(people)]
    items[2] = (items[2][0], {})  # an empty section clears
    refused, expected_rows, expected, expected_items = sequential(items, people)
    assert refused == {}
    assert write_many(items) == {}
    assert dumped(people) == expected
    assert {p.pk: rows(p) for p in people} == expected_rows
    assert items_table() == expected_items
    assert not ExtensionValue.objects.filter(person=people[2]).exists()


def test_a_node_without_definitions_types_stand_ins_by_the_first_value(make_person: Any) -> None:
    a, b, c = (make_person() for _ in range(3))
    items: list[tuple[Person, dict[str, Any]]] = [
        (a, {"k1": "十二", "k2": None}),
        (b, {"k1": 12, "k2": 1.5, "k3": True}),
        (c, {"k2": 2}),
    ]
    refused, expected_rows, expected, expected_items = sequential(items, [a, b, c])
    assert write_many(items) == {} == refused
    assert items_table() == expected_items
    assert [(k, t) for k, _, t, *_ in items_table()] == [("k1", "text"), ("k2", "decimal"), ("k3", "boolean")]
    assert dumped([a, b, c]) == expected and {p.pk: rows(p) for p in (a, b, c)} == expected_rows


def test_refused_persons_are_untouched_and_the_others_written(people: list[Person]) -> None:
    a, b, c = people[1:4]
    before = rows(b)
    items: list[tuple[Person, dict[str, Any]]] = [
        (a, {"fresh": "x"}),
        (b, {"Bad Key": 1, "fresh": 2, "years": 3}),
        (c, {"years": 4}),
    ]
    refused = write_many(items)
    assert {pk: [(e.code, e.field) for e in err.errors] for pk, err in refused.items()} == {
        b.pk: [("extensions.bad_key", "extensions.Bad Key")]
    }
    assert rows(b) == before and not ExtensionItem.objects.filter(key="Bad Key").exists()
    assert snapshot_section(a) == {"fresh": "x"} and snapshot_section(c) == {"years": 4}
    assert ExtensionItem.objects.get(key="fresh").type == "text"  # typed by a: b was refused
    with pytest.raises(DomainError) as exc:
        replace_from_record(b, items[1][1])
    assert exc.value.errors == refused[b.pk].errors


def test_write_many_queries_do_not_grow(people: list[Person]) -> None:
    def section(n: int) -> dict[str, Any]:
        # One row a person: SQLite splits an insert of more than 999 values (PostgreSQL does not).
        return {("years", "new_key")[n % 2]: n}

    with CaptureQueriesContext(connection) as first:
        write_many([(p, section(n)) for n, p in enumerate(people)])  # adds the stand-in of new_key
    with CaptureQueriesContext(connection) as one:
        write_many([(people[0], section(0))])
    with CaptureQueriesContext(connection) as thirty:
        write_many([(p, section(n)) for n, p in enumerate(people)])
    assert len(thirty) == len(one) == len(first) - 1 == 4, [q["sql"] for q in thirty]


# -- any values, on a node without definitions -------------------------------------------------

values = (
    st.booleans()
    | st.integers(-1000, 1000)
    | st.sampled_from([0.5, 1e-07, 2.25])
    | st.sampled_from(["甲", "x1"])
)
sections = st.dictionaries(st.sampled_from(["aa", "bb", "cc", "Bad"]), st.none() | values, max_size=3)


@pytest.fixture
def four(make_person: Any) -> list[Person]:
    return [make_person() for _ in range(4)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(sections, min_size=4, max_size=4))
def test_any_call_does_what_the_writer_does_in_order(four: list[Person], sent: list[dict[str, Any]]) -> None:
    sid = transaction.savepoint()
    ExtensionValue.objects.all().delete()
    ExtensionItem.objects.all().delete()
    items = list(zip(four, sent, strict=True))
    refused, expected_rows, expected, expected_items = sequential(items, four)
    got = write_many(items)
    assert {pk: err.errors for pk, err in got.items()} == refused
    assert {p.pk: rows(p) for p in four} == expected_rows
    assert dumped(four) == expected
    assert items_table() == expected_items
    transaction.savepoint_rollback(sid)
