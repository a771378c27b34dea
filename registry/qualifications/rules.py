"""The rules a qualification must meet, checked through the standard's `Qualification` model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from pydantic import ValidationError

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard import record as std
from registry.standard.codes import load_table
from registry.standard.errors import FieldError
from registry.standard.validation import field_errors

from .models import ACTIVE_STATES, EXAM_ROUTE, Qualification

FIELDS = (
    "level",
    "title",
    "route",
    "obtained_on",
    "certificate_no",
    "issuer",
    "appointed_title",
    "appointed_on",
)
# Before the 2019 reform 初级 also had the title 会计员 (the code table's note): imports keep it.
LEGACY_TITLES = {"1": frozenset({"会计员"})}


def level_title(level: str) -> str | None:
    entry = load_table("qualification_level").get(level)
    return str(entry.extra["title"]) if entry is not None and "title" in entry.extra else None


def level_rank(level: str) -> int:
    entry = load_table("qualification_level").get(level)
    return entry.rank if entry is not None and entry.rank is not None else 99


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in FIELDS:
        value = data.get(key)
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, ""):
            out[key] = value
    if "title" not in out and "level" in out and (title := level_title(str(out["level"]))):
        out["title"] = title  # the title follows from the level: nobody types it twice
    return out


def check_qualification(person: Person, data: Mapping[str, Any], prefix: str = "") -> std.Qualification:
    """The standard's item, or DomainError naming every broken rule (fields prefixed for batch rows)."""
    try:
        item = std.Qualification.model_validate(_clean(data))
    except ValidationError as exc:
        raise DomainError(field_errors(exc, prefix.rstrip("."))) from exc
    today = timezone.localdate()
    errors: list[FieldError] = []

    def err(code: str, field: str, message: str) -> None:
        errors.append(FieldError(f"qualification.{code}", prefix + field, message))

    expected = level_title(item.level)
    if item.title != expected and item.title not in LEGACY_TITLES.get(item.level, ()):
        level_name = load_table("qualification_level").label(item.level)
        err("title_mismatch", "title", f"资格名称与级别不符：{level_name}对应“{expected}”")
    if not item.certificate_no:
        err("certificate_required", "certificate_no", "请填写证书编号或批文号")
    if item.obtained_on > today:
        err("future_date", "obtained_on", "取得日期不能晚于今天")
    elif item.obtained_on <= person.birth_date:
        err("before_birth", "obtained_on", "取得日期不能早于出生日期")
    if item.appointed_on is not None:
        if item.appointed_on > today:
            err("future_date", "appointed_on", "聘任日期不能晚于今天")
        elif item.appointed_on < item.obtained_on:
            err("appointed_before_obtained", "appointed_on", "聘任日期不能早于资格取得日期")
        if not item.appointed_title:
            err("appointed_title_required", "appointed_title", "填写聘任日期时请同时填写聘任职务")
    if errors:
        raise DomainError(errors)
    return item


def duplicate_errors(person: Person, item: std.Qualification, prefix: str = "") -> list[FieldError]:
    """A certificate already on file: for this person, or (an exam certificate) for anybody.
    The message never says whose."""
    active = Qualification.objects.filter(status__in=ACTIVE_STATES, certificate_no=item.certificate_no)
    field = prefix + "certificate_no"
    if active.filter(person=person).exists():
        return [FieldError("qualification.duplicate", field, "该人员已登记此证书编号（或批文号）的资格")]
    if item.route == EXAM_ROUTE and active.filter(route=EXAM_ROUTE).exists():
        return [FieldError("qualification.duplicate", field, "该考试证书编号已登记，不能重复登记")]
    return []
