"""Where the module apps (above `people`) plug into the person's pages and the list filters.

A module registers in its AppConfig.ready(); `people` never imports a module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Person


@dataclass(frozen=True)
class Tab:
    """A tab on the staff detail page and on the person's own page."""

    key: str
    label: str
    template: str
    context: Callable[[HttpRequest, Person], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class ListFilter:
    """An extra filter of the staff list: choices for the select, and how a value narrows the rows."""

    key: str
    label: str
    choices: Callable[[], list[tuple[str, str]]]
    apply: Callable[[QuerySet[Person], str], QuerySet[Person]]


@dataclass(frozen=True)
class Badge:
    """A short label shown next to a person's name wherever the person appears (list rows, detail
    header, review pages). `texts` answers for a whole page of people in one query: pk → text."""

    key: str
    texts: Callable[[list[Person]], dict[int, str]]


TABS: dict[str, Tab] = {}
FILTERS: dict[str, ListFilter] = {}
BADGES: dict[str, Badge] = {}


def register_badge(badge: Badge) -> None:
    BADGES[badge.key] = badge


def register_tab(tab: Tab) -> None:
    TABS[tab.key] = tab


def register_filter(list_filter: ListFilter) -> None:
    FILTERS[list_filter.key] = list_filter


def tabs() -> list[Tab]:
    return sorted(TABS.values(), key=lambda t: (t.order, t.key))


# Called with the person, inside the writing transaction, after every write to a person (a service's
# person_journal, or the hub applying a reported record). Statistics keep their aggregates here.
WRITE_LISTENERS: list[Callable[[Person], None]] = []
# A listener may also take many people at once (bulk imports, the hub applying a batch).
BATCH_LISTENERS: dict[Callable[[Person], None], Callable[[list[Person]], None]] = {}


def register_write_listener(
    listener: Callable[[Person], None], batch: Callable[[list[Person]], None] | None = None
) -> None:
    if listener not in WRITE_LISTENERS:
        WRITE_LISTENERS.append(listener)
    if batch is not None:
        BATCH_LISTENERS[listener] = batch


def person_written(person: Person) -> None:
    for listener in WRITE_LISTENERS:
        listener(person)


def people_written(persons: list[Person]) -> None:
    """The same as person_written for each, in one go where a listener can."""
    if not persons:
        return
    for listener in WRITE_LISTENERS:
        batch = BATCH_LISTENERS.get(listener)
        if batch is not None:
            batch(persons)
        else:
            for person in persons:
                listener(person)


# Asked before every write to a person (person_journal): a guard returns why the record may not
# change now (e.g. a transfer has handed it to the hub), or None. `action` lets a workflow's own
# steps through.
WRITE_GUARDS: list[Callable[[Person, str], str | None]] = []


def register_write_guard(guard: Callable[[Person, str], str | None]) -> None:
    if guard not in WRITE_GUARDS:
        WRITE_GUARDS.append(guard)


def write_refusal(person: Person, action: str) -> str | None:
    for guard in WRITE_GUARDS:
        reason = guard(person, action)
        if reason:
            return reason
    return None
