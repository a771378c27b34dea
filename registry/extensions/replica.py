"""The writer of the record's `extensions` section: the inverse of `selectors.snapshot_section`.

The hub applies reported records with it, and a destination province takes over a transferred
person with it. The caller holds the transaction, has saved the person and journals; this only
replaces rows (no audit, no outbox, no version).

Items this node does not define
-------------------------------
A hub defines no items, and a destination province defines its own. The record is the authority
on the person's values (the origin checked them against its definitions), so a value is kept
whether or not this node defines its key: for an unknown key the writer adds a *stand-in*
definition — inactive (so no form asks for it and no rule requires it), typed after the value
(boolean, integer, decimal or text), labelled with its key — and the detail page's tab shows
the value (`selectors.person_rows` lists every item the person has a value for). A province admin
may later give a stand-in a proper label and definition. Values are stored as they came, not
re-checked against this node's definition of the same key (which may differ from the origin's);
the next edit through `services.extension_values_set` checks them as usual.

The stored text is chosen so that `values.typed` gives the value back. What cannot round-trip is
a value whose JSON type differs from this node's definition of its key (a number under a text
item comes back as text, a number-looking text under a number item as a number): one node holds
one definition per key, while keys are each province's own (at the hub, two provinces may use
one key differently: the first value seen types the stand-in).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard.errors import FieldError

from .definitions import KEY, MAX_TEXT
from .models import ExtensionItem, ExtensionValue, ItemType

Value = str | int | float | bool | None
STAND_IN_HELP = "由上报或调入的记录带入，本节点未定义此项"


def _type_of(value: Value) -> str:
    if isinstance(value, bool):
        return ItemType.BOOLEAN
    if isinstance(value, int):
        return ItemType.INTEGER
    if isinstance(value, float):
        return ItemType.DECIMAL
    return ItemType.TEXT


def text_of(value: str | int | float | bool) -> str:
    """The stored text of a value: what the item types store, so `values.typed` reads it back."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Plain digits (no exponent) that float(Decimal(text)) turns back into the same float.
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def stand_ins(values: Mapping[str, str | int | float | bool]) -> None:
    """Add an inactive definition for each key this node lacks (one insert; a concurrent writer
    adding the same key is ignored, its definition is used)."""
    known = set(ExtensionItem.objects.filter(key__in=values).values_list("key", flat=True))
    missing = sorted(set(values) - known)
    ExtensionItem.objects.bulk_create(
        [
            ExtensionItem(
                key=key,
                label=key,
                type=_type_of(values[key]),
                max_length=MAX_TEXT,
                required=False,
                active=False,
                help_text=STAND_IN_HELP,
            )
            for key in missing
        ],
        ignore_conflicts=True,
    )


def checked_values(
    section: Mapping[str, Value],
) -> tuple[dict[str, str | int | float | bool], list[FieldError]]:
    """The section's values (a None value is no value) and an error for each key no province could
    define."""
    values = {key: value for key, value in section.items() if value is not None}
    errors = [
        FieldError("extensions.bad_key", f"extensions.{key}", "扩充项标识不符合规则")
        for key in values
        if not KEY.match(key)
    ]
    return values, errors


def replace_from_record(person: Person, section: Mapping[str, Value]) -> None:
    """Replace every extension value of `person` with the section's (a None value is no value).

    Refuses (DomainError, nothing written by this function) a key no province could define."""
    values, errors = checked_values(section)
    if errors:
        raise DomainError(errors)
    if values:
        stand_ins(values)
    items = {i.key: i for i in ExtensionItem.objects.filter(key__in=values)} if values else {}
    ExtensionValue.objects.filter(person=person).delete()
    ExtensionValue.objects.bulk_create(
        ExtensionValue(person=person, item=items[key], value=text_of(value)) for key, value in values.items()
    )
