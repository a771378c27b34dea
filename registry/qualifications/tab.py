"""The 专业技术资格 tab on the staff detail page and on the person's own page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.core.errors import NotVisible
from registry.people.models import Person
from registry.standard.codes import load_table

from .models import QualificationStatus
from .selectors import highest_level_label, qualifications_of
from .services import is_owner


def code_labels() -> dict[str, dict[str, str]]:
    return {
        "level": dict(load_table("qualification_level").choices(include_retired=True)),
        "route": dict(load_table("qualification_route").choices(include_retired=True)),
    }


def tab_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    actor = request.user
    try:
        rows = list(qualifications_of(actor, person))
    except NotVisible:
        rows = []
    own = is_owner(actor, person)
    return {
        "person": person,
        "rows": rows,
        "own": own,
        "highest": highest_level_label(person),
        "labels": code_labels(),
        "can_add": not own and actor_has_perm(actor, Perm.EDIT_PEOPLE, person.agency),
        "can_review": not own and actor_has_perm(actor, Perm.REVIEW, person.agency),
        "pending": QualificationStatus.PENDING,
        "next": request.get_full_path(),
    }
