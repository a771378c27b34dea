"""Every write to 继续教育. One transaction each: permission, lock the person, validate, write,
then the person's journal (version, audit event, outbox row) when the record changed.

Routes: `ce_register` (agency entry, approved at once), `batch.ce_batch_import` (provider and
employer reports, through `ce_record` like agency entries), `ce_self_report` (pending with a
proof) reviewed by `ce_approve` / `ce_return`. A pending or returned self-report does not change
the record (only approved entries are in it), so it writes an audit event but no outbox row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.workflow import apply_transition
from registry.documents.services import FileInput, document_store
from registry.orgs.models import Agency, Level
from registry.people.models import Person, Status
from registry.people.services import person_journal
from registry.standard.errors import FieldError

from . import config
from .config import parse_settings, rules_for
from .models import TRANSITIONS, Batch, Entry, EntryStatus, Route, Settings
from .rules import fmt
from .validation import Checked, check_entry, parse_entry

# Until the lead adds a dedicated kind to `registry.documents.models.Kind`, CE proofs are stored
# as "other"; each entry keeps its own document's uid, so a later proof never hides an earlier one.
PROOF_KIND = "ce"
LABELS = dict(EntryStatus.choices)
DUPLICATE = "该项继续教育已登记（同一日期、形式、科目类别、学分和举办单位），不能重复登记"


def _lock(person: Person) -> Person:
    return Person.objects.select_for_update().select_related("agency").get(pk=person.pk)


def require_staff(actor: Any, person: Person, perm: Perm) -> None:
    """Out of the actor's subtree → NotVisible (404); in it without `perm` → Forbidden (403)."""
    if not actor_has_perm(actor, Perm.VIEW_PEOPLE, person.agency):
        raise NotVisible(str(person.uid))
    if not actor_has_perm(actor, perm, person.agency):
        raise Forbidden(str(perm))


def require_active(person: Person) -> None:
    if person.status != Status.COLLECTED:
        raise DomainError.single(
            "ce.not_active", "person", "该人员信息尚未采集完成或已调出、注销，不能登记继续教育学分"
        )


def check_for(person: Person, data: Mapping[str, Any], route: str) -> Checked:
    return check_entry(parse_entry(data), route=route, rules=rules_for(person.agency), today=config.today())


def live_duplicate(person: Person, checked: Checked) -> Entry | None:
    held_on, form, subject, credits, provider = checked.key
    return Entry.objects.filter(
        person=person,
        held_on=held_on,
        form=form,
        subject=subject,
        credits=credits,
        provider=provider,
        status__in=[EntryStatus.APPROVED, EntryStatus.PENDING],
    ).first()


def _create(
    actor: Any,
    person: Person,
    checked: Checked,
    *,
    status: str,
    proof_uid: Any = None,
    batch: Batch | None = None,
) -> Entry:
    item, resolved = checked.item, checked.resolved
    try:
        with transaction.atomic():
            return Entry.objects.create(
                person=person,
                year=item.year,
                held_on=item.held_on,
                form=item.form,
                subject=item.subject,
                credits=resolved.credits,
                hours=resolved.hours,
                days=resolved.days,
                role=resolved.role,
                title=checked.title,
                provider=item.provider or "",
                route=item.route,
                status=status,
                registered_by=actor if getattr(actor, "pk", None) else None,
                proof_uid=proof_uid,
                batch=batch,
            )
    except IntegrityError as exc:  # the person is locked, so only a bypassing writer gets here
        raise DomainError.single("ce.duplicate", "record", DUPLICATE) from exc


def _journal_data(entry: Entry) -> dict[str, Any]:
    return {"entry": str(entry.uid), "year": entry.year, "form": entry.form, "credits": fmt(entry.credits)}


