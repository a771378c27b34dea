"""信用信息 services: agencies enter and supersede entries, the person objects, the agency decides.

Each one runs in one transaction: permission, lock the person, validate, write, and
`person_journal` (version, audit event, outbox row with the full snapshot).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_roots
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.core.workflow import apply_transition
from registry.documents.services import FileInput, document_store
from registry.orgs.models import Agency
from registry.people.models import Person, Status
from registry.people.services import person_journal

from . import clock
from .deadlines import entry_deadline, objection_deadline
from .models import (
    IN_FORCE,
    OBJECTION_TRANSITIONS,
    RECORD_TRANSITIONS,
    CreditObjection,
    CreditRecord,
    CreditRevision,
    ObjectionStatus,
    RecordStatus,
)
from .proofs import DECISION_KIND, OBJECTION_KIND
from .validation import FIELDS, clean_entry, record_values

RECORD_LABELS = dict(RecordStatus.choices)
OBJECTION_LABELS = dict(ObjectionStatus.choices)
MAX_REASON = 1000


def _uid(obj: Any) -> str:
    return str(getattr(obj, "uid", obj))


def _lock_person(person_id: int) -> Person:
    return Person.objects.select_for_update(of=("self",)).select_related("agency").get(pk=person_id)


def _reason(text: str, field: str = "reason") -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DomainError.single("credit.reason_required", field, "请填写理由")
    if len(cleaned) > MAX_REASON:
        raise DomainError.single("credit.reason_too_long", field, f"理由不超过 {MAX_REASON} 个字")
    return cleaned


def _store(actor: Any, person: Person, kind: str, files: Sequence[FileInput], message: str) -> list[str]:
    if not files:
        raise DomainError.single("credit.evidence_required", "evidence", message)
    return [str(document_store(actor=actor, owner_uid=person.uid, kind=kind, files=files).uid)]


def _entering_agency(actor: Any, person: Person) -> Agency:
    """The actor's agency over the person: the body that enters the decision answers objections."""
    if getattr(actor, "pk", None) is not None and person.user_id == actor.pk:
        raise Forbidden("a person does not enter their own credit record")
    if not actor_has_perm(actor, Perm.VIEW_PEOPLE, person.agency):
        raise NotVisible(str(person.uid))
    if not actor_has_perm(actor, Perm.EDIT_PEOPLE, person.agency):
        raise Forbidden("credit.add")
    for root in actor_roots(actor, Perm.EDIT_PEOPLE):
        if person.agency.path.startswith(root.path):
            return root
    raise Forbidden("credit.add")


def _record_for_agency(actor: Any, uid: Any) -> CreditRecord:
    """A record the actor's agency entered, locked, with its person locked first."""
    found = CreditRecord.objects.select_related("person__agency", "agency").filter(uid=uid).first()
    if found is None or not (
        actor_has_perm(actor, Perm.VIEW_PEOPLE, found.person.agency)
        or actor_has_perm(actor, Perm.VIEW_PEOPLE, found.agency)
    ):
        raise NotVisible(str(uid))
    if not actor_has_perm(actor, Perm.EDIT_PEOPLE, found.agency):
        raise Forbidden("credit record of another agency")
    _lock_person(found.person_id)
    return (
        CreditRecord.objects.select_for_update(of=("self",)).select_related("person__agency").get(pk=found.pk)
    )


def credit_add(
    *,
    actor: Any,
    person: Person,
    data: Mapping[str, Any],
    evidence_files: Sequence[FileInput],
    supersedes: Any = None,
) -> CreditRecord:
    """Enter a 守信 or 失信 decision with its document. Entered later than 10 working days after
    the decision it is accepted and marked late. `supersedes` (a record or uid) is replaced by it."""
    today = clock.today()
    with transaction.atomic():
        locked = _lock_person(person.pk)
        agency = _entering_agency(actor, locked)
        if locked.status == Status.TRANSFERRED_OUT:
            raise DomainError.single("credit.transferred_out", "person", "该人员已调出，信用信息由调入地录入")
        entry = clean_entry(data, today)
        evidence = _store(
            actor, locked, DECISION_KIND, evidence_files, "请上传决定文书（表彰文件或处罚决定书）"
        )
        deadline = entry_deadline(entry.decided_on)
        record = CreditRecord.objects.create(
            person=locked,
            agency=agency,
            status=RecordStatus.ACTIVE,
            evidence=evidence,
            entry_deadline=deadline,
            late=today > deadline,
            entered_by=actor if getattr(actor, "pk", None) else None,
            **entry.fields(),
        )
        CreditRevision.objects.create(
            record=record,
            number=1,
            values=record_values(record),
            evidence=evidence,
            reason="录入",
            actor_id=getattr(actor, "pk", None),
            actor_name=str(actor),
        )
        if supersedes is not None:
            _supersede(actor, locked, _uid(supersedes), "被新录入的信息替代", record)
        person_journal(
            actor, locked, "credit.add", {"record": str(record.uid), "kind": record.kind, "late": record.late}
        )
    return record


