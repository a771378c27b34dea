"""An entry's input checked once: the standard's `CreditEntry` for types, lengths and codes, then
the module's rules (dates, 守信 levels, 失信 penalties, the public period). Nothing is written here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from registry.core.errors import DomainError
from registry.standard.errors import FieldError
from registry.standard.record import CreditEntry
from registry.standard.validation import field_errors

from .models import CreditRecord, HonourLevel, Kind
from .rules import Periods, periods

FIELDS = (
    "kind",
    "item",
    "level",
    "decided_by",
    "decided_on",
    "effective_on",
    "document_no",
    "penalty",
    "basis",
    "criminal",
    "serious",
    "public_until",
)
TRUE = {True, "1", "true", "on", "yes"}


@dataclass(frozen=True)
class Entry:
    kind: str
    item: str
    level: str
    decided_by: str
    decided_on: date
    effective_on: date
    document_no: str
    penalty: str
    basis: str
    periods: Periods
    public_until: date | None

    def fields(self) -> dict[str, Any]:
        """The model's columns for this entry."""
        p = self.periods
        return {
            "kind": self.kind,
            "item": self.item,
            "level": self.level,
            "decided_by": self.decided_by,
            "decided_on": self.decided_on,
            "effective_on": self.effective_on,
            "document_no": self.document_no,
            "penalty": self.penalty,
            "basis": self.basis,
            "criminal": p.criminal,
            "serious": p.serious,
            "blacklisted_until": p.blacklisted_until,
            "blacklist_permanent": p.blacklist_permanent,
            "barred_until": p.barred_until,
            "bar_permanent": p.bar_permanent,
            "public_until": self.public_until,
        }


def record_values(record: CreditRecord) -> dict[str, Any]:
    """A record's entry values as JSON (a revision's content; also the base of a correction)."""
    out: dict[str, Any] = {}
    for name in (*FIELDS, "blacklisted_until", "blacklist_permanent", "barred_until", "bar_permanent"):
        value = getattr(record, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def clean_entry(data: Mapping[str, Any], today: date) -> Entry:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise DomainError(FieldError("credit.unknown_field", name, "不允许的数据项") for name in unknown)
    raw = {name: _text(data.get(name)) if name not in ("criminal", "serious") else None for name in FIELDS}
    try:
        std = CreditEntry.model_validate(
            {k: v for k, v in raw.items() if k not in ("criminal", "serious") and v is not None}
        )
    except ValidationError as exc:
        raise DomainError(field_errors(exc)) from exc
    criminal = data.get("criminal") in TRUE
    serious = data.get("serious") in TRUE
    honour = std.kind == Kind.HONOUR
    errors: list[FieldError] = []

    def refuse(code: str, field: str, message: str) -> None:
        errors.append(FieldError(f"credit.{code}", field, message))

    if not std.item:
        refuse("item_required", "item", "请填写奖励名称（守信）或失信行为（失信）")
    if not std.decided_by:
        refuse("decided_by_required", "decided_by", "请填写授予单位或决定机关")
    if std.decided_on > today:
        refuse("future_date", "decided_on", "决定日期不能晚于今天")
    effective_on = std.effective_on or std.decided_on
    if effective_on < std.decided_on:
        refuse("effective_before_decision", "effective_on", "生效日期不能早于决定日期")
    if honour:
        if not std.level:
            refuse("level_required", "level", "请选择奖励级别（只登记市级及以上的表彰奖励）")
        elif std.level not in HonourLevel.values:
            refuse("level_too_low", "level", "只登记市级、省级或国家级的表彰奖励")
        if std.penalty or std.basis or criminal or serious:
            refuse("not_for_honour", "penalty", "守信信息不填写处罚种类、处罚依据、刑事处罚或严重失信")
    else:
        if std.level:
            refuse("level_not_for_dishonour", "level", "失信信息不填写奖励级别")
        if not std.penalty:
            refuse("penalty_required", "penalty", "请选择处罚种类")
    found = periods(
        dishonour=not honour,
        penalty=std.penalty or "",
        criminal=criminal,
        serious=serious,
        decided_on=std.decided_on,
        effective_on=effective_on,
    )
    public_until = std.public_until
    if not honour and public_until is None and not found.serious:
        refuse("public_until_required", "public_until", "请填写失信信息的公开期限")
    elif not honour and public_until is None:
        public_until = found.blacklisted_until  # the blacklist's end; none when permanent
    if public_until is not None and public_until < effective_on:
        refuse("public_before_effective", "public_until", "公开期限不能早于生效日期")
    if errors:
        raise DomainError(errors)
    return Entry(
        kind=std.kind,
        item=std.item,
        level=std.level or "",
        decided_by=std.decided_by,
        decided_on=std.decided_on,
        effective_on=effective_on,
        document_no=std.document_no or "",
        penalty=std.penalty or "",
        basis=std.basis or "",
        periods=found,
        public_until=public_until,
    )