def ce_record(
    *,
    actor: Any,
    person: Person,
    checked: Checked,
    action: str,
    batch: Batch | None = None,
    journal: bool = True,
) -> Entry:
    """Write an approved entry that has passed every check (agency entry and batch rows).

    Runs in the caller's transaction with the person locked; the caller checked permission.
    A batch writes all rows of a person, then journals once (`journal=False` here)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ce_record runs inside the service's transaction")
    if live_duplicate(person, checked) is not None:
        raise DomainError.single("ce.duplicate", "record", DUPLICATE)
    entry = _create(actor, person, checked, status=EntryStatus.APPROVED, batch=batch)
    if journal:
        person_journal(actor, person, action, _journal_data(entry))
    return entry


@transaction.atomic
def ce_register(*, actor: Any, person: Person, data: Mapping[str, Any]) -> Entry:
    """The agency registers an entry (its own training, an exam, a verified activity): approved at once."""
    locked = _lock(person)
    require_staff(actor, locked, Perm.EDIT_PEOPLE)
    require_active(locked)
    checked = check_for(locked, data, Route.AGENCY)
    return ce_record(actor=actor, person=locked, checked=checked, action="ce.register")


def _own_person(actor: Any) -> Person:
    found = Person.objects.filter(user=actor).first() if getattr(actor, "pk", None) else None
    if found is None:
        raise NotVisible("no record for this account")
    return found


@transaction.atomic
def ce_self_report(*, actor: Any, data: Mapping[str, Any], proof_files: Sequence[FileInput]) -> Entry:
    """The person reports an activity with proof; it counts once a reviewer approves it."""
    person = _lock(_own_person(actor))
    require_active(person)
    errors: list[FieldError] = []
    try:
        checked = check_for(person, data, Route.SELF)
    except DomainError as exc:
        errors += exc.errors
    if not proof_files:
        errors.append(
            FieldError("ce.proof_required", "files", "请上传证明材料（证书、成绩单、通知或发表页等）")
        )
    if errors:
        raise DomainError(errors)
    if live_duplicate(person, checked) is not None:
        raise DomainError.single("ce.duplicate", "record", DUPLICATE)
    document = document_store(actor=actor, owner_uid=person.uid, kind=PROOF_KIND, files=proof_files)
    entry = _create(actor, person, checked, status=EntryStatus.PENDING, proof_uid=document.uid)
    audit_append(
        actor=actor,
        action="ce.self_report",
        object_type="person",
        object_id=str(person.uid),
        data=_journal_data(entry),
    )
    return entry


def _for_review(actor: Any, uid: Any) -> tuple[Person, Entry]:
    found = Entry.objects.select_related("person").filter(uid=uid).first()
    if found is None or found.route != Route.SELF:
        raise NotVisible(str(uid))
    person = _lock(found.person)
    require_staff(actor, person, Perm.REVIEW)
    if person.user_id is not None and person.user_id == getattr(actor, "pk", None):
        raise Forbidden("own entry")
    entry = Entry.objects.select_for_update().get(pk=found.pk)
    return person, entry


@transaction.atomic
def ce_approve(*, actor: Any, uid: Any, note: str = "") -> Entry:
    person, entry = _for_review(actor, uid)
    apply_transition(
        entry,
        table=TRANSITIONS,
        action="approve",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=note.strip(),
        extra_updates={"decided_at": timezone.now()},
    )
    person_journal(actor, person, "ce.approve", _journal_data(entry))
    return entry


@transaction.atomic
def ce_return(*, actor: Any, uid: Any, reason: str) -> Entry:
    """Send a self-report back with a reason; it stays in the history and never counts."""
    if not reason.strip():
        raise DomainError.single("ce.reason_required", "reason", "退回时请填写退回原因")
    person, entry = _for_review(actor, uid)
    apply_transition(
        entry,
        table=TRANSITIONS,
        action="return",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=reason.strip(),
        extra_updates={"decided_at": timezone.now(), "return_reason": reason.strip()},
    )
    audit_append(
        actor=actor,
        action="ce.return",
        object_type="person",
        object_id=str(person.uid),
        data={**_journal_data(entry), "reason": reason.strip()},
    )
    return entry


@transaction.atomic
def ce_settings_update(*, actor: Any, body: Agency, data: Mapping[str, Any]) -> Settings:
    """A province admin sets the training conversions and the late-registration close date."""
    if body.level != Level.PROVINCIAL or not actor_has_perm(actor, Perm.MANAGE_USERS, body):
        raise Forbidden("manage ce settings")
    conversions, month, day = parse_settings(data)
    row, _ = Settings.objects.select_for_update().get_or_create(agency=body)
    before = {"conversions": row.conversions, "close": f"{row.close_month:02d}-{row.close_day:02d}"}
    row.conversions, row.close_month, row.close_day = conversions, month, day
    row.updated_by = actor
    row.save()
    audit_append(
        actor=actor,
        action="ce.settings",
        object_type="agency",
        object_id=body.code,
        data={"before": before, "after": {"conversions": conversions, "close": f"{month:02d}-{day:02d}"}},
    )
    return row