def _supersede(actor: Any, person: Person, uid: str, reason: str, replacement: CreditRecord | None) -> None:
    old = _record_for_agency(actor, uid)
    if old.person_id != person.pk or (replacement is not None and old.pk == replacement.pk):
        raise DomainError.single("credit.bad_replacement", "supersedes", "只能替代同一人员的另一条信用信息")
    apply_transition(
        old,
        table=RECORD_TRANSITIONS,
        action="supersede",
        actor=actor,
        actor_kind="agency",
        labels=RECORD_LABELS,
        reason=reason,
        details={"replaced_by": str(replacement.uid) if replacement else None},
        extra_updates={"superseded_by": replacement},
    )


def credit_supersede(*, actor: Any, record: Any, reason: str, replaced_by: Any = None) -> CreditRecord:
    """Take an entry out of force (and out of public view) because another decision replaced it."""
    cleaned = _reason(reason)
    with transaction.atomic():
        old = _record_for_agency(actor, _uid(record))
        replacement = None
        if replaced_by is not None:
            replacement = CreditRecord.objects.filter(
                uid=_uid(replaced_by), person_id=old.person_id, status__in=IN_FORCE
            ).first()
            if replacement is None or replacement.pk == old.pk:
                raise DomainError.single(
                    "credit.bad_replacement", "replaced_by", "只能由同一人员的另一条有效信息替代"
                )
        _supersede(actor, old.person, str(old.uid), cleaned, replacement)
        person_journal(actor, old.person, "credit.supersede", {"record": str(old.uid)})
        old.refresh_from_db()
    return old


def credit_expire_due(*, today: date | None = None) -> int:
    """Mark entries whose public period has ended (the public page already hides them by date);
    the record, the blacklist and the bar are not affected. Run daily."""
    day = today or clock.today()
    due = list(
        CreditRecord.objects.filter(status__in=IN_FORCE, public_until__lt=day).values_list("pk", flat=True)[
            :1000
        ]
    )
    for pk in due:
        with transaction.atomic():
            record = CreditRecord.objects.select_related("person").get(pk=pk)
            person = _lock_person(record.person_id)
            record = CreditRecord.objects.select_for_update(of=("self",)).get(pk=pk)
            if record.status not in IN_FORCE:
                continue
            apply_transition(
                record,
                table=RECORD_TRANSITIONS,
                action="expire",
                actor=None,
                actor_kind="system",
                labels=RECORD_LABELS,
                reason="公开期限届满",
            )
            person_journal(None, person, "credit.expire", {"record": str(record.uid)})
    return len(due)


# Objections -----------------------------------------------------------------------------------


def objection_file(
    *, actor: Any, record: Any, reason: str, evidence_files: Sequence[FileInput]
) -> CreditObjection:
    """The person objects to one of their entries; the entering agency decides within 10 working days."""
    today = clock.today()
    with transaction.atomic():
        found = CreditRecord.objects.select_related("person").filter(uid=_uid(record)).first()
        owner = getattr(actor, "pk", None)
        if found is None or owner is None or found.person.user_id != owner:
            raise NotVisible(_uid(record))
        person = _lock_person(found.person_id)
        rec = CreditRecord.objects.select_for_update(of=("self",)).get(pk=found.pk)
        cleaned = _reason(reason)
        if rec.status not in IN_FORCE:
            raise DomainError.single(
                "credit.not_objectable", "record", "该信息已被替代、撤销或公开期满，不能提出异议"
            )
        if rec.objections.filter(status=ObjectionStatus.OPEN).exists():
            raise DomainError.single(
                "credit.objection_open", "record", "该信息已有待处理的异议，请等待处理结果"
            )
        evidence = _store(actor, person, OBJECTION_KIND, evidence_files, "请上传支持异议的证明材料")
        try:
            with transaction.atomic():
                objection = CreditObjection.objects.create(
                    uid=uuid.uuid4(),
                    record=rec,
                    person=person,
                    agency_id=rec.agency_id,
                    reason=cleaned,
                    evidence=evidence,
                    filed_by=actor,
                    deadline=objection_deadline(today),
                )
        except IntegrityError as exc:
            raise DomainError.single("credit.objection_open", "record", "该信息已有待处理的异议") from exc
        Decision.objects.create(
            object_type="credit.creditobjection",
            object_id=str(objection.uid),
            action="file",
            from_state="",
            to_state=ObjectionStatus.OPEN,
            actor_id=owner,
            actor_name=str(actor),
            reason=cleaned,
        )
        person_journal(actor, person, "credit.objection_file", {"record": str(rec.uid)})
    return objection


