"""`{% person_badges person page.rows %}`: the module badges (people.hooks.BADGES) of one person."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html_join

from registry.people.hooks import BADGES
from registry.people.models import Person

register = template.Library()
CACHE = "people_badges"


@register.simple_tag(takes_context=True)
def person_badges(
    context: template.Context, person: Person | None, rows: Iterable[Person] | None = None
) -> str:
    if person is None or person.pk is None or not BADGES:
        return ""
    cache: dict[int, list[str]] = context.render_context.get(CACHE) or {}
    if person.pk not in cache:
        # First badge of a page: answer for every row at once, one query per module.
        batch = [p for p in (rows or []) if getattr(p, "pk", None)] or [person]
        if person not in batch:
            batch.append(person)
        answers = [badge.texts(batch) for badge in BADGES.values()]
        for p in batch:
            cache[p.pk] = [text for answer in answers if (text := answer.get(p.pk, ""))]
        context.render_context[CACHE] = cache
    return format_html_join(
        " ", '<span class="badge text-bg-light border">{}</span>', ((t,) for t in cache[person.pk])
    )
