"""The module's tabs on the person's detail page and the person's own page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff
from registry.people.hooks import Tab
from registry.people.models import Person

from .history import record_history
from .selectors import person_requests

TAB_VERSIONS = 10


def requests_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    staff = actor_is_staff(request.user)
    return {
        "person": person,
        "rows": list(person_requests(person)[:50]),
        "staff": staff,
        "can_review": staff and actor_has_perm(request.user, Perm.REVIEW, person.agency),
    }


def versions_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "history": record_history(person, request.user, limit=TAB_VERSIONS),
        "staff": actor_is_staff(request.user),
    }


TABS = [
    Tab("change_requests", "信息变更申请", "changes/_requests_tab.html", requests_context, order=80),
    Tab("versions", "变更历史（版本）", "changes/_versions_tab.html", versions_context, order=90),
]
