"""One entry's input, checked the same way on every route: parse, apply the rules, then the standard."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from registry.core.errors import DomainError
from registry.standard import record as std
from registry.standard.codes import load_table
from registry.standard.errors import FieldError
from registry.standard.validation import field_errors

from .rules import BY_ROLE, CeRules, Resolved, check_dates, resolve_credits, to_decimal

DATE_SHAPES = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
MAX_TEXT = 100


@dataclass(frozen=True)
class EntryInput:
    held_on: date
    year: int | None
    form: str
    subject: str
    credits: Decimal | None
    days: Decimal | None
    hours: Decimal | None
    role: str | None
    provider: str
    title: str


@dataclass(frozen=True)
class Checked:
    """An entry that passed every rule: what will be written."""

    item: std.ContinuingEducationEntry
    resolved: Resolved
    title: str

    @property
    def key(self) -> tuple[date, str, str, Decimal, str]:
        """The natural key (with the person): date, form, subject, credits, provider."""
        return (
            self.item.held_on,
            self.item.form,
            self.item.subject,
            self.resolved.credits,
            self.item.provider or "",
        )


def parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for shape in DATE_SHAPES:
        if m := shape.match(text):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None
    return None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value).strip()


def parse_entry(data: Mapping[str, Any]) -> EntryInput:
    """Typed input from a form, an API body or a batch row (codes, not names); every error at once."""
    errors: list[FieldError] = []
    held_on = parse_date(data.get("held_on"))
    if held_on is None:
        message = "请填写日期" if not _text(data, "held_on") else "日期格式应为 YYYY-MM-DD，且为真实日期"
        errors.append(FieldError("ce.bad_date", "held_on", message))
    year: int | None = None
    if _text(data, "year"):
        raw_year = _text(data, "year").removesuffix("年")
        if raw_year.isdigit() and 1990 <= int(raw_year) <= 2100:
            year = int(raw_year)
        else:
            errors.append(FieldError("ce.bad_year", "year", "年度应为四位年份，如 2025"))
    form, subject = _text(data, "form"), _text(data, "subject")
    if not load_table("ce_form").contains(form):
        message = "请选择继续教育形式" if not form else f"继续教育形式“{form}”不在代码表中"
        errors.append(FieldError("ce.bad_form", "form", message))
    if not load_table("ce_subject").contains(subject):
        message = "请选择科目类别" if not subject else f"科目类别“{subject}”应为专业科目或公需科目"
        errors.append(FieldError("ce.bad_subject", "subject", message))
    numbers: dict[str, Decimal | None] = {}
    for key, label in (("credits", "学分"), ("days", "天数"), ("hours", "学时")):
        raw = _text(data, key)
        numbers[key] = to_decimal(raw) if raw else None
        if raw and numbers[key] is None:
            errors.append(FieldError(f"ce.bad_{key}", key, f"{label}应为数字"))
    role = _text(data, "role") or None
    if role is not None and (form not in BY_ROLE or role not in BY_ROLE[form]):
        errors.append(FieldError("ce.bad_role", "role", "本人角色不适用于该形式"))
    provider, title = _text(data, "provider"), _text(data, "title")
    for key, value, label in (("provider", provider, "举办单位"), ("title", title, "项目名称")):
        if len(value) > MAX_TEXT:
            errors.append(FieldError("ce.too_long", key, f"{label}不超过 {MAX_TEXT} 个字"))
    if errors:
        raise DomainError(errors)
    assert held_on is not None
    return EntryInput(
        held_on=held_on,
        year=year,
        form=form,
        subject=subject,
        credits=numbers["credits"],
        days=numbers["days"],
        hours=numbers["hours"],
        role=role,
        provider=provider,
        title=title,
    )


def check_entry(inp: EntryInput, *, route: str, rules: CeRules, today: date) -> Checked:
    """Dates and the late-registration close, credits by the rule, then the standard's item."""
    errors: list[FieldError] = []
    try:
        year = check_dates(inp.held_on, inp.year, today=today, settings=rules)
    except DomainError as exc:
        errors += exc.errors
        year = inp.held_on.year
    try:
        resolved = resolve_credits(
            inp.form, credits=inp.credits, days=inp.days, hours=inp.hours, role=inp.role, settings=rules
        )
    except DomainError as exc:
        errors += exc.errors
    if errors:
        raise DomainError(errors)
    try:
        item = std.ContinuingEducationEntry.model_validate(
            {
                "year": year,
                "held_on": inp.held_on,
                "form": inp.form,
                "subject": inp.subject,
                "credits": float(resolved.credits),
                "provider": inp.provider or None,
                "route": route,
            }
        )
    except ValidationError as exc:
        raise DomainError(field_errors(exc)) from exc
    return Checked(item=item, resolved=resolved, title=inp.title)
