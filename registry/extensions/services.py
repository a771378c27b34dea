"""Every write of extension items and values.

Defining an item is the province admin's (MANAGE_USERS at this node's provincial body); values are
written like national items: by staff who may edit the person, or the person while a draft, all
checked first (nothing written on any error), then journalled (version, audit, outbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.errors import DomainError, Forbidden
from registry.orgs.models import Agency
from registry.people.models import Person
from registry.people.services import person_journal, person_may_edit
from registry.standard.errors import FieldError

from .definitions import check_definition
from .models import ExtensionItem, ExtensionValue
from .values import Problem, clean, is_empty

REQUIRED = "此项为必填项"


def may_define(actor: Any) -> bool:
    body = Agency.objects.filter(code=settings.REGISTRY_AGENCY_CODE).first()
    return body is not None and actor_has_perm(actor, Perm.MANAGE_USERS, body)


def _in_use_errors(item: ExtensionItem, out: dict[str, Any]) -> list[FieldError]:
    """A definition may not strand stored values: no type change, no removal of a code in use."""
    values = ExtensionValue.objects.filter(item=item)
    if out["type"] != item.type and values.exists():
        return [FieldError("extensions.type_locked", "type", "已有人员填写了此项，不能更改类型")]
    if item.type == out["type"] == "choice":
        kept = {code for code, _ in out["codes"]}
        used = sorted(set(values.exclude(value__in=kept).values_list("value", flat=True)))
        if used:
            return [
                FieldError(
                    "extensions.code_in_use", "codes", f"代码 {'、'.join(used[:5])} 已有人员使用，不能删除"
                )
            ]
    return []


@transaction.atomic
def extension_item_save(*, actor: Any, data: Mapping[str, Any]) -> ExtensionItem:
    """Create an item, or update the one with this key (the key itself never changes)."""
    if not may_define(actor):
        raise Forbidden("define extension items")
    out, errors = check_definition(dict(data))
    item = ExtensionItem.objects.select_for_update().filter(key=out["key"]).first()
    if item is not None and not errors:
        errors += _in_use_errors(item, out)
    if errors:
        raise DomainError(errors)
    created = item is None
    item = item or ExtensionItem(key=out["key"])
    for name, value in out.items():
        setattr(item, name, value)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:  # the same key defined at the same moment
        raise DomainError.single("extensions.duplicate_key", "key", "该标识已被使用") from exc
    audit_append(
        actor=actor,
        action="extensions.item_create" if created else "extensions.item_update",
        object_type="extension_item",
        object_id=item.key,
        data={
            k: (str(v) if v is not None and k in ("min_value", "max_value") else v) for k, v in out.items()
        },
    )
    return item


def _field(key: str) -> str:
    return f"extensions.{key}"


@transaction.atomic
def extension_values_set(*, actor: Any, person: Person, values: Mapping[str, Any]) -> Person:
    """Set (or clear, with an empty value) the person's values of the given items; keys not given stay.

    Every required item that applies to the person's category must have a value afterwards."""
    locked = Person.objects.select_for_update().select_related("agency").get(pk=person.pk)
    if not person_may_edit(actor, locked):
        raise Forbidden("edit person")
    items = {i.key: i for i in ExtensionItem.objects.all()}
    current = {v.item.key: v for v in ExtensionValue.objects.filter(person=locked).select_related("item")}
    errors: list[FieldError] = []
    writes: dict[str, str] = {}
    clears: list[str] = []
    for key, raw in values.items():
        item = items.get(str(key))
        if item is None:
            errors.append(FieldError("extensions.unknown", _field(str(key)), "本省未定义此扩充项"))
            continue
        if not item.active:
            if not is_empty(raw):
                errors.append(FieldError("extensions.inactive", _field(key), "此扩充项已停用，不能填写"))
            continue
        if not item.applies_to(locked.category):
            if not is_empty(raw):
                errors.append(FieldError("extensions.not_applicable", _field(key), "此项不适用于该人员类别"))
            continue
        try:
            text = clean(item, raw)
        except Problem as problem:
            errors.append(FieldError(problem.code, _field(key), problem.message))
            continue
        if text is None:
            if key in current:
                clears.append(key)
        elif key not in current or current[key].value != text:
            writes[key] = text
    failed = {e.field for e in errors}
    for key, item in items.items():
        has_value = key in writes or (key in current and key not in clears)
        needed = item.active and item.required and item.applies_to(locked.category)
        if needed and not has_value and _field(key) not in failed:
            errors.append(FieldError("extensions.required", _field(key), f"{item.label}：{REQUIRED}"))
    if errors:
        raise DomainError(errors)
    if not writes and not clears:
        return locked
    ExtensionValue.objects.filter(person=locked, item__key__in=clears).delete()
    for key, text in writes.items():
        ExtensionValue.objects.update_or_create(person=locked, item=items[key], defaults={"value": text})
    person_journal(actor, locked, "extensions.set", {"items": sorted([*writes, *clears])})
    return locked