def _objection_for_agency(actor: Any, uid: str) -> CreditObjection:
    found = CreditObjection.objects.select_related("person__agency", "agency").filter(uid=uid).first()
    if found is None or not (
        actor_has_perm(actor, Perm.VIEW_PEOPLE, found.person.agency)
        or actor_has_perm(actor, Perm.VIEW_PEOPLE, found.agency)
    ):
        raise NotVisible(uid)
    if not actor_has_perm(actor, Perm.EDIT_PEOPLE, found.agency):
        raise Forbidden("objection of another agency")
    _lock_person(found.person_id)
    return CreditObjection.objects.select_related("person__agency", "record").get(pk=found.pk)


def _decide(actor: Any, objection: CreditObjection, action: str, reason: str) -> None:
    apply_transition(
        objection,
        table=OBJECTION_TRANSITIONS,
        action=action,
        actor=actor,
        actor_kind="agency",
        labels=OBJECTION_LABELS,
        reason=reason,
        extra_updates={"decided_at": timezone.now(), "decision_reason": reason},
    )


def objection_uphold(
    *,
    actor: Any,
    objection: Any,
    reason: str,
    corrections: Mapping[str, Any] | None = None,
    withdraw: bool = False,
    evidence_files: Sequence[FileInput] = (),
) -> CreditObjection:
    """The objection holds: the entry is corrected (or withdrawn when it should never have been
    made). The values and proofs as entered stay as revision 1; the correction is a new revision."""
    today = clock.today()
    cleaned = _reason(reason)
    with transaction.atomic():
        obj = _objection_for_agency(actor, _uid(objection))
        _decide(actor, obj, "uphold", cleaned)
        rec = CreditRecord.objects.select_for_update(of=("self",)).get(pk=obj.record_id)
        added = _store(actor, obj.person, DECISION_KIND, evidence_files, "") if evidence_files else []
        updates: dict[str, Any] = {"evidence": [*rec.evidence, *added], "revision": rec.revision + 1}
        if not withdraw:
            before = record_values(rec)
            merged = {k: before[k] for k in FIELDS} | dict(corrections or {})
            entry = clean_entry(merged, today)
            if all(getattr(rec, k) == v for k, v in entry.fields().items()):
                raise DomainError.single(
                    "credit.no_correction", "corrections", "异议成立时请填写更正后的内容，或选择撤销该信息"
                )
            deadline = entry_deadline(entry.decided_on)
            updates |= entry.fields() | {
                "entry_deadline": deadline,
                "late": timezone.localdate(rec.entered_at) > deadline,
            }
        apply_transition(
            rec,
            table=RECORD_TRANSITIONS,
            action="withdraw" if withdraw else "correct",
            actor=actor,
            actor_kind="agency",
            labels=RECORD_LABELS,
            reason=cleaned,
            details={"objection": str(obj.uid)},
            extra_updates=updates,
        )
        CreditRevision.objects.create(
            record=rec,
            number=rec.revision,
            values=record_values(rec),
            evidence=added,
            reason=cleaned,
            objection=obj,
            actor_id=getattr(actor, "pk", None),
            actor_name=str(actor),
        )
        person_journal(
            actor, obj.person, "credit.objection_uphold", {"record": str(rec.uid), "withdrawn": withdraw}
        )
    return obj


def objection_reject(*, actor: Any, objection: Any, reason: str) -> CreditObjection:
    """The objection does not hold: the entry stays as it is; the reason is shown to the person."""
    cleaned = _reason(reason)
    with transaction.atomic():
        obj = _objection_for_agency(actor, _uid(objection))
        _decide(actor, obj, "reject", cleaned)
        person_journal(actor, obj.person, "credit.objection_reject", {"record": str(obj.record.uid)})
    return obj


def objection_withdraw(*, actor: Any, objection: Any) -> CreditObjection:
    """The person takes back their own open objection."""
    with transaction.atomic():
        found = CreditObjection.objects.select_related("person").filter(uid=_uid(objection)).first()
        owner = getattr(actor, "pk", None)
        if found is None or owner is None or found.person.user_id != owner:
            raise NotVisible(_uid(objection))
        person = _lock_person(found.person_id)
        apply_transition(
            found,
            table=OBJECTION_TRANSITIONS,
            action="withdraw",
            actor=actor,
            actor_kind="owner",
            labels=OBJECTION_LABELS,
            extra_updates={"decided_at": timezone.now()},
        )
        person_journal(actor, person, "credit.objection_withdraw", {"record": str(found.record.uid)})
    return found
