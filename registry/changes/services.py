"""信息变更 services: the person proposes, revises or withdraws; the managing agency decides.

An approved request is applied through `person_update` (the same validation and journal as every
other write), so the change reaches the record, the audit chain and the outbox at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.core.workflow import apply_transition
from registry.documents.models import Kind
from registry.documents.services import FileInput, document_store
from registry.people.models import Person
from registry.people.services import person_update
from registry.standard.errors import FieldError

from .diff import changed_paths, summary
from .guards import under_review
from .models import OPEN_STATES, TRANSITIONS, ChangeRequest, ChangeStatus, Group
from .proposal import Proposal, check_proposal, current_group
from .rules import PROOF_HINT
from .shared import add_working_days

LABELS = dict(ChangeStatus.choices)
OBJECT_TYPE = "changes.changerequest"
# Evidence is kept as the person's documents of this kind (the request names them by uid).
EVIDENCE_KIND = Kind.CHANGE.value
REASON_MAX = 500
ALREADY_OPEN = "该类信息已有一项变更申请正在办理，请等待办理结果，或撤回后重新申请"


def _deadline() -> Any:
    return add_working_days(timezone.localdate(), settings.REGISTRY_REVIEW_WORKING_DAYS)


def _log(actor: Any, request: ChangeRequest, action: str, **data: Any) -> None:
    audit_append(
        actor=actor,
        action=f"change.{action}",
        object_type="change_request",
        object_id=str(request.uid),
        data={"person": str(request.person.uid), "group": request.group, **data},
    )


def _lock_person(person_id: int) -> Person:
    return Person.objects.select_for_update().select_related("agency").get(pk=person_id)


def _own_person(actor: Any) -> Person:
    person = Person.objects.filter(user_id=getattr(actor, "pk", None) or 0).first() if actor else None
    if person is None:
        raise NotVisible("no record for this account")
    return _lock_person(person.pk)


def _not_under_review(person: Person) -> None:
    blocked = under_review(person)
    if blocked:
        raise DomainError.single("changes.under_review", "status", blocked)


def _reason_errors(reason: str, field: str = "reason", required: str = "请填写变更理由") -> list[FieldError]:
    text = reason.strip()
    if not text:
        return [FieldError("changes.reason_required", field, required)]
    if len(text) > REASON_MAX:
        return [FieldError("changes.reason_too_long", field, f"理由不超过 {REASON_MAX} 个字")]
    return []


def _prepare(
    person: Person, group: str, proposed: Any, reason: str, files: Sequence[FileInput], has_evidence: bool
) -> Proposal:
    """Every problem of the proposal, the reason and the proof at once; nothing is written."""
    errors: list[FieldError] = []
    proposal = None
    try:
        proposal = check_proposal(person, group, proposed)
    except DomainError as exc:
        if any(e.code == "changes.bad_group" for e in exc.errors):
            raise
        errors += exc.errors
    errors += _reason_errors(reason)
    if proposal is not None and proposal.needs_proof and not files and not has_evidence:
        errors.append(FieldError("changes.proof_required", "evidence", PROOF_HINT[group] + "后提交"))
    if errors or proposal is None:
        raise DomainError(errors)
    return proposal


def _store_evidence(actor: Any, person: Person, files: Sequence[FileInput]) -> list[str]:
    if not files:
        return []
    try:
        document = document_store(actor=actor, owner_uid=person.uid, kind=EVIDENCE_KIND, files=files)
    except DomainError as exc:
        raise DomainError(FieldError(e.code, "evidence", e.message) for e in exc.errors) from exc
    return [str(document.uid)]


@transaction.atomic
def change_request_submit(
    *, actor: Any, group: str, proposed: Any, reason: str, files: Sequence[FileInput] = ()
) -> ChangeRequest:
    """The person proposes a new value for one group of their collected record."""
    person = _own_person(actor)
    _not_under_review(person)
    if ChangeRequest.objects.filter(person=person, group=group, status__in=OPEN_STATES).exists():
        raise DomainError.single("changes.already_open", "group", ALREADY_OPEN)
    proposal = _prepare(person, group, proposed, reason, files, has_evidence=False)
    now = timezone.now()
    request = ChangeRequest(
        uid=uuid.uuid4(),
        person=person,
        group=group,
        summary=summary(proposal.changes),
        needs_proof=proposal.needs_proof,
        reason=reason.strip(),
        evidence=_store_evidence(actor, person, files),
        agency=person.agency,
        base_version=person.version,
        submitted_at=now,
        deadline=_deadline(),
    )
    request.seal(proposed=proposal.new, old=proposal.old)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # another tab submitted the same group a moment ago
        raise DomainError.single("changes.already_open", "group", ALREADY_OPEN) from exc
    Decision.objects.create(
        object_type=OBJECT_TYPE,
        object_id=str(request.uid),
        action="submit",
        from_state="",
        to_state=ChangeStatus.SUBMITTED,
        actor_id=actor.pk,
        actor_name=str(actor),
        reason=request.reason,
        details={"items": request.summary},
    )
    _log(actor, request, "submit", items=request.summary, version=person.version)
    return request


def _own_request(actor: Any, uid: Any) -> ChangeRequest:
    person = _own_person(actor)
    request = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("person", "agency")
        .filter(uid=uid, person=person)
        .first()
    )
    if request is None:
        raise NotVisible(str(uid))
    request.person = person
    return request


def _allowed(request: ChangeRequest, action: str) -> None:
    if (request.status, action) not in TRANSITIONS:
        label = LABELS.get(request.status, request.status)
        raise DomainError.single("workflow.not_allowed", "status", f"当前状态为“{label}”，不能执行此操作")


@transaction.atomic
def change_request_resubmit(
    *, actor: Any, uid: Any, proposed: Any, reason: str, files: Sequence[FileInput] = ()
) -> ChangeRequest:
    """The person revises a returned request and submits it again (compared with the record as it is now)."""
    request = _own_request(actor, uid)
    _allowed(request, "resubmit")
    person = request.person
    _not_under_review(person)
    proposal = _prepare(person, request.group, proposed, reason, files, has_evidence=bool(request.evidence))
    request.seal(proposed=proposal.new, old=proposal.old)
    evidence = request.evidence + _store_evidence(actor, person, files)
    apply_transition(
        request,
        table=TRANSITIONS,
        action="resubmit",
        actor=actor,
        actor_kind="owner",
        labels=LABELS,
        reason=reason.strip(),
        details={"items": summary(proposal.changes)},
        extra_updates={
            "proposed_cipher": request.proposed_cipher,
            "old_cipher": request.old_cipher,
            "summary": summary(proposal.changes),
            "needs_proof": proposal.needs_proof,
            "reason": reason.strip(),
            "evidence": evidence,
            "agency": person.agency,
            "base_version": person.version,
            "submitted_at": timezone.now(),
            "deadline": _deadline(),
            "submissions": request.submissions + 1,
            "decided_at": None,
            "decided_by": None,
            "decision_reason": "",
        },
    )
    _log(actor, request, "resubmit", items=request.summary, version=person.version)
    return request


@transaction.atomic
def change_request_withdraw(*, actor: Any, uid: Any, note: str = "") -> ChangeRequest:
    request = _own_request(actor, uid)
    apply_transition(
        request,
        table=TRANSITIONS,
        action="withdraw",
        actor=actor,
        actor_kind="owner",
        labels=LABELS,
        reason=note.strip()[:REASON_MAX],
        extra_updates={"decided_at": timezone.now()},
    )
    _log(actor, request, "withdraw")
    return request


def _for_review(actor: Any, uid: Any) -> ChangeRequest:
    """The request, locked after its person (the order every service here locks in)."""
    found = ChangeRequest.objects.select_related("agency").filter(uid=uid).first()
    if found is None or not actor_has_perm(actor, Perm.VIEW_PEOPLE, found.agency):
        raise NotVisible(str(uid))
    if not actor_has_perm(actor, Perm.REVIEW, found.agency):
        raise Forbidden("review")
    person = _lock_person(found.person_id)
    request = ChangeRequest.objects.select_for_update(of=("self",)).select_related("agency").get(pk=found.pk)
    request.person = person
    return request


def stale_message(request: ChangeRequest, person: Person) -> str:
    return (
        f"提出申请后，该人员的{Group(request.group).label}已有其他变更"
        f"（提出时为第 {request.base_version} 版，现为第 {person.version} 版），本申请不能直接批准。"
        "请退回申请人按最新信息重新提交，或不予通过。"
    )


@transaction.atomic
def change_request_approve(*, actor: Any, uid: Any, note: str = "") -> ChangeRequest:
    """Apply the proposal through `person_update`. Refused, and left open, when the record is under
    another review or the group was changed since the proposal (the proposal would overwrite that)."""
    request = _for_review(actor, uid)
    _allowed(request, "approve")
    person = request.person
    _not_under_review(person)
    if changed_paths(request.old, current_group(person, request.group)):
        raise DomainError.single("changes.stale", "version", stale_message(request, person))
    updated = person_update(
        actor=actor,
        person=person,
        changes={request.group: request.proposed},
        reason=f"信息变更：{request.reason}",
        expected_version=person.version,
    )
    apply_transition(
        request,
        table=TRANSITIONS,
        action="approve",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=note.strip(),
        details={"version": updated.version},
        extra_updates={
            "decided_at": timezone.now(),
            "decided_by": actor,
            "decision_reason": note.strip(),
            "applied_version": updated.version,
        },
    )
    _log(actor, request, "approve", version=updated.version)
    return request


def _decline(actor: Any, uid: Any, action: str, reason: str, required: str) -> ChangeRequest:
    errors = _reason_errors(reason, required=required)
    if errors:
        raise DomainError(errors)
    request = _for_review(actor, uid)
    apply_transition(
        request,
        table=TRANSITIONS,
        action=action,
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=reason.strip(),
        extra_updates={"decided_at": timezone.now(), "decided_by": actor, "decision_reason": reason.strip()},
    )
    _log(actor, request, action)
    return request


@transaction.atomic
def change_request_return(*, actor: Any, uid: Any, reason: str) -> ChangeRequest:
    """Back to the person with a reason: they may revise and resubmit, or withdraw."""
    return _decline(actor, uid, "return", reason, "退回时请写明原因和需要补正的内容")


@transaction.atomic
def change_request_reject(*, actor: Any, uid: Any, reason: str) -> ChangeRequest:
    """Closed without a change, with the reason shown to the person."""
    return _decline(actor, uid, "reject", reason, "不予通过时请写明理由")
