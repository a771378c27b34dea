"""继续教育 rules (《会计专业技术人员继续教育规定》财会〔2018〕10号; DOMAIN.md §4). Pure Python.

Nothing here touches Django or the database, so every route (agency entry, batch file,
self-report), the selectors and the tests share one definition:

- :func:`credits_for` — the credits an activity earns: the fixed conversions of the rule
  (exam subject or degree course 90; conference 10 a day; research 90 lead / 60 others;
  paper 30 sole or first author / 10 others; book 90 / 60) and, for training, the
  province's configuration (:class:`CeRules`).
- :func:`resolve_credits` — checks stated credits against :func:`credits_for`, or derives
  them; :func:`check_dates` — no future dates, no year but the date's own, and the
  late-registration close date of the year.
- :func:`required_in` and :func:`compliance` — the start-year rule and the annual test:
  total ≥ 90 and 专业科目 ≥ 2/3 of the total, per year, with no carry-over.

Credits are :class:`~decimal.Decimal` with one decimal place; comparisons use exact
arithmetic (``3 × 专业 ≥ 2 × 合计``), never floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from registry.core.errors import DomainError
from registry.standard.codes import load_table
from registry.standard.errors import FieldError

REQUIRED_TOTAL = Decimal(90)
MAX_PER_ENTRY = Decimal(90)  # the standard's cap on one entry (ContinuingEducationEntry.credits)
STEP = Decimal("0.1")
HALF_DAY = Decimal("0.5")

# ce_form codes
FACE_TO_FACE, ONLINE, EXAM, CONFERENCE, DEGREE, RESEARCH, PAPER, BOOK, OTHER = (str(n) for n in range(1, 10))
# ce_subject codes
PROFESSIONAL, PUBLIC = "1", "2"

FIXED: Mapping[str, Decimal] = MappingProxyType({EXAM: Decimal(90), DEGREE: Decimal(90)})
FIXED_PER_DAY: Mapping[str, Decimal] = MappingProxyType({CONFERENCE: Decimal(10)})
FIRST, OTHER_ROLE = "first", "other"
BY_ROLE: Mapping[str, Mapping[str, Decimal]] = MappingProxyType(
    {
        RESEARCH: {FIRST: Decimal(90), OTHER_ROLE: Decimal(60)},
        PAPER: {FIRST: Decimal(30), OTHER_ROLE: Decimal(10)},
        BOOK: {FIRST: Decimal(90), OTHER_ROLE: Decimal(60)},
    }
)
ROLE_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        RESEARCH: {FIRST: "课题主持人", OTHER_ROLE: "课题其他参与人"},
        PAPER: {FIRST: "独立作者或第一作者", OTHER_ROLE: "其他作者"},
        BOOK: {FIRST: "独著或第一作者", OTHER_ROLE: "其他作者"},
    }
)
# Forms whose hours → credits rule is the province's to set (the others are fixed by the rule).
CONFIGURABLE = (FACE_TO_FACE, ONLINE, OTHER)


class Unit(StrEnum):
    DAY = "day"
    HOUR = "hour"
    DECLARED = "declared"  # credits as stated, checked by the reviewer against the proof


UNIT_LABELS = {Unit.DAY: "按天", Unit.HOUR: "按学时", Unit.DECLARED: "按申报学分（经审核）"}


@dataclass(frozen=True)
class Conversion:
    unit: Unit
    credits: Decimal = Decimal(0)  # per day or per 学时; unused when declared


@dataclass(frozen=True)
class CeRules:
    """A province's configuration: training conversions and the late-registration close date."""

    conversions: Mapping[str, Conversion] = field(
        default_factory=lambda: MappingProxyType(
            {
                FACE_TO_FACE: Conversion(Unit.DAY, Decimal(10)),
                ONLINE: Conversion(Unit.HOUR, Decimal(1)),
                OTHER: Conversion(Unit.DECLARED),
            }
        )
    )
    close_month: int = 3
    close_day: int = 31

    def close_date(self, year: int) -> date:
        """The last day on which credits of `year` may still be registered (in year + 1)."""
        return date(year + 1, self.close_month, self.close_day)

    def unit_of(self, form: str) -> Unit | None:
        if form in FIXED_PER_DAY:
            return Unit.DAY
        if form in FIXED or form in BY_ROLE:
            return None
        conv = self.conversions.get(form)
        return conv.unit if conv else Unit.DECLARED


DEFAULT_RULES = CeRules()


def form_label(form: str) -> str:
    entry = load_table("ce_form").get(form)
    return entry.name if entry else form


