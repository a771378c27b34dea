"""The set-based forms of the section's reader and writer, for many people at once (a province's
full resync, the hub applying a batch): `selectors.snapshot_section` and `replica.replace_from_record`
person by person, in a few queries for the whole list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from registry.core.errors import DomainError
from registry.people.models import Person

from .models import ExtensionItem, ExtensionValue
from .replica import Value, checked_values, stand_ins, text_of
from .values import typed


def read_many(persons: Sequence[Person]) -> dict[int, dict[str, Any]]:
    """{person.pk: snapshot_section(person)} in two queries: the values (by key, as the reader
    orders them) and their items."""
    out: dict[int, dict[str, Any]] = {p.pk: {} for p in persons}
    rows = list(
        ExtensionValue.objects.filter(person_id__any=list(out))
        .order_by("item__key")
        .values_list("person_id", "item_id", "value")
    )
    items = ExtensionItem.objects.in_bulk({item_id for _, item_id, _ in rows})
    for person_id, item_id, value in rows:
        item = items[item_id]
        out[person_id][item.key] = typed(item, value)
    return out


def write_many(items: Sequence[tuple[Person, Mapping[str, Value]]]) -> dict[int, DomainError]:
    """`replace_from_record(person, section)` for each item in order: the stand-ins of every key the
    node lacks added at once (typed by the first value of the list, as the first writer would), one
    lookup of the items, one delete and one insert. Returns the refused persons (a key no province
    could define; nothing of theirs written)."""
    refused: dict[int, DomainError] = {}
    accepted: list[tuple[Person, dict[str, str | int | float | bool]]] = []
    first: dict[str, str | int | float | bool] = {}  # each key's first value: it types a stand-in
    for person, section in items:
        values, errors = checked_values(section)
        if errors:
            refused[person.pk] = DomainError(errors)
            continue
        accepted.append((person, values))
        for key, value in values.items():
            first.setdefault(key, value)
    if first:
        stand_ins(first)
    known = {i.key: i for i in ExtensionItem.objects.filter(key__in=first)} if first else {}
    if accepted:
        ExtensionValue.objects.filter(person_id__any=[p.pk for p, _ in accepted]).delete()
        ExtensionValue.objects.bulk_create(
            [
                ExtensionValue(person=person, item=known[key], value=text_of(value))
                for person, values in accepted
                for key, value in values.items()
            ]
        )
    return refused
