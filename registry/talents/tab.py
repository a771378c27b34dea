"""The 高端会计人才 tab on the staff detail page, read-only on the person's own page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.core.errors import NotVisible
from registry.people.models import Person

from .models import TalentStatus
from .selectors import talents_of


def tab_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    actor = request.user
    try:
        rows = list(talents_of(actor, person))
    except NotVisible:
        rows = []
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    return {
        "person": person,
        "rows": rows,
        "can_edit": not own and actor_has_perm(actor, Perm.EDIT_PEOPLE, person.agency),
        "training": TalentStatus.TRAINING,
        "next": request.get_full_path(),
    }
