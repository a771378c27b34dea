"""Where 继续教育 plugs into the person: the snapshot section, the detail tab, the list filter."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.people.hooks import ListFilter, Tab, register_filter, register_tab
from registry.people.models import Person
from registry.people.snapshot import register_section
from registry.standard import record as std

from .models import EntryStatus
from .replica import replace_from_record
from .replica_many import read_many, write_many
from .selectors import filter_apply, filter_choices, person_years
from .show import labels


def section(person: Person) -> list[std.ContinuingEducationYear]:
    """The record's 继续教育: years with approved entries, and recent years in which it is required.

    Pending and returned self-reports are not part of the record."""
    out = []
    for view in person_years(person):
        approved = [e for e in view.entries if e.status == EntryStatus.APPROVED]
        c = view.compliance
        if not approved and not c.required:
            continue
        out.append(
            std.ContinuingEducationYear.model_construct(
                year=c.year,
                required=c.required,
                total=float(c.total),
                professional=float(c.professional),
                compliant=c.met,
                entries=[
                    std.ContinuingEducationEntry.model_construct(
                        year=e.year,
                        held_on=e.held_on,
                        form=e.form,
                        subject=e.subject,
                        credits=float(e.credits),
                        provider=e.provider or None,
                        route=e.route,
                    )
                    for e in sorted(approved, key=lambda e: (e.held_on, e.id))
                ],
            )
        )
    return out


def tab_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "years": person_years(person),
        "is_own": person.user_id is not None and person.user_id == request.user.pk,
        "can_register": actor_has_perm(request.user, Perm.EDIT_PEOPLE, person.agency),
        **labels(),
    }


def register() -> None:
    register_section(
        "continuing_education", section, replace_from_record, read_many=read_many, write_many=write_many
    )
    register_tab(
        Tab("continuing_education", "继续教育", "continuing_education/_tab.html", tab_context, order=20)
    )
    register_filter(ListFilter("ce", "继续教育", filter_choices, filter_apply))
