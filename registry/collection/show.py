"""Small helpers for the portal's pages: the step list, and service errors placed on form fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from registry.core.errors import DomainError
from registry.people.models import Person


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url_name: str


def steps_for(person: Person) -> list[Step]:
    middle = {"1": "工作经历", "2": "学籍信息"}.get(person.category)
    steps = [
        Step("pledge", "承诺函", "portal:pledge"),
        Step("basic", "基本信息", "portal:basic"),
        Step("education", "学历信息", "portal:education"),
    ]
    if middle:
        steps.append(Step("work", middle, "portal:work"))
    steps += [
        Step("proofs", "证明材料", "portal:proofs"),
        Step("agency", "审核机构", "portal:agency"),
        Step("submit", "核对提交", "portal:submit"),
    ]
    return steps


def attach_errors(target: Any, exc: DomainError) -> None:
    """Put each service error next to its field: `identity.mobile` → field `mobile`,
    `education.1.school` → row 1's `school`; anything else goes to the top of the form."""
    for error in exc.errors:
        parts = error.field.split(".")
        if isinstance(target, forms.BaseFormSet):
            if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(target.forms):
                row = target.forms[int(parts[1])]
                if parts[2] in row.fields:
                    row.add_error(parts[2], error.message)
                    continue
            target._non_form_errors = [*target.non_form_errors(), error.message]  # type: ignore[attr-defined]
            continue
        name = parts[-1]
        field = target.fields.get(name)
        if field is None or field.widget.is_hidden:
            target.add_error(None, error.message)
        elif not target.has_error(name):
            target.add_error(name, error.message)
