"""The periods and deadlines as pure rules: blacklist, bar, entry and objection deadlines."""

from __future__ import annotations

from datetime import date

from registry.credit.deadlines import add_working_days, entry_deadline, objection_deadline
from registry.credit.rules import add_years, periods


def test_five_years_end_on_the_corresponding_day_and_29_february_on_the_28th() -> None:
    assert add_years(date(2024, 3, 10), 5) == date(2029, 3, 10)
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)


def test_serious_administrative_penalty_blacklists_for_five_years_from_the_effective_date() -> None:
    p = periods(
        dishonour=True,
        penalty="3",
        criminal=False,
        serious=True,
        decided_on=date(2024, 3, 1),
        effective_on=date(2024, 3, 10),
    )
    assert p.blacklisted_until == date(2029, 3, 10) and not p.blacklist_permanent
    assert p.barred_until is None and not p.bar_permanent  # a fine bars nobody


def test_five_year_ban_bars_from_the_decision_and_criminal_liability_for_good() -> None:
    ban = periods(
        dishonour=True,
        penalty="5",
        criminal=False,
        serious=False,
        decided_on=date(2024, 3, 1),
        effective_on=date(2024, 3, 10),
    )
    assert ban.barred_until == date(2029, 3, 1) and ban.blacklisted_until is None and not ban.serious
    crime = periods(
        dishonour=True,
        penalty="6",
        criminal=False,
        serious=False,
        decided_on=date(2024, 3, 1),
        effective_on=date(2024, 3, 1),
    )
    assert crime.criminal and crime.serious  # a criminal penalty is always serious 失信
    assert crime.blacklist_permanent and crime.blacklisted_until is None
    assert crime.bar_permanent and crime.barred_until is None


def test_honours_carry_no_periods() -> None:
    p = periods(
        dishonour=False,
        penalty="",
        criminal=True,
        serious=True,
        decided_on=date(2024, 3, 1),
        effective_on=date(2024, 3, 1),
    )
    assert not (p.serious or p.criminal or p.blacklist_permanent or p.bar_permanent)


def test_ten_working_days_skip_weekends() -> None:
    monday = date(2026, 11, 2)
    assert entry_deadline(monday) == date(2026, 11, 16)
    assert objection_deadline(date(2026, 11, 20)) == date(2026, 12, 4)  # from a Friday
    assert add_working_days(date(2026, 11, 7), 1) == date(2026, 11, 9)  # Saturday → Monday
