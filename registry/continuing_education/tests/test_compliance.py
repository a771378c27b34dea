"""Annual compliance for many people (SQL) agrees with the pure rule, by scope, year and filter."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.continuing_education import services
from registry.continuing_education.models import Entry
from registry.continuing_education.selectors import (
    compliance_counts,
    filter_apply,
    filter_choices,
    person_years,
    qualification_model,
    required_q,
    unmet_page,
    with_totals,
)
from registry.continuing_education.tests.conftest import entry
from registry.people.models import Person
from registry.people.selectors import PeopleFilter, people_filtered

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user(Role.CITY_REVIEWER, "440100")


def give(staff: Any, person: Person, professional: str, public: str = "0", year: int = 2025) -> None:
    """Credits of one year as one declared (其他) entry per subject."""
    for subject, amount in (("1", professional), ("2", public)):
        if Decimal(amount) > 0:
            data = entry(held_on=f"{year}-06-01", form="9", days=None, subject=subject, credits=amount)
            services.ce_register(actor=staff, person=person, data=data)


@pytest.mark.parametrize(
    ("professional", "public", "met"),
    [("89", "0", False), ("90", "0", True), ("60", "30", True), ("59", "31", False), ("60.1", "30", True)],
)
def test_sql_and_python_agree_at_the_boundaries(
    accountant: Any, staff: Any, professional: str, public: str, met: bool
) -> None:
    person = accountant()
    # Split into tenths that would not add up exactly as floating point.
    for part in ("0.1", "0.2"):
        services.ce_register(
            actor=staff, person=person, data=entry(form="9", days=None, credits=part, provider=f"p{part}")
        )
    rest = Decimal(professional) - Decimal("0.3")
    give(staff, person, str(rest), public)
    [year] = [y for y in person_years(person) if y.year == 2025]
    assert year.compliance.met is met
    found = with_totals(Person.objects.filter(pk=person.pk), 2025).get()
    assert Decimal(found.ce_total) / 10 == Decimal(professional) + Decimal(public)  # type: ignore[attr-defined]
    assert (
        filter_apply(Person.objects.all(), f"2025:{'met' if met else 'unmet'}").filter(pk=person.pk).exists()
    )
    assert (
        not filter_apply(Person.objects.all(), f"2025:{'unmet' if met else 'met'}")
        .filter(pk=person.pk)
        .exists()
    )


def test_start_year_in_sql_matches_the_rule(accountant: Any) -> None:
    began_2024 = accountant(since=date(2024, 5, 1))
    left_2022 = accountant(since=date(2015, 1, 1), until=date(2022, 6, 30))
    for year in (2022, 2023, 2024, 2025):
        required = set(Person.objects.filter(required_q(year)).values_list("pk", flat=True))
        assert (began_2024.pk in required) is (year >= 2025)
        assert (left_2022.pk in required) is (year == 2022)


def test_qualification_starts_the_requirement(accountant: Any) -> None:
    model = qualification_model()
    if model is None:
        pytest.skip("the qualifications app is not installed")
    person = accountant(since=date(2025, 3, 1))
    model._default_manager.create(
        person=person,
        level="2",
        title="会计师",
        route="1",
        obtained_on=date(2023, 6, 1),
        certificate_no="TEST-0001",
        source="agency",
        status="approved",
    )
    assert Person.objects.filter(required_q(2024), pk=person.pk).exists()
    assert not Person.objects.filter(required_q(2023), pk=person.pk).exists()
    assert [y.compliance.required for y in person_years(person) if y.year == 2024] == [True]


def test_no_carry_over(accountant: Any, staff: Any, today: Any) -> None:
    person = accountant()
    today(date(2024, 12, 31))
    give(staff, person, "90", "45", year=2024)  # 135 credits: 45 more than needed
    today(date(2026, 2, 15))
    counts = compliance_counts(staff, 2025)
    assert (counts.required, counts.met, counts.unmet) == (1, 0, 1)
    assert compliance_counts(staff, 2024).met == 1


def test_counts_and_list_of_people_not_met_in_scope(accountant: Any, staff: Any, make_user: Any) -> None:
    done, short, new, elsewhere = (
        accountant("440106"),
        accountant("440104"),
        accountant(since=date(2025, 1, 2)),
        accountant("440203"),
    )
    give(staff, done, "60", "30")
    give(staff, short, "52", "26")
    give(make_user(Role.CITY_REVIEWER, "440200"), elsewhere, "10")
    counts = compliance_counts(staff, 2025)
    assert (counts.required, counts.met, counts.unmet) == (2, 1, 1)  # `new` began in 2025: not yet required
    page = unmet_page(staff, 2025)
    assert [r.person for r in page.rows] == [short]
    assert page.rows[0].compliance.summary() == "还差 12 学分，其中专业科目还差 8 学分"
    assert new not in [r.person for r in page.rows]
    # A county reviewer sees only their county; another city's counts are not theirs.
    tianhe = make_user(Role.COUNTY_REVIEWER, "440106")
    assert compliance_counts(tianhe, 2025).required == 1 and unmet_page(tianhe, 2025).rows == []
    assert compliance_counts(make_user(Role.CITY_REVIEWER, "440200"), 2025).unmet == 1
    assert compliance_counts(make_user(None), 2025).required == 0  # fail closed


def test_unmet_list_is_keyset_paginated(accountant: Any, staff: Any) -> None:
    people = [accountant() for _ in range(5)]
    first = unmet_page(staff, 2025, size=2)
    second = unmet_page(staff, 2025, size=2, after=first.next_after)
    third = unmet_page(staff, 2025, size=2, after=second.next_after)
    seen = [r.person.pk for page in (first, second, third) for r in page.rows]
    assert seen == sorted((p.pk for p in people), reverse=True) and third.next_after is None


def test_list_filter_on_the_people_list(accountant: Any, staff: Any) -> None:
    done, short = accountant(), accountant()
    give(staff, done, "90")
    assert [v for v, _ in filter_choices(date(2026, 2, 15))] == [
        "2026:unmet",
        "2026:met",
        "2025:unmet",
        "2025:met",
        "2024:unmet",
        "2024:met",
    ]
    unmet = people_filtered(staff, PeopleFilter(extra={"ce": "2025:unmet"}))
    met = people_filtered(staff, PeopleFilter(extra={"ce": "2025:met"}))
    assert list(unmet) == [short] and list(met) == [done]
    assert list(filter_apply(Person.objects.all(), "nonsense")) == []


def test_pending_and_returned_entries_never_count(accountant: Any, staff: Any, with_login: Any) -> None:
    from registry.continuing_education.tests.conftest import png

    person = accountant()
    user = with_login(person)
    give(staff, person, "80")
    services.ce_self_report(actor=user, data=entry(form="9", days=None, credits="10"), proof_files=[png()])
    assert compliance_counts(staff, 2025).met == 0
    assert Entry.objects.filter(status="pending").count() == 1
