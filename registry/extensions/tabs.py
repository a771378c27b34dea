"""The 省级扩充项 tab on the person's detail page and on the person's own page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from registry.accounts.selectors import actor_is_staff
from registry.people.hooks import Tab
from registry.people.models import Person
from registry.people.services import person_may_edit

from .portal import extension_form
from .selectors import person_rows


def tab_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    editable = actor_is_staff(request.user) and person_may_edit(request.user, person)
    return {
        "person": person,
        "rows": person_rows(person),
        "form": extension_form(person) if editable else None,
    }


TAB = Tab("extensions", "省级扩充项", "extensions/_tab.html", tab_context, order=70)
