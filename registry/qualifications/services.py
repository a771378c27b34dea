"""专业技术资格 services: agency entry, self-report with proof, and the review of self-reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.workflow import apply_transition
from registry.documents.models import Kind
from registry.documents.services import FileInput, document_store
from registry.people.models import Person, Status
from registry.people.services import person_journal
from registry.standard import record as std
from registry.standard.errors import FieldError

from .models import TRANSITIONS, Qualification, QualificationStatus, Source
from .rules import check_qualification, duplicate_errors

# Until the lead adds a "qualification" kind to documents.Kind.
PROOF_KIND = Kind.QUALIFICATION.value
CLOSED = (Status.TRANSFERRED_OUT, Status.CANCELLED)
LABELS = dict(QualificationStatus.choices)
DUPLICATE = "该证书编号（或批文号）已登记，不能重复登记"


def lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().select_related("agency").get(pk=person.pk)


def refuse_closed(person: Person, field: str = "person") -> None:
    if person.status in CLOSED:
        raise DomainError.single(
            "qualification.record_closed", field, "该人员记录已调出或注销，不能再登记专业技术资格"
        )


def is_owner(actor: Any, person: Person) -> bool:
    return person.user_id is not None and person.user_id == getattr(actor, "pk", None)


def create_row(person: Person, item: std.Qualification, **extra: Any) -> Qualification:
    try:
        with transaction.atomic():
            return Qualification.objects.create(
                person=person,
                level=item.level,
                title=item.title,
                route=item.route,
                obtained_on=item.obtained_on,
                certificate_no=item.certificate_no or "",
                issuer=item.issuer or "",
                appointed_title=item.appointed_title or "",
                appointed_on=item.appointed_on,
                **extra,
            )
    except IntegrityError as exc:  # the same certificate committed between our check and our insert
        raise DomainError.single("qualification.duplicate", "certificate_no", DUPLICATE) from exc


def qualification_add(
    *,
    actor: Any,
    person: Person,
    data: Mapping[str, Any],
    proof_files: Sequence[FileInput] | None = None,
) -> Qualification:
    """Staff with EDIT_PEOPLE over the person enter a verified qualification (approved at once);
    the person reports their own with proof (pending until a reviewer of their agency decides).
    Nobody enters their own record as staff: a staff member's own report is a self-report."""
    with transaction.atomic():
        locked = lock_person(person)
        own = is_owner(actor, locked)
        staff = not own and actor_has_perm(actor, Perm.EDIT_PEOPLE, locked.agency)
        if not own and not staff:
            if actor_has_perm(actor, Perm.VIEW_PEOPLE, locked.agency):
                raise Forbidden("edit qualifications")
            raise NotVisible(str(locked.uid))
        refuse_closed(locked)
        if own and locked.status != Status.COLLECTED:
            raise DomainError.single(
                "qualification.not_collected", "person", "请在信息采集审核通过后再申报专业技术资格"
            )
        item = check_qualification(locked, data)
        errors = duplicate_errors(locked, item)
        if own and not proof_files:
            errors.append(
                FieldError("qualification.proof_required", "proof", "请上传资格证书或批准文件的照片或扫描件")
            )
        if errors:
            raise DomainError(errors)
        proof = None
        if proof_files:
            try:
                proof = document_store(actor=actor, owner_uid=locked.uid, kind=PROOF_KIND, files=proof_files)
            except DomainError as exc:
                raise DomainError(FieldError(e.code, "proof", e.message) for e in exc.errors) from exc
        row = create_row(
            locked,
            item,
            source=Source.SELF if own else Source.AGENCY,
            status=QualificationStatus.PENDING if own else QualificationStatus.APPROVED,
            proof_uid=proof.uid if proof else None,
            created_by_id=getattr(actor, "pk", None),
            decided_at=None if own else timezone.now(),
        )
        person_journal(
            actor,
            locked,
            "qualification.report" if own else "qualification.add",
            {"qualification": str(row.uid), "level": row.level, "status": row.status},
        )
    return row


def _for_review(actor: Any, uid: Any) -> tuple[Qualification, Person]:
    found = Qualification.objects.select_related("person__agency").filter(uid=uid).first()
    if found is None or not actor_has_perm(actor, Perm.VIEW_PEOPLE, found.person.agency):
        raise NotVisible(str(uid))
    if not actor_has_perm(actor, Perm.REVIEW, found.person.agency):
        raise Forbidden("review")
    if is_owner(actor, found.person):
        raise Forbidden("review own qualification")
    # The person first, then the row: every writer of a person's qualifications locks in this order.
    person = lock_person(found.person)
    row = Qualification.objects.select_for_update().get(pk=found.pk)
    return row, person


@transaction.atomic
def qualification_approve(*, actor: Any, uid: Any, note: str = "") -> Qualification:
    row, person = _for_review(actor, uid)
    refuse_closed(person, "status")
    apply_transition(
        row,
        table=TRANSITIONS,
        action="approve",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=note.strip(),
        extra_updates={"decided_at": timezone.now()},
    )
    person_journal(
        actor, person, "qualification.approve", {"qualification": str(row.uid), "level": row.level}
    )
    return row


@transaction.atomic
def qualification_return(*, actor: Any, uid: Any, reason: str) -> Qualification:
    """Send a self-report back with a reason; the person may report again with better proof."""
    reason = reason.strip()
    if not reason:
        raise DomainError.single("qualification.reason_required", "reason", "退回时请填写退回原因")
    row, person = _for_review(actor, uid)
    apply_transition(
        row,
        table=TRANSITIONS,
        action="return",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=reason,
        extra_updates={"decided_at": timezone.now(), "return_reason": reason},
    )
    person_journal(actor, person, "qualification.return", {"qualification": str(row.uid)})
    return row
