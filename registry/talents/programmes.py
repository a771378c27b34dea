"""The editable programme table: a province admin adds provincial programmes, renames them and
switches any programme off for new entries. National programmes follow the national code table."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.errors import DomainError, Forbidden
from registry.orgs.models import Agency
from registry.standard.codes import load_table

from .models import Programme, ProgrammeLevel


def may_manage(actor: Any) -> bool:
    home = Agency.objects.filter(code=settings.REGISTRY_AGENCY_CODE).first()
    return home is not None and actor_has_perm(actor, Perm.MANAGE_USERS, home)


def provincial_standard_codes() -> list[tuple[str, str]]:
    """The national table's provincial codes: what a province's own programme reports as."""
    return [(code, name) for code, name in load_table("talent_programme").choices() if code.startswith("P")]


def programme_seed() -> int:
    """Add the code table's programmes that are missing (the data migration does this once; a
    flushed test database or a newer code table needs it again). Returns how many were added."""
    added = 0
    for position, entry in enumerate(load_table("talent_programme"), start=1):
        _, created = Programme.objects.get_or_create(
            code=entry.code,
            defaults={
                "name": entry.name,
                "level": ProgrammeLevel.NATIONAL if entry.code.startswith("N") else ProgrammeLevel.PROVINCIAL,
                "standard_code": entry.code,
                "active": not entry.retired,
                "position": position,
            },
        )
        added += created
    return added


def _check_name(name: str, exclude: int | None = None) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError.single("talent.programme_name", "name", "请填写项目名称（不超过 100 个字）")
    same = Programme.objects.filter(name=name)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise DomainError.single("talent.programme_exists", "name", "已有同名项目")
    return name


def _next_code() -> str:
    prefix = f"P{settings.REGISTRY_AGENCY_CODE}"
    taken = set(Programme.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    n = len(taken) + 1
    while f"{prefix}{n:02d}" in taken:
        n += 1
    return f"{prefix}{n:02d}"


@transaction.atomic
def programme_add(*, actor: Any, name: str, standard_code: str) -> Programme:
    if not may_manage(actor):
        raise Forbidden("manage programmes")
    clean = _check_name(name)
    if standard_code not in dict(provincial_standard_codes()):
        raise DomainError.single("talent.bad_standard_code", "standard_code", "请选择上报时归入的全国代码")
    last = Programme.objects.aggregate(m=Max("position"))["m"] or 0
    programme = Programme.objects.create(
        code=_next_code(),
        name=clean,
        level=ProgrammeLevel.PROVINCIAL,
        standard_code=standard_code,
        position=last + 1,
    )
    audit_append(
        actor=actor,
        action="talent.programme_add",
        object_type="talent_programme",
        object_id=programme.code,
        data={"name": clean, "standard_code": standard_code},
    )
    return programme


@transaction.atomic
def programme_update(
    *, actor: Any, code: str, name: str | None = None, active: bool | None = None
) -> Programme:
    """Rename a province's own programme, or switch any programme on or off for new entries.
    Entries already made keep their programme; the snapshot reports its code, not its name."""
    if not may_manage(actor):
        raise Forbidden("manage programmes")
    programme = Programme.objects.select_for_update().filter(code=code).first()
    if programme is None:
        raise DomainError.single("talent.programme_unknown", "code", "未找到该项目")
    changes: dict[str, Any] = {}
    if name is not None and name.strip() != programme.name:
        if programme.code == programme.standard_code:
            raise DomainError.single(
                "talent.programme_national_name", "name", "代码表中的项目名称以全国代码表为准，不能修改"
            )
        changes["name"] = _check_name(name, exclude=programme.pk)
    if active is not None and active != programme.active:
        changes["active"] = active
    if changes:
        Programme.objects.filter(pk=programme.pk).update(**changes)
        for key, value in changes.items():
            setattr(programme, key, value)
        audit_append(
            actor=actor,
            action="talent.programme_update",
            object_type="talent_programme",
            object_id=programme.code,
            data=changes,
        )
    return programme
