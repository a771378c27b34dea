"""Reads of extension items and values. Values are read for a person the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from registry.people.models import Person
from registry.standard.errors import FieldError

from .models import ExtensionItem, ExtensionValue
from .values import shown, typed


@dataclass(frozen=True)
class Row:
    item: ExtensionItem
    value: str | None  # as stored
    text: str  # as shown


def items_all() -> QuerySet[ExtensionItem]:
    return ExtensionItem.objects.order_by("order", "id")


def items_for(category: str | None) -> list[ExtensionItem]:
    """The active items a person of this category fills in (all active ones when None)."""
    return [i for i in items_all().filter(active=True) if category is None or i.applies_to(category)]


def stored_values(person: Person) -> dict[str, str]:
    return dict(ExtensionValue.objects.filter(person=person).values_list("item__key", "value"))


def person_rows(person: Person) -> list[Row]:
    """Each item that applies to the person, and any other item the person has a value for."""
    stored = stored_values(person)
    return [
        Row(item, stored.get(item.key), shown(item, stored.get(item.key)))
        for item in items_all()
        if item.key in stored or (item.active and item.applies_to(person.category))
    ]


def snapshot_section(person: Person) -> dict[str, Any]:
    """The standard's `extensions` section: {key: typed value} of every stored value."""
    rows = ExtensionValue.objects.filter(person=person).select_related("item").order_by("item__key")
    return {row.item.key: typed(row.item, row.value) for row in rows}


def extension_problems(person: Person) -> list[FieldError]:
    """Required items still empty (for the collection's submission check)."""
    stored = stored_values(person)
    return [
        FieldError("extensions.required", f"extensions.{item.key}", f"请填写{item.label}")
        for item in items_for(person.category)
        if item.required and not stored.get(item.key)
    ]