def fmt(value: Decimal) -> str:
    """12 rather than 12.0; 60.5 stays 60.5."""
    text = format(value.quantize(STEP), "f")
    return text[:-2] if text.endswith(".0") else text


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from user input (str, int, Decimal), or None when it is not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _bad(code: str, fld: str, message: str) -> DomainError:
    return DomainError([FieldError(code, fld, message)])


def _whole_steps(value: Decimal, step: Decimal) -> bool:
    return (value / step) == (value / step).to_integral_value()


def _check_amount(value: Decimal, unit: Unit) -> None:
    if unit == Unit.DAY and (value <= 0 or not _whole_steps(value, HALF_DAY)):
        raise _bad("ce.bad_days", "days", "天数应为大于 0 的整数或半天（如 0.5、1、1.5）")
    if unit == Unit.HOUR and (value <= 0 or not _whole_steps(value, STEP)):
        raise _bad("ce.bad_hours", "hours", "学时应大于 0，最多一位小数")


def _cap(credits: Decimal, form: str) -> Decimal:
    if credits > MAX_PER_ENTRY:
        raise _bad(
            "ce.entry_too_large",
            "credits",
            f"{form_label(form)}一条记录折算为 {fmt(credits)} 学分，"
            f"超过每条 {fmt(MAX_PER_ENTRY)} 学分的上限，请按时间分开登记",
        )
    return credits


def credits_for(
    form: str,
    *,
    days: Decimal | None = None,
    hours: Decimal | None = None,
    role: str | None = None,
    settings: CeRules = DEFAULT_RULES,
) -> Decimal | None:
    """The credits an activity earns by the rule; None for a declared form (credits as stated).

    Raises DomainError when the activity lacks what its rule needs (days, 学时, role)."""
    if not load_table("ce_form").contains(form):
        raise _bad("ce.bad_form", "form", "继续教育形式不在代码表中")
    if form in FIXED:
        return FIXED[form]
    if form in BY_ROLE:
        if role is None or role not in BY_ROLE[form]:
            labels = "或".join(ROLE_LABELS[form].values())
            raise _bad("ce.role_required", "role", f"{form_label(form)}请注明本人是{labels}")
        return BY_ROLE[form][role]
    if form in FIXED_PER_DAY:
        conv = Conversion(Unit.DAY, FIXED_PER_DAY[form])
    else:
        conv = settings.conversions.get(form, Conversion(Unit.DECLARED))
    if conv.unit == Unit.DECLARED:
        return None
    amount = days if conv.unit == Unit.DAY else hours
    if amount is None:
        what = "天数" if conv.unit == Unit.DAY else "学时"
        raise _bad(
            f"ce.{conv.unit}s_required", f"{conv.unit}s", f"{form_label(form)}按{what}折算学分，请填写{what}"
        )
    _check_amount(amount, conv.unit)
    # A fraction below a tenth is dropped: an entry never earns more than the rule gives.
    return _cap((amount * conv.credits).quantize(STEP, rounding=ROUND_DOWN), form)


@dataclass(frozen=True)
class Resolved:
    credits: Decimal
    days: Decimal | None
    hours: Decimal | None
    role: str


def _check_stated(credits: Decimal) -> None:
    if credits <= 0 or credits > MAX_PER_ENTRY or not _whole_steps(credits, STEP):
        raise _bad("ce.bad_credits", "credits", f"学分应大于 0、不超过 {fmt(MAX_PER_ENTRY)}，最多一位小数")


def resolve_credits(
    form: str,
    *,
    credits: Decimal | None,
    days: Decimal | None = None,
    hours: Decimal | None = None,
    role: str | None = None,
    settings: CeRules = DEFAULT_RULES,
) -> Resolved:
    """The entry's credits: derived by the rule, or the stated credits when they agree with it.

    A stated amount may stand in for a missing one where the rule allows only one answer: a
    batch row with 20 credits of a conference means 2 days; 30 credits of a paper means first
    author. Anything else that disagrees with the rule is refused with the expected value."""
    if credits is not None:
        _check_stated(credits)
    unit = settings.unit_of(form) if load_table("ce_form").contains(form) else None
    if credits is not None and form in BY_ROLE and role is None:
        matches = [r for r, value in BY_ROLE[form].items() if value == credits]
        role = matches[0] if matches else None
    if (
        credits is not None
        and unit in (Unit.DAY, Unit.HOUR)
        and (days if unit == Unit.DAY else hours) is None
    ):
        rate = FIXED_PER_DAY.get(form) or settings.conversions[form].credits
        amount = credits / rate
        try:
            _check_amount(amount, unit)
        except DomainError:
            rule = (
                f"应按每天 {fmt(rate)} 学分（半天 {fmt(rate / 2)} 学分）折算"
                if unit == Unit.DAY
                else f"应按每学时 {fmt(rate)} 学分折算（学时最多一位小数）"
            )
            raise _rule_error(form, credits, rule) from None
        days, hours = (amount, hours) if unit == Unit.DAY else (days, amount)
    try:
        expected = credits_for(form, days=days, hours=hours, role=role, settings=settings)
    except DomainError as exc:
        if credits is not None and exc.errors[0].code == "ce.role_required":
            allowed = "、".join(f"{fmt(v)}（{ROLE_LABELS[form][r]}）" for r, v in BY_ROLE[form].items())
            raise _rule_error(form, credits, f"应为 {allowed}") from None
        raise
    if expected is None:
        if credits is None:
            raise _bad("ce.credits_required", "credits", f"{form_label(form)}请填写学分")
        return Resolved(credits, days, hours, role or "")
    if credits is not None and credits != expected:
        raise _rule_error(form, credits, f"按规定应为 {fmt(expected)} 学分")
    return Resolved(expected, days, hours, role or "")


