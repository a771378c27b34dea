"""The pure rules: conversions, stated credits, dates, the start-year rule and annual compliance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from registry.continuing_education.rules import (
    DEFAULT_RULES,
    CeRules,
    Conversion,
    Unit,
    YearCompliance,
    check_dates,
    compliance,
    credits_for,
    fmt,
    required_in,
    resolve_credits,
)
from registry.core.errors import DomainError


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.errors[0].code


# -- the fixed conversions of 财会〔2018〕10号 -----------------------------------------------------


@pytest.mark.parametrize(
    ("form", "kwargs", "credits"),
    [
        ("3", {}, D(90)),  # one exam subject passed
        ("5", {}, D(90)),  # one degree course passed
        ("4", {"days": D(1)}, D(10)),  # conference: 10 a day
        ("4", {"days": D(2)}, D(20)),
        ("4", {"days": D("0.5")}, D(5)),
        ("6", {"role": "first"}, D(90)),  # research project: lead
        ("6", {"role": "other"}, D(60)),
        ("7", {"role": "first"}, D(30)),  # paper: sole or first author
        ("7", {"role": "other"}, D(10)),
        ("8", {"role": "first"}, D(90)),  # book: sole or first author
        ("8", {"role": "other"}, D(60)),
        ("1", {"days": D(3)}, D(30)),  # face-to-face training: default 10 a day
        ("2", {"hours": D(24)}, D(24)),  # online training: default 1 per 学时
    ],
)
def test_fixed_and_default_conversions(form: str, kwargs: dict[str, object], credits: D) -> None:
    assert credits_for(form, settings=DEFAULT_RULES, **kwargs) == credits  # type: ignore[arg-type]


def test_declared_form_has_no_rule_of_its_own() -> None:
    assert credits_for("9", settings=DEFAULT_RULES) is None


def test_training_conversions_are_province_configuration() -> None:
    rules = CeRules(conversions={"1": Conversion(Unit.HOUR, D(2)), "2": Conversion(Unit.HOUR, D("0.5"))})
    assert credits_for("1", hours=D(8), settings=rules) == D(16)
    assert credits_for("2", hours=D(3), settings=rules) == D("1.5")
    assert code_of(lambda: credits_for("1", days=D(1), settings=rules)) == "ce.hours_required"
    # The rule's own conversions never change with the configuration.
    assert credits_for("4", days=D(1), settings=rules) == D(10)
    assert credits_for("3", settings=rules) == D(90)


@pytest.mark.parametrize(
    ("form", "kwargs", "code"),
    [
        ("4", {}, "ce.days_required"),
        ("2", {}, "ce.hours_required"),
        ("7", {}, "ce.role_required"),
        ("7", {"role": "editor"}, "ce.role_required"),
        ("4", {"days": D("0.3")}, "ce.bad_days"),
        ("4", {"days": D(0)}, "ce.bad_days"),
        ("2", {"hours": D("1.25")}, "ce.bad_hours"),
        ("4", {"days": D(10)}, "ce.entry_too_large"),  # 100 credits: over the standard's 90 per entry
        ("99", {}, "ce.bad_form"),
    ],
)
def test_what_a_rule_needs(form: str, kwargs: dict[str, object], code: str) -> None:
    assert code_of(lambda: credits_for(form, settings=DEFAULT_RULES, **kwargs)) == code  # type: ignore[arg-type]


# -- stated credits against the rule ----------------------------------------------------------------


def test_conference_credits_must_equal_ten_per_day() -> None:
    assert resolve_credits("4", credits=D(20), days=D(2)).credits == D(20)
    with pytest.raises(DomainError) as exc:
        resolve_credits("4", credits=D(30), days=D(2))
    assert exc.value.errors[0].code == "ce.credits_rule" and "应为 20 学分" in exc.value.errors[0].message


def test_a_stated_amount_stands_in_for_a_missing_one_only_when_unambiguous() -> None:
    assert resolve_credits("4", credits=D(20)).days == D(2)
    assert resolve_credits("4", credits=D(25)).days == D("2.5")
    assert code_of(lambda: resolve_credits("4", credits=D(23))) == "ce.credits_rule"
    assert resolve_credits("7", credits=D(30)).role == "first"
    assert resolve_credits("7", credits=D(10)).role == "other"
    assert code_of(lambda: resolve_credits("7", credits=D(20))) == "ce.credits_rule"
    assert resolve_credits("2", credits=D("12.5")).hours == D("12.5")


def test_fixed_forms_refuse_other_amounts_and_derive_when_blank() -> None:
    assert resolve_credits("3", credits=None).credits == D(90)
    assert code_of(lambda: resolve_credits("3", credits=D(60))) == "ce.credits_rule"
    assert code_of(lambda: resolve_credits("6", credits=D(60), role="first")) == "ce.credits_rule"


@pytest.mark.parametrize("credits", [D(0), D(-1), D("90.5"), D("10.05")])
def test_stated_credits_range_and_precision(credits: D) -> None:
    assert code_of(lambda: resolve_credits("9", credits=credits)) == "ce.bad_credits"


def test_declared_credits_are_required() -> None:
    assert code_of(lambda: resolve_credits("9", credits=None)) == "ce.credits_required"
    assert resolve_credits("9", credits=D("7.5")).credits == D("7.5")


# -- dates ----------------------------------------------------------------------------------------


def test_late_registration_closes_after_the_configured_date_of_the_next_year() -> None:
    assert check_dates(date(2025, 6, 1), None, today=date(2026, 3, 31)) == 2025  # the last day
    assert code_of(lambda: check_dates(date(2025, 6, 1), None, today=date(2026, 4, 1))) == "ce.late"
    june = CeRules(close_month=6, close_day=30)
    assert check_dates(date(2025, 6, 1), 2025, today=date(2026, 6, 30), settings=june) == 2025
    assert (
        code_of(lambda: check_dates(date(2025, 6, 1), 2025, today=date(2026, 7, 1), settings=june))
        == "ce.late"
    )


def test_future_dates_and_a_year_other_than_the_dates_are_refused() -> None:
    assert code_of(lambda: check_dates(date(2026, 2, 16), None, today=date(2026, 2, 15))) == "ce.future"
    assert code_of(lambda: check_dates(date(2025, 6, 1), 2024, today=date(2026, 2, 15))) == "ce.year_mismatch"


# -- who must, and whether they did -------------------------------------------------------------------


def test_start_year_rule_from_accounting_work() -> None:
    periods = [(date(2024, 5, 1), None)]
    assert not required_in(2024, qualified_on=[], accounting_periods=periods)  # the year work began
    assert required_in(2025, qualified_on=[], accounting_periods=periods)  # the year after
    assert not required_in(2023, qualified_on=[], accounting_periods=periods)
    assert not required_in(2025, qualified_on=[], accounting_periods=[])


def test_start_year_rule_from_a_qualification() -> None:
    assert not required_in(2023, qualified_on=[date(2023, 10, 1)], accounting_periods=[])
    assert required_in(2024, qualified_on=[date(2023, 10, 1)], accounting_periods=[])
    assert required_in(2024, qualified_on=[date(2023, 1, 1)], accounting_periods=[(date(2024, 3, 1), None)])


def test_without_a_qualification_only_years_of_accounting_work_count() -> None:
    left = [(date(2015, 1, 1), date(2022, 6, 30))]
    assert required_in(2022, qualified_on=[], accounting_periods=left)
    assert not required_in(2023, qualified_on=[], accounting_periods=left)
    back = [*left, (date(2025, 9, 1), None)]
    assert required_in(2025, qualified_on=[], accounting_periods=back)  # began in 2015: no new start year


@pytest.mark.parametrize(
    ("professional", "public", "met"),
    [
        (D(89), D(0), False),  # 89 credits
        (D(90), D(0), True),  # 90 credits
        (D(60), D(30), True),  # 专业 exactly 2/3
        (D(59), D(31), False),
        (D("59.9"), D("30.1"), False),
        (D("60.1"), D(30), True),  # 60.1 of 90.1: 180.3 ≥ 180.2
        (D(60), D("30.1"), False),  # 60 of 90.1: 180 < 180.2
        (D(100), D(50), True),  # 2/3 of 150
        (D(99), D(51), False),  # 专业 ≥ 60 is not enough: it is 2/3 of the total
    ],
)
def test_compliance_boundaries(professional: D, public: D, met: bool) -> None:
    c = compliance(2025, [("1", professional), ("2", public)], required=True)
    assert c.met is met
    assert c.total == professional + public


def test_what_is_missing_in_chinese() -> None:
    c = compliance(2025, [("1", D(52)), ("2", D(26))], required=True)
    assert c.summary() == "还差 12 学分，其中专业科目还差 8 学分"
    assert compliance(2025, [], required=True).summary() == "还差 90 学分，其中专业科目还差 60 学分"
    assert compliance(2025, [("2", D(90))], required=True).summary() == "还差 180 学分，均须为专业科目"
    assert (
        compliance(2025, [("1", D(85))], required=True).summary() == "还差 5 学分（专业科目或公需科目均可）"
    )
    assert compliance(2025, [("1", D(60)), ("2", D(30))], required=True).summary() == "已达标"
    assert compliance(2025, [("1", D("59.5")), ("2", D(30))], required=True).summary() == (
        "还差 0.5 学分，均须为专业科目"
    )


def test_missing_amounts_are_exactly_enough() -> None:
    for prof in range(0, 120, 7):
        for pub in range(0, 120, 11):
            c = YearCompliance(2025, True, D(prof + pub), D(prof))
            after = YearCompliance(
                2025, True, c.total + c.missing_total, c.professional + c.missing_professional
            )
            assert after.met, (prof, pub)
            assert c.met == (c.missing_total == 0)


def test_not_required_year_says_so() -> None:
    c = compliance(2024, [("1", D(10))], required=False)
    assert c.status_label == "无需参加" and c.summary().startswith("本年度无需参加继续教育")


def test_fmt() -> None:
    assert fmt(D(12)) == "12" and fmt(D("12.50")) == "12.5" and fmt(D("0.1")) == "0.1"
