"""The section's writer: approved qualifications written back from a record read back the same;
writing twice changes nothing; an empty section clears; what the table cannot hold is refused with
nothing written."""

from __future__ import annotations

from datetime import date
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
from registry.qualifications.models import Qualification, QualificationStatus, Source
from registry.qualifications.replica import replace_from_record
from registry.qualifications.selectors import filter_people, highest_level, section
from registry.qualifications.services import (
    qualification_add,
    qualification_approve,
    qualification_return,
)
from registry.standard import record as std

from .conftest import entry, png

pytestmark = pytest.mark.django_db


def dumped(person: Person) -> list[dict[str, Any]]:
    return [q.model_dump() for q in section(person)]


def rows(person: Person) -> list[tuple[Any, ...]]:
    return list(
        Qualification.objects.filter(person=person)
        .order_by("id")
        .values_list("level", "title", "route", "obtained_on", "certificate_no", "issuer", "status")
    )


@pytest.fixture
def rich(accountant: Any, make_user: Any) -> Person:
    """Approved by agency entry and by review, plus a pending and a returned self-report."""
    user, person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    qualification_add(
        actor=staff,
        person=person,
        data=entry(level="1", title="助理会计师", obtained_on=date(2015, 5, 1), certificate_no="C2015-1"),
    )
    qualification_add(
        actor=staff,
        person=person,
        data=entry(appointed_title="财务部经理", appointed_on=date(2019, 1, 2)),
    )
    qualification_add(
        actor=staff,
        person=person,
        data=entry(level="3", title="高级会计师", route="2", certificate_no="粤人社评〔2023〕8号", issuer=""),
    )
    approved = qualification_add(
        actor=user,
        person=person,
        data=entry(
            level="3", title="高级会计师", route="4", obtained_on=date(2023, 12, 1), certificate_no="R-77"
        ),
        proof_files=[png()],
    )
    qualification_approve(actor=staff, uid=approved.uid)
    qualification_add(
        actor=user,
        person=person,
        data=entry(level="4", title="正高级会计师", route="2", certificate_no="P-1"),
        proof_files=[png()],
    )  # stays pending
    returned = qualification_add(
        actor=user,
        person=person,
        data=entry(level="4", title="正高级会计师", route="2", certificate_no="P-2"),
        proof_files=[png()],
    )
    qualification_return(actor=staff, uid=returned.uid, reason="证书不清晰")
    return person


def test_round_trip_of_rich_qualifications(rich: Person, make_person: Any) -> None:
    before = dumped(rich)
    assert [q["certificate_no"] for q in before] == [
        "C2015-1",
        "Z2018440100001",
        "粤人社评〔2023〕8号",
        "R-77",
    ]
    assert before[1]["appointed_title"] == "财务部经理" and before[2]["issuer"] is None
    sent = section(rich)
    # `rich` lives at another node: its exam certificates do not hold numbers here.
    Qualification.objects.filter(person=rich).delete()
    other = make_person("440203")
    replace_from_record(other, sent)
    assert dumped(other) == before
    assert highest_level(other) == "3"
    assert filter_people(Person.objects.filter(pk=other.pk), "3+").exists()
    replica = Qualification.objects.filter(person=other)
    assert {(q.status, q.source, q.proof_uid, q.created_by_id) for q in replica} == {
        (QualificationStatus.APPROVED, Source.AGENCY, None, None)
    }
    assert all(q.decided_at is not None for q in replica)


def test_writing_twice_changes_nothing(rich: Person) -> None:
    sent = section(rich)
    replace_from_record(rich, sent)
    first = rows(rich)
    assert len(first) == 4  # the pending and returned self-reports are not in the record
    replace_from_record(rich, sent)
    assert rows(rich) == first
    assert dumped(rich) == [q.model_dump() for q in sent]


def test_an_empty_section_clears(rich: Person) -> None:
    replace_from_record(rich, [])
    assert not Qualification.objects.filter(person=rich).exists()
    assert section(rich) == [] and highest_level(rich) is None


def test_an_exam_certificate_another_person_holds_is_refused(rich: Person, make_person: Any) -> None:
    other = make_person()
    replace_from_record(other, [section(rich)[2]])  # 评审: a 批文号 may be shared
    before = rows(other)
    with pytest.raises(DomainError) as exc:
        replace_from_record(other, section(rich))
    assert {(e.code, e.field) for e in exc.value.errors} == {
        ("qualification.duplicate", "qualifications.0.certificate_no"),
        ("qualification.duplicate", "qualifications.1.certificate_no"),
    }
    assert "其他人员" in exc.value.errors[0].message and rich.name not in str(exc.value)
    assert rows(other) == before


def test_one_certificate_twice_for_the_person_is_refused(rich: Person) -> None:
    before = rows(rich)
    first = section(rich)[0]
    with pytest.raises(DomainError) as exc:
        replace_from_record(rich, [first, first.model_copy(update={"level": "2", "title": "会计师"})])
    assert [(e.code, e.field) for e in exc.value.errors] == [
        ("qualification.duplicate", "qualifications.1.certificate_no")
    ]
    assert rows(rich) == before


def test_the_writer_is_registered() -> None:
    assert WRITERS["qualifications"] is replace_from_record


def test_queries_do_not_grow_with_the_section(rich: Person, make_person: Any) -> None:
    sent = section(rich)
    Qualification.objects.filter(person=rich).delete()
    person = make_person()
    replace_from_record(person, sent[:1])
    with CaptureQueriesContext(connection) as one:
        replace_from_record(person, sent[:1])
    with CaptureQueriesContext(connection) as four:
        replace_from_record(person, sent)
    assert len(four) == len(one) <= 4, [q["sql"] for q in four]


# -- any qualifications -------------------------------------------------------------------------

TITLES = {"1": "助理会计师", "2": "会计师", "3": "高级会计师", "4": "正高级会计师"}
items = st.builds(
    lambda level, route, obtained_on, number, issuer, appointed: std.Qualification(
        level=level,
        title=TITLES[level],
        route=route,
        obtained_on=obtained_on,
        certificate_no=number,
        issuer=issuer,
        appointed_title="财务总监" if appointed else None,
        appointed_on=date(2025, 1, 1) if appointed else None,
    ),
    level=st.sampled_from(sorted(TITLES)),
    route=st.sampled_from(["1", "2", "3", "4"]),
    obtained_on=st.dates(date(2012, 1, 1), date(2024, 12, 31)),
    number=st.none() | st.text("ABCZ0123456789-〔〕号", min_size=1, max_size=20).map(str.strip).filter(bool),
    issuer=st.none() | st.sampled_from(["财政部", "广东省人力资源和社会保障厅"]),
    appointed=st.booleans(),
)


@pytest.fixture
def person(make_person: Any) -> Person:
    return make_person()


# One person for every example: each write replaces what the previous example left.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sent=st.lists(items, max_size=8, unique_by=lambda q: q.certificate_no or ""))
def test_any_section_reads_back_oldest_first(person: Person, sent: list[std.Qualification]) -> None:
    replace_from_record(person, sent)
    assert dumped(person) == [q.model_dump() for q in sorted(sent, key=lambda q: q.obtained_on)]
