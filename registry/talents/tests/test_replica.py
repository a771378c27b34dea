"""The section's writer: selections written back from a record read back the same, a province's own
programme by the national code it reports; writing twice changes nothing; an empty section clears;
what the table cannot hold is refused with nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.accounts.roles import Role
from registry.core.errors import DomainError
from registry.people.models import Person
from registry.people.snapshot import WRITERS
from registry.standard import record as std
from registry.talents.models import Programme, Talent
from registry.talents.programmes import programme_add
from registry.talents.replica import replace_from_record
from registry.talents.selectors import filter_people, section
from registry.talents.services import talent_add, talent_update_status

from .conftest import entry

pytestmark = pytest.mark.django_db


def dumped(person: Person) -> list[dict[str, Any]]:
    return [t.model_dump() for t in section(person)]


def talent(**data: Any) -> std.Talent:
    return std.Talent.model_validate(data)


def rows(person: Person) -> list[tuple[Any, ...]]:
    return list(
        Talent.objects.filter(person=person)
        .order_by("id")
        .values_list("programme__code", "cohort_year", "cohort", "status", "certificate_no")
    )


@pytest.fixture
def rich(make_person: Any, make_user: Any) -> Person:
    """National and provincial selections (one in the province's own programme), ended ones too."""
    person = make_person()
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    own = programme_add(actor=admin, name="广东省会计领军人才（企业类）", standard_code="P01")
    talent_add(actor=admin, person=person, data=entry(certificate_no="LJ-2020-01"))
    graduated = talent_add(
        actor=admin, person=person, data=entry(programme="N05", cohort_year=2016, cohort="")
    )
    talent_update_status(actor=admin, uid=graduated.uid, status="2")
    withdrawn = talent_add(actor=admin, person=person, data=entry(programme="P02", cohort_year=2021))
    talent_update_status(actor=admin, uid=withdrawn.uid, status="3", reason="本人申请退出")
    talent_add(
        actor=admin, person=person, data=entry(programme=own.code, cohort_year=2022, certificate_no="GD-7")
    )
    return person


def test_round_trip_of_rich_talents(rich: Person, make_person: Any) -> None:
    before = dumped(rich)
    assert [(t["programme"], t["cohort_year"], t["status"]) for t in before] == [
        ("N05", 2016, "2"),
        ("N01", 2020, "1"),
        ("P02", 2021, "3"),
        ("P01", 2022, "1"),
    ]
    sent = section(rich)
    # `rich` lives at another node: its certificate numbers are not held here.
    Talent.objects.filter(person=rich).delete()
    other = make_person("440203")
    replace_from_record(other, sent)
    assert dumped(other) == before
    # The province's own programme arrives as the national code it reports under.
    assert rows(other)[-1][0] == "P01"
    assert {t.created_by_id for t in Talent.objects.filter(person=other)} == {None}
    assert filter_people(Person.objects.filter(pk=other.pk), "provincial").exists()


def test_writing_twice_changes_nothing(rich: Person) -> None:
    sent = section(rich)
    replace_from_record(rich, sent)
    first = rows(rich)
    replace_from_record(rich, sent)
    assert rows(rich) == first and len(first) == 4
    assert dumped(rich) == [t.model_dump() for t in sent]


def test_an_empty_section_clears(rich: Person) -> None:
    replace_from_record(rich, [])
    assert not Talent.objects.filter(person=rich).exists() and section(rich) == []


def test_a_missing_programme_is_seeded_from_the_code_table(make_person: Any) -> None:
    Programme.objects.filter(code="N07").delete()
    person = make_person()
    item = talent(programme="N07", level="national", cohort_year=2021, status="1")
    replace_from_record(person, [item])
    assert dumped(person) == [item.model_dump()]
    assert Programme.objects.get(code="N07").standard_code == "N07"


def test_a_certificate_another_person_holds_is_refused(rich: Person, make_person: Any) -> None:
    other = make_person()
    replace_from_record(other, [section(rich)[0]])
    before = rows(other)
    with pytest.raises(DomainError) as exc:
        replace_from_record(other, section(rich))
    assert [(e.code, e.field) for e in exc.value.errors] == [
        ("talent.duplicate_certificate", "talents.1.certificate_no")
    ]
    assert rows(other) == before


def test_one_programme_and_year_twice_is_refused(make_person: Any) -> None:
    """Two of a province's own programmes under P01 in one year: this node has one P01."""
    person = make_person()
    one = talent(programme="P01", level="provincial", cohort_year=2021, status="1", certificate_no="A")
    two = talent(programme="P01", level="provincial", cohort_year=2021, status="1", certificate_no="B")
    with pytest.raises(DomainError) as exc:
        replace_from_record(person, [one, two])
    assert [(e.code, e.field) for e in exc.value.errors] == [("talent.duplicate", "talents.1.programme")]
    assert not Talent.objects.filter(person=person).exists()


def test_the_writer_is_registered() -> None:
    assert WRITERS["talents"] is replace_from_record


def test_queries_do_not_grow_with_the_section(rich: Person, make_person: Any) -> None:
    sent = section(rich)
    Talent.objects.filter(person=rich).delete()
    person = make_person()
    replace_from_record(person, sent[1:2])  # one with a certificate, as the others have
    with CaptureQueriesContext(connection) as one:
        replace_from_record(person, sent[1:2])
    with CaptureQueriesContext(connection) as four:
        replace_from_record(person, sent)
    assert len(four) == len(one) <= 4, [q["sql"] for q in four]


# -- any selections -----------------------------------------------------------------------------

LEVELS = {f"N0{n}": "national" for n in range(1, 8)} | {"P01": "provincial", "P02": "provincial"}
items = st.builds(
    lambda programme, year, cohort, status, number: talent(
        programme=programme,
        level=LEVELS[programme],
        cohort_year=year,
        cohort=cohort,
        status=status,
        certificate_no=number,
    ),
    programme=st.sampled_from(sorted(LEVELS)),
    year=st.integers(2000, 2025),
    cohort=st.none() | st.sampled_from(["第一期", "2020级"]),
    status=st.sampled_from(["1", "2", "3"]),
    number=st.none() | st.text("ABC0123456789-", min_size=1, max_size=12).map(str.strip).filter(bool),
)


@pytest.fixture
def person(make_person: Any) -> Person:
    return make_person()


# One person for every example: each write replaces what the previous example left.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sent=st.lists(items, max_size=8, unique_by=lambda t: (t.programme, t.cohort_year)).filter(
        lambda ts: (
            len({(t.programme, t.certificate_no) for t in ts if t.certificate_no})
            == len([t for t in ts if t.certificate_no])
        )
    )
)
def test_any_section_reads_back_by_cohort_year(person: Person, sent: list[std.Talent]) -> None:
    replace_from_record(person, sent)
    assert dumped(person) == [t.model_dump() for t in sorted(sent, key=lambda t: t.cohort_year)]
