"""The section's writer: values written back from a record read back the same, whether or not this
node defines their items (a hub defines none: stand-in definitions keep them and the tab shows
them); writing twice changes nothing; an empty section clears."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.core.errors import DomainError
from registry.extensions.models import ExtensionItem, ExtensionValue, ItemType
from registry.extensions.replica import replace_from_record
from registry.extensions.selectors import extension_problems, items_for, person_rows, snapshot_section
from registry.extensions.services import extension_values_set
from registry.extensions.tabs import tab_context
from registry.people.models import Person
from registry.people.snapshot import WRITERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(define: Any) -> None:
    define("years", "integer", label="从业年限", min_value="0", max_value="60")
    define("ratio", "decimal", label="比例")
    define("joined_on", "date", label="入会日期")
    define("cpa", "boolean", label="注册会计师")
    define("level", "choice", label="等级", codes="A 甲级\nB 乙级")
    define("note", "text", label="备注")


@pytest.fixture
def rich(items: None, make_person: Any) -> Person:
    person = make_person()
    values = {"years": "12", "ratio": "0.125", "joined_on": "2020-02-29", "cpa": "是", "level": "B"}
    extension_values_set(actor=None, person=person, values={**values, "note": "协会理事"})
    return person


def rows(person: Person) -> list[tuple[str, str]]:
    return list(
        ExtensionValue.objects.filter(person=person).order_by("item__key").values_list("item__key", "value")
    )


def test_round_trip_with_this_node_s_definitions(rich: Person, make_person: Any) -> None:
    before = snapshot_section(rich)
    assert before == {
        "cpa": True,
        "joined_on": "2020-02-29",
        "level": "B",
        "note": "协会理事",
        "ratio": 0.125,
        "years": 12,
    }
    other = make_person("440203")
    replace_from_record(other, before)
    assert snapshot_section(other) == before
    assert rows(other) == rows(rich)  # stored exactly as the services store them
    assert ExtensionItem.objects.count() == 6  # no stand-ins: every key is defined here


def test_a_node_without_definitions_keeps_the_values_under_inactive_stand_ins(
    rich: Person, make_person: Any, make_user: Any
) -> None:
    """The hub defines no items: it keeps the reported values and its detail page shows them."""
    reported = {**snapshot_section(rich), "fraction": 1e-07, "big": 12345678901234, "flag": False}
    ExtensionValue.objects.all().delete()
    ExtensionItem.objects.all().delete()  # this node is now a hub
    other = make_person("440203")
    replace_from_record(other, reported)
    assert snapshot_section(other) == reported
    stand_ins = {i.key: i for i in ExtensionItem.objects.all()}
    assert set(stand_ins) == set(reported)
    assert not any(i.active or i.required for i in stand_ins.values())
    assert {k: i.type for k, i in stand_ins.items() if i.type != ItemType.TEXT} == {
        "cpa": ItemType.BOOLEAN,
        "flag": ItemType.BOOLEAN,
        "ratio": ItemType.DECIMAL,
        "fraction": ItemType.DECIMAL,
        "years": ItemType.INTEGER,
        "big": ItemType.INTEGER,
    }
    assert dict(rows(other))["fraction"] == "0.0000001"
    # No form asks for a stand-in and no rule requires one; the tab lists every value.
    assert items_for(other.category) == [] and extension_problems(other) == []
    shown = {row.item.key: row.text for row in person_rows(other)}
    assert shown["cpa"] == "是" and shown["years"] == "12" and shown["flag"] == "否"
    request = RequestFactory().get("/")
    request.user = make_user()
    assert len(tab_context(request, other)["rows"]) == len(reported)


def test_values_stay_apart_from_an_existing_definition_of_another_type(define: Any, make_person: Any) -> None:
    """A key this node defines differently: the value is kept as reported; a text-looking type
    mismatch reads back in this node's type (the one thing that cannot round-trip)."""
    define("years", "integer")
    person = make_person()
    replace_from_record(person, {"years": "十二年"})
    assert snapshot_section(person) == {"years": "十二年"}
    define("code_no", "text")
    replace_from_record(person, {"code_no": 7})
    assert snapshot_section(person) == {"code_no": "7"}


def test_writing_twice_changes_nothing(rich: Person) -> None:
    sent = snapshot_section(rich)
    first = rows(rich)
    replace_from_record(rich, sent)
    replace_from_record(rich, sent)
    assert rows(rich) == first and snapshot_section(rich) == sent


def test_an_empty_section_and_none_values_clear(rich: Person) -> None:
    replace_from_record(rich, {"years": None, "note": "留下"})
    assert snapshot_section(rich) == {"note": "留下"}
    replace_from_record(rich, {})
    assert not ExtensionValue.objects.filter(person=rich).exists()


def test_a_key_no_province_could_define_is_refused(rich: Person) -> None:
    before = rows(rich)
    with pytest.raises(DomainError) as exc:
        replace_from_record(rich, {"Bad Key": 1, "years": 3})
    assert [(e.code, e.field) for e in exc.value.errors] == [("extensions.bad_key", "extensions.Bad Key")]
    assert rows(rich) == before and not ExtensionItem.objects.filter(key="Bad Key").exists()


def test_the_writer_is_registered() -> None:
    assert WRITERS["extensions"] is replace_from_record


def test_queries_do_not_grow_with_the_section(rich: Person, make_person: Any) -> None:
    sent = snapshot_section(rich)
    person = make_person()
    replace_from_record(person, dict(list(sent.items())[:1]))
    with CaptureQueriesContext(connection) as one:
        replace_from_record(person, dict(list(sent.items())[:1]))
    with CaptureQueriesContext(connection) as six:
        replace_from_record(person, sent)
    assert len(six) == len(one) <= 5, [q["sql"] for q in six]


# -- any values ---------------------------------------------------------------------------------

keys = st.from_regex(r"[a-z][a-z0-9_]{1,12}", fullmatch=True)
values = (
    st.booleans()
    | st.integers(-(10**15), 10**15)
    | st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: abs(f) < 1e15)
    | st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@pytest.fixture
def person(make_person: Any) -> Person:
    return make_person()


# One person for every example: each write replaces what the previous example left. A key keeps
# the type its first value gave its stand-in, so each example uses keys of its own.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.dictionaries(keys, values, max_size=6))
def test_any_values_on_a_node_without_definitions_read_back(person: Person, sent: dict[str, Any]) -> None:
    ExtensionValue.objects.all().delete()
    ExtensionItem.objects.all().delete()
    replace_from_record(person, sent)
    assert snapshot_section(person) == sent
    assert {k: type(v) for k, v in snapshot_section(person).items()} == {k: type(v) for k, v in sent.items()}
