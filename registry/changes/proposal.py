"""Checking a proposal up front, through the standard, exactly as `person_update` will apply it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.people.services import identity_from_input
from registry.people.snapshot import person_record
from registry.standard import record as std
from registry.standard.errors import FieldError
from registry.standard.identity import check_identity
from registry.standard.validation import field_errors

from .diff import Change, Labeller, changed_paths, diff
from .models import Group
from .rules import needs_proof

NO_CHANGE = "所提交的内容与当前信息相同，无需申请变更"


@dataclass(frozen=True)
class Proposal:
    group: str
    new: Any  # the group's new value in the standard's JSON form
    old: Any  # the group's current value, the same form
    changes: list[Change]
    needs_proof: bool


def record_json(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = person_record(person).model_dump(mode="json")
    return data


def current_group(person: Person, group: str) -> Any:
    """The group as the standard reads it now (validated where the record allows, so a proposal
    is compared with the same normal form it was checked into)."""
    data = record_json(person)
    try:
        return std.PersonRecord.model_validate(data).model_dump(mode="json")[group]
    except ValidationError:
        return data[group]


def _identity(current: dict[str, Any], proposed: dict[str, Any]) -> dict[str, Any]:
    """Merge over the current identity; birth date and sex come from the number when it carries them
    (a corrected number brings its own), as in `person_update`."""
    merged = {**current, **proposed}
    result = check_identity(
        str(merged.get("document_type") or ""),
        str(merged.get("archive_no") or ""),
        merged.get("nationality") or None,
    )
    if result.valid:
        if result.birth_date is not None:
            merged.pop("birth_date", None)
        if result.sex is not None:
            merged.pop("sex", None)
    return identity_from_input(merged)


def _shape_error(group: str) -> DomainError:
    return DomainError.single("changes.bad_proposal", group, "变更内容格式不正确")


def check_proposal(person: Person, group: str, proposed: Any) -> Proposal:
    """The would-be record (current record, this group replaced) must pass the standard, and must
    differ from the current value. Raises DomainError with the standard's field errors."""
    if group not in Group.values:
        raise DomainError.single("changes.bad_group", "group", "请选择要变更的信息类别")
    data = record_json(person)
    if group == Group.IDENTITY:
        if not isinstance(proposed, dict):
            raise _shape_error(group)
        data[group] = _identity(data[group], proposed)
    elif group in (Group.EDUCATION, Group.WORK):
        if not isinstance(proposed, list) or not all(isinstance(r, dict) for r in proposed):
            raise _shape_error(group)
        data[group] = proposed
    else:
        if proposed is not None and not isinstance(proposed, dict):
            raise _shape_error(group)
        data[group] = proposed
    try:
        record = std.PersonRecord.model_validate(data)
    except ValidationError as exc:
        raise DomainError(
            FieldError(e.code, group if e.field == "record" else e.field, e.message)
            for e in field_errors(exc)
        ) from exc
    new = record.model_dump(mode="json")[group]
    old = current_group(person, group)
    paths = changed_paths(old, new, (group,))
    if not paths:
        raise DomainError.single("changes.no_change", group, NO_CHANGE)
    return Proposal(
        group=group,
        new=new,
        old=old,
        changes=diff(old, new, (group,), Labeller()),
        needs_proof=needs_proof(group, paths),
    )
