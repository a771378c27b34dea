"""The section's writer: the ledger written back from a record reads back as the same years, totals,
compliance and entries; writing twice changes nothing; an empty section clears; bad sections are
refused with nothing written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.accounts.roles import Role
from registry.continuing_education import services
from registry.continuing_education.hooks import section
from registry.continuing_education.models import Entry, EntryStatus, Route
from registry.continuing_education.replica import replace_from_record
from registry.continuing_education.tests.conftest import TODAY, entry, png
from registry.core.errors import DomainError
from registry.people.models import Person
from registry.people.snapshot import WRITERS
from registry.standard import record as std

pytestmark = pytest.mark.django_db


def dumped(person: Person) -> list[dict[str, Any]]:
    return [y.model_dump() for y in section(person)]


def rows(person: Person) -> list[tuple[Any, ...]]:
    return list(
        Entry.objects.filter(person=person)
        .order_by("id")
        .values_list("year", "held_on", "form", "subject", "credits", "provider", "route", "status")
    )


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user(Role.COUNTY_REVIEWER, "440106")


@pytest.fixture
def rich(accountant: Any, staff: Any, with_login: Any, today: Any) -> Person:
    """An accountant since 2020 with a ledger from every route and status, over four years."""
    person = accountant()
    today(date(2022, 12, 1))
    services.ce_register(actor=staff, person=person, data=entry(held_on="2022-05-06", days="3"))
    today(date(2024, 12, 20))
    for n, credits in enumerate(("12.5", "0.1", "20")):
        data = entry(
            held_on="2024-09-01", form="9", days=None, subject="2", credits=credits, provider=f"P{n}"
        )
        services.ce_register(actor=staff, person=person, data=data)
    today(TODAY)
    services.ce_register(actor=staff, person=person, data=entry(days="6"))  # 2025: 60 专业
    services.ce_register(
        actor=staff, person=person, data=entry(form="2", days=None, hours="30", subject="2", provider=None)
    )
    user = with_login(person)
    approved = services.ce_self_report(
        actor=user, data=entry(form="7", days=None, role="first", title="论内部控制"), proof_files=[png()]
    )
    services.ce_approve(actor=staff, uid=approved.uid)
    services.ce_self_report(
        actor=user, data=entry(held_on="2025-07-01", form="8", days=None, role="other"), proof_files=[png()]
    )  # stays pending
    returned = services.ce_self_report(
        actor=user, data=entry(held_on="2025-08-01", form="6", days=None, role="other"), proof_files=[png()]
    )
    services.ce_return(actor=staff, uid=returned.uid, reason="证明不清晰")
    return person


def test_round_trip_of_a_rich_ledger(rich: Person, accountant: Any) -> None:
    before = dumped(rich)
    years = {y["year"]: y for y in before}
    # Recent required years show even when empty (2026); older years only with entries (2022).
    assert sorted(years) == [2022, 2024, 2025, 2026]
    assert years[2025]["total"] == 120 and years[2025]["compliant"] and years[2025]["required"]
    assert years[2024]["total"] == 32.6 and not years[2024]["compliant"]
    assert years[2026]["entries"] == [] and years[2026]["required"]
    assert [e["route"] for e in years[2025]["entries"]] == ["agency", "agency", "self"]

    other = accountant("440203")  # the same accounting work since 2020: the same required years
    replace_from_record(other, section(rich))
    assert dumped(other) == before
    replica = Entry.objects.filter(person=other)
    assert {(e.status, e.registered_by_id, e.proof_uid, e.batch_id) for e in replica} == {
        (EntryStatus.APPROVED, None, None, None)
    }
    assert all(e.decided_at is not None for e in replica if e.route == Route.SELF)
    assert replica.count() == 7  # the pending and the returned self-reports are not in the record


def test_required_comes_from_the_record_s_qualifications_and_work(accountant: Any, staff: Any) -> None:
    """`required` is not stored: it follows from approved qualifications and accounting work, which
    the record's other sections carry and `replace_sections` / `replace_history` write alongside."""
    qualification = apps.get_model("qualifications", "Qualification")

    def qualified(person: Person) -> None:
        qualification.objects.create(
            person=person,
            level="1",
            title="助理会计师",
            route="2",
            obtained_on=date(2019, 5, 1),
            certificate_no="PS-2019-01",
            source="agency",
            status="approved",
        )

    source = accountant(since=date(2025, 3, 1))  # work alone: required from 2026
    qualified(source)  # the qualification: required from 2020
    services.ce_register(actor=staff, person=source, data=entry())
    assert [(y.year, y.required) for y in section(source)] == [(2026, True), (2025, True), (2024, True)]

    same = accountant("440104", since=date(2025, 3, 1))
    qualified(same)
    replace_from_record(same, section(source))
    assert dumped(same) == dumped(source)

    unqualified = accountant("440104", since=date(2025, 3, 1))
    replace_from_record(unqualified, section(source))
    assert [(y.year, y.required) for y in section(unqualified)] == [(2026, True), (2025, False)]


