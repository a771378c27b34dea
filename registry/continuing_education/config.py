"""Each provincial body's 继续教育 configuration, read into the pure `rules.CeRules`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from django.utils import timezone

from registry.core.errors import DomainError
from registry.orgs.models import Agency, Level
from registry.standard.errors import FieldError

from .models import Settings
from .rules import (
    CONFIGURABLE,
    DEFAULT_RULES,
    MAX_PER_ENTRY,
    STEP,
    CeRules,
    Conversion,
    Unit,
    fmt,
    to_decimal,
)


def today() -> date:
    """The registry's current date (Asia/Shanghai); one place, so tests can set it."""
    return timezone.localdate()


def body_code(agency: Agency) -> str:
    """The provincial body above (or at) an agency: the second code of its path."""
    parts = [p for p in agency.path.split("/") if p]
    return parts[1] if len(parts) > 1 else agency.code


def body_of(agency: Agency) -> Agency | None:
    return Agency.objects.filter(code=body_code(agency), level=Level.PROVINCIAL).first()


def conversions_from(raw: dict[str, Any]) -> dict[str, Conversion]:
    """The stored JSON read leniently: anything unreadable falls back to the default of its form."""
    out = dict(DEFAULT_RULES.conversions)
    for form in CONFIGURABLE:
        item = raw.get(form)
        if not isinstance(item, dict):
            continue
        try:
            unit = Unit(str(item.get("unit") or ""))
        except ValueError:
            continue
        credits = to_decimal(item.get("credits")) or Decimal(0)
        if unit == Unit.DECLARED or credits > 0:
            out[form] = Conversion(unit, credits if unit != Unit.DECLARED else Decimal(0))
    return out


def rules_of(row: Settings | None) -> CeRules:
    if row is None:
        return DEFAULT_RULES
    return CeRules(
        conversions=MappingProxyType(conversions_from(row.conversions or {})),
        close_month=row.close_month,
        close_day=row.close_day,
    )


def rules_for(agency: Agency) -> CeRules:
    """The rules that apply to people managed under `agency`."""
    return rules_of(Settings.objects.filter(agency__code=body_code(agency)).first())


def conversions_json(conversions: dict[str, Conversion]) -> dict[str, dict[str, str]]:
    return {
        form: {
            "unit": conv.unit.value,
            **({"credits": str(conv.credits)} if conv.unit != Unit.DECLARED else {}),
        }
        for form, conv in conversions.items()
        if form in CONFIGURABLE
    }


def parse_settings(data: Mapping[str, Any]) -> tuple[dict[str, dict[str, str]], int, int]:
    """The settings page's input checked: a unit per configurable form, a rate for day and hour
    units, and a close date valid in every year (so not 29 February). Every error at once."""
    errors: list[FieldError] = []
    conversions: dict[str, dict[str, str]] = {}
    raw = data.get("conversions") or {}
    for form in CONFIGURABLE:
        item = raw.get(form) or {}
        try:
            unit = Unit(str(item.get("unit") or ""))
        except ValueError:
            errors.append(FieldError("ce.bad_unit", f"conversions.{form}.unit", "请选择折算方式"))
            continue
        if unit == Unit.DECLARED:
            conversions[form] = {"unit": unit.value}
            continue
        rate = to_decimal(item.get("credits"))
        if rate is None or rate <= 0 or rate > MAX_PER_ENTRY or rate != rate.quantize(STEP):
            message = "折算学分应大于 0、不超过 90，最多一位小数"
            errors.append(FieldError("ce.bad_rate", f"conversions.{form}.credits", message))
            continue
        conversions[form] = {"unit": unit.value, "credits": fmt(rate)}
    month, day = to_decimal(data.get("close_month")), to_decimal(data.get("close_day"))
    try:
        if (
            month is None
            or day is None
            or month != month.to_integral_value()
            or day != day.to_integral_value()
        ):
            raise ValueError
        date(2001, int(month), int(day))
    except ValueError:
        message = "补登截止日期应为次年的一个有效日期（不含 2 月 29 日）"
        errors.append(FieldError("ce.bad_close_date", "close_date", message))
    if errors:
        raise DomainError(errors)
    assert month is not None and day is not None
    return conversions, int(month), int(day)
