"""The 会计工作 bar wherever a person appears: `{% load credit_tags %}{% credit_bar_badge person %}`.

On a list, pass the rows as well (`{% credit_bar_badge p page.rows %}`): the first row then reads
every row's flags in one query and the others reuse them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from registry.people.models import Person

from .. import clock
from ..selectors import NO_FLAGS, BarStatus, CreditFlags, bar_status, credit_flags

register = template.Library()
CACHE = "credit_flags"


@register.inclusion_tag("credit/_bar_badge.html", takes_context=True)
def credit_bar_badge(
    context: template.Context, person: Person | None, rows: Iterable[Person] | None = None
) -> dict[str, Any]:
    if person is None or person.pk is None:
        return {"flags": NO_FLAGS}
    cache: dict[int, CreditFlags] = context.render_context.get(CACHE) or {}
    if person.pk not in cache:
        batch = [p for p in (rows or []) if getattr(p, "pk", None)] or [person]
        if person not in batch:
            batch.append(person)
        cache.update(credit_flags(batch, clock.today()))
        context.render_context[CACHE] = cache
    return {"flags": cache.get(person.pk, NO_FLAGS)}


@register.filter
def credit_bar(person: Person) -> BarStatus:
    """The person's bar today, for a template that lays it out itself."""
    return bar_status(person, clock.today())