def test_writing_twice_changes_nothing(rich: Person, accountant: Any) -> None:
    other = accountant()
    replace_from_record(other, section(rich))
    first = rows(other)
    replace_from_record(other, section(rich))
    assert rows(other) == first and len(first) == 7


def test_an_empty_section_clears_the_ledger(rich: Person) -> None:
    assert Entry.objects.filter(person=rich, status=EntryStatus.PENDING).exists()
    replace_from_record(rich, [])
    assert not Entry.objects.filter(person=rich).exists()
    assert [y.entries for y in section(rich)] == [[], [], []]  # the required recent years remain


def test_an_activity_twice_is_refused_and_nothing_changes(rich: Person) -> None:
    before = rows(rich)
    year = section(rich)[1]  # 2025
    doubled = year.model_copy(update={"entries": [*year.entries, year.entries[0]]})
    with pytest.raises(DomainError) as exc:
        replace_from_record(rich, [doubled])
    [error] = exc.value.errors
    assert (error.code, error.field) == (
        "ce.duplicate",
        f"continuing_education.0.entries.{len(year.entries)}",
    )
    assert rows(rich) == before


def test_the_writer_is_registered() -> None:
    assert WRITERS["continuing_education"] is replace_from_record


def test_queries_do_not_grow_with_the_section(rich: Person, accountant: Any) -> None:
    sent = section(rich)
    person = accountant()
    replace_from_record(person, sent[-1:])
    with CaptureQueriesContext(connection) as one:
        replace_from_record(person, sent[-1:])
    with CaptureQueriesContext(connection) as seven:
        replace_from_record(person, sent)
    assert len(seven) == len(one) <= 3, [q["sql"] for q in seven]


# -- any ledger -------------------------------------------------------------------------------

entries = st.builds(
    lambda held_on, form, subject, tenths, provider, route: std.ContinuingEducationEntry(
        year=held_on.year,
        held_on=held_on,
        form=form,
        subject=subject,
        credits=tenths / 10,
        provider=provider,
        route=route,
    ),
    held_on=st.dates(date(2015, 1, 1), date(2025, 12, 31)),
    form=st.sampled_from([str(n) for n in range(1, 10)]),
    subject=st.sampled_from(["1", "2"]),
    tenths=st.integers(1, 900),
    provider=st.none() | st.sampled_from(["省会计学会", "财政厅培训中心", "A"]),
    route=st.sampled_from(["agency", "batch", "self"]),
)


def as_section(items: list[std.ContinuingEducationEntry]) -> list[std.ContinuingEducationYear]:
    """What a node would report for these entries (figures deliberately zero: they are derived)."""
    years = sorted({e.year for e in items}, reverse=True)
    return [
        std.ContinuingEducationYear(
            year=y,
            required=False,
            total=0,
            professional=0,
            compliant=False,
            entries=sorted((e for e in items if e.year == y), key=lambda e: e.held_on),
        )
        for y in years
    ]


@pytest.fixture
def not_required(make_person: Any) -> Person:
    """No accounting work and no qualification: no year is required, so only ledger years show."""
    work = [{"start_date": date(2010, 1, 1), "unit_name": "某商贸公司", "is_accounting": False}]
    return make_person(work=work)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(
        entries, max_size=12, unique_by=lambda e: (e.held_on, e.form, e.subject, e.credits, e.provider)
    )
)
def test_any_ledger_reads_back_with_its_figures(not_required: Person, items: list[Any]) -> None:
    written = as_section(items)
    replace_from_record(not_required, written)
    read = section(not_required)
    assert [y.year for y in read] == [y.year for y in written]
    for got, sent in zip(read, written, strict=True):
        assert [e.model_dump() for e in got.entries] == [e.model_dump() for e in sent.entries]
        total = sum(Decimal(str(e.credits)) for e in sent.entries)
        professional = sum(Decimal(str(e.credits)) for e in sent.entries if e.subject == "1")
        assert (Decimal(str(got.total)), Decimal(str(got.professional))) == (total, professional)
        assert got.compliant is (total >= 90 and 3 * professional >= 2 * total)
        assert got.required is False
    # What it read back is a fixed point of writer ∘ reader.
    replace_from_record(not_required, read)
    assert [y.model_dump() for y in section(not_required)] == [y.model_dump() for y in read]
