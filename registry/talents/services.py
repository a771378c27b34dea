"""高端会计人才 services: agencies enter selections and end them (graduated or withdrawn)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.workflow import apply_transition
from registry.people.models import Person, Status
from registry.people.services import person_journal
from registry.standard import record as std
from registry.standard.errors import FieldError
from registry.standard.validation import field_errors

from .models import ACTION_FOR, TRANSITIONS, Programme, Talent, TalentStatus

CLOSED = (Status.TRANSFERRED_OUT, Status.CANCELLED)
LABELS = dict(TalentStatus.choices)
DUPLICATE = "该人员已有此项目同一入选年份的记录"
DUPLICATE_CERTIFICATE = "该项目下已有此证书号的记录"


def _str(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def check_talent(person: Person, data: Mapping[str, Any]) -> tuple[Programme | None, std.Talent | None]:
    """The programme and the standard's item, or DomainError naming every broken rule."""
    errors: list[FieldError] = []
    programme = Programme.objects.filter(code=_str(data.get("programme")), active=True).first()
    if programme is None:
        errors.append(FieldError("talent.programme_unknown", "programme", "请选择在用的人才项目"))
    raw = {
        # An unknown programme is reported above; a stand-in lets the other items be checked too.
        "programme": programme.standard_code if programme else "N01",
        "level": programme.level if programme else "national",
        "cohort_year": data.get("cohort_year"),
        "cohort": _str(data.get("cohort")) or None,
        "status": _str(data.get("status")) or None,
        "certificate_no": _str(data.get("certificate_no")) or None,
    }
    item = None
    try:
        item = std.Talent.model_validate(raw)
    except ValidationError as exc:
        errors += field_errors(exc)
    if item is not None:
        if item.cohort_year > timezone.localdate().year:
            errors.append(FieldError("talent.future_year", "cohort_year", "入选年份不能晚于今年"))
        elif item.cohort_year <= person.birth_date.year:
            errors.append(FieldError("talent.before_birth", "cohort_year", "入选年份不能早于出生年份"))
    if programme is not None and item is not None:
        same = Talent.objects.filter(programme=programme)
        if same.filter(person=person, cohort_year=item.cohort_year).exists():
            errors.append(FieldError("talent.duplicate", "programme", DUPLICATE))
        if item.certificate_no and same.filter(certificate_no=item.certificate_no).exists():
            errors.append(FieldError("talent.duplicate_certificate", "certificate_no", DUPLICATE_CERTIFICATE))
    if errors:
        raise DomainError(errors)
    return programme, item


def _entering(actor: Any, person: Person) -> None:
    """Agencies only: staff with EDIT_PEOPLE over the person, never on their own record."""
    if not actor_has_perm(actor, Perm.VIEW_PEOPLE, person.agency):
        raise NotVisible(str(person.uid))
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    if own or not actor_has_perm(actor, Perm.EDIT_PEOPLE, person.agency):
        raise Forbidden("enter talents")
    if person.status in CLOSED:
        raise DomainError.single("talent.record_closed", "person", "该人员记录已调出或注销，不能再登记")


def talent_add(*, actor: Any, person: Person, data: Mapping[str, Any]) -> Talent:
    with transaction.atomic():
        locked = Person.objects.select_for_update().select_related("agency").get(pk=person.pk)
        _entering(actor, locked)
        programme, item = check_talent(locked, data)
        assert programme is not None and item is not None
        try:
            with transaction.atomic():
                row = Talent.objects.create(
                    person=locked,
                    programme=programme,
                    cohort_year=item.cohort_year,
                    cohort=item.cohort or "",
                    status=item.status,
                    certificate_no=item.certificate_no or "",
                    created_by_id=getattr(actor, "pk", None),
                )
        except IntegrityError as exc:  # the same entry committed between our check and our insert
            raise DomainError.single("talent.duplicate", "programme", DUPLICATE) from exc
        person_journal(
            actor,
            locked,
            "talent.add",
            {"talent": str(row.uid), "programme": programme.code, "status": row.status},
        )
    return row


@transaction.atomic
def talent_update_status(*, actor: Any, uid: Any, status: str, reason: str = "") -> Talent:
    """在培 → 已毕业 or 退出 (with a reason). A finished selection is not reopened."""
    found = Talent.objects.select_related("person__agency").filter(uid=uid).first()
    if found is None or not actor_has_perm(actor, Perm.VIEW_PEOPLE, found.person.agency):
        raise NotVisible(str(uid))
    person = Person.objects.select_for_update().select_related("agency").get(pk=found.person_id)
    _entering(actor, person)
    action = ACTION_FOR.get(status)
    if action is None:
        raise DomainError.single("talent.bad_status", "status", "请选择“已毕业”或“退出”")
    reason = reason.strip()
    if status == TalentStatus.WITHDRAWN and not reason:
        raise DomainError.single("talent.reason_required", "reason", "退出时请填写原因")
    row = Talent.objects.select_for_update().get(pk=found.pk)
    apply_transition(
        row,
        table=TRANSITIONS,
        action=action,
        actor=actor,
        actor_kind="agency",
        labels=LABELS,
        reason=reason,
        extra_updates={"updated_at": timezone.now()},
    )
    person_journal(actor, person, "talent.status", {"talent": str(row.uid), "status": row.status})
    return row