def _rule_error(form: str, credits: Decimal, rule: str) -> DomainError:
    return _bad("ce.credits_rule", "credits", f"{form_label(form)}的学分填写为 {fmt(credits)}，{rule}")


def check_dates(held_on: date, year: int | None, *, today: date, settings: CeRules = DEFAULT_RULES) -> int:
    """The entry's year (that of its date); refuses future dates and registration after the close."""
    errors: list[FieldError] = []
    if held_on > today:
        errors.append(FieldError("ce.future", "held_on", "日期不能晚于今天"))
    if year is not None and year != held_on.year:
        errors.append(
            FieldError("ce.year_mismatch", "year", f"年度应与日期所在年度一致（{held_on.year} 年）")
        )
    if errors:
        raise DomainError(errors)
    close = settings.close_date(held_on.year)
    if today > close:
        raise _bad(
            "ce.late",
            "held_on",
            f"{held_on.year} 年度的继续教育学分登记已于 {close:%Y-%m-%d} 截止，不能再登记",
        )
    return held_on.year


# -- annual compliance ---------------------------------------------------------------------


def required_in(
    year: int, *, qualified_on: Iterable[date], accounting_periods: Iterable[tuple[date, date | None]]
) -> bool:
    """Whether the person must earn credits in `year` (财会〔2018〕10号 第二条, 第十二条).

    Holders of an accounting qualification from the year after they obtained it; people
    doing accounting work from the year after they first began it, in the years in which
    they are still doing it."""
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    if any(d < jan1 for d in qualified_on):
        return True
    periods = list(accounting_periods)
    began_before = any(start < jan1 for start, _ in periods)
    working = any(start <= dec31 and (end is None or end >= jan1) for start, end in periods)
    return began_before and working


@dataclass(frozen=True)
class YearCompliance:
    """One person's year. `met` is the test itself; whether it applies is `required`."""

    year: int
    required: bool
    total: Decimal
    professional: Decimal

    @property
    def public(self) -> Decimal:
        return self.total - self.professional

    @property
    def met(self) -> bool:
        return self.total >= REQUIRED_TOTAL and 3 * self.professional >= 2 * self.total

    @property
    def missing_total(self) -> Decimal:
        """The fewest credits still to earn: enough for 90, and enough 专业 for the 2/3 share."""
        return max(Decimal(0), REQUIRED_TOTAL - self.total, 2 * self.public - self.professional)

    @property
    def missing_professional(self) -> Decimal:
        """Of `missing_total`, how many must be 专业科目 (the rest may be 公需科目)."""
        final_total = self.total + self.missing_total
        need = (2 * final_total - 3 * self.professional) / 3
        return max(Decimal(0), need.quantize(STEP, rounding=ROUND_CEILING))

    @property
    def status_label(self) -> str:
        if not self.required:
            return "无需参加"
        return "已达标" if self.met else "未达标"

    def summary(self) -> str:
        """What a person reads: met, or what is still missing, in Chinese."""
        if self.met:
            return "已达标"
        total, prof = self.missing_total, self.missing_professional
        prefix = "" if self.required else "本年度无需参加继续教育；如参加，"
        if prof >= total:
            return f"{prefix}还差 {fmt(total)} 学分，均须为专业科目"
        if prof == 0:
            return f"{prefix}还差 {fmt(total)} 学分（专业科目或公需科目均可）"
        return f"{prefix}还差 {fmt(total)} 学分，其中专业科目还差 {fmt(prof)} 学分"


def compliance(year: int, entries: Iterable[tuple[str, Decimal]], *, required: bool) -> YearCompliance:
    """Totals of one year from its approved entries (subject, credits); other years never count."""
    total = professional = Decimal(0)
    for subject, credits in entries:
        total += credits
        if subject == PROFESSIONAL:
            professional += credits
    return YearCompliance(year=year, required=required, total=total, professional=professional)
