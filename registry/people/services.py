"""Every write to a person. One transaction each: permission, lock, validate, write,
version, audit event and outbox row (ARCHITECTURE.md §4.2)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append, outbox_append
from registry.core.crypto import blind_index
from registry.core.errors import DomainError, Forbidden
from registry.orgs.models import Agency
from registry.standard import record as std
from registry.standard.errors import FieldError
from registry.standard.identity import check_identity
from registry.standard.validation import field_errors

from .hooks import person_written, write_refusal
from .models import Person, Status
from .snapshot import apply_record, person_archive_no, person_record, replace_history

DUPLICATE_MESSAGE = "该证件号码已在本系统登记。如是本人，请直接登录；如需从其他地区转入，请申请调转。"


def archive_index_for(document_type: str, archive_no: str, nationality: str | None) -> str:
    # A passport number is only unique together with its nationality: the same number
    # from two countries is two people, never merged.
    key = f"{nationality}:{archive_no}" if document_type == "passport" else archive_no
    return blind_index(key)


def _require(actor: Any, perm: Perm, agency: Agency) -> None:
    if actor is not None and not actor_has_perm(actor, perm, agency):
        raise Forbidden(f"{perm} at {agency.code}")


def person_may_edit(actor: Any, person: Person) -> bool:
    """Staff who manage the person's agency; the person themself while the record is a draft."""
    if actor is None or actor_has_perm(actor, Perm.EDIT_PEOPLE, person.agency):
        return True
    return (
        bool(person.user_id)
        and person.user_id == getattr(actor, "pk", None)
        and person.status == Status.DRAFT
    )


def identity_from_input(data: dict[str, Any]) -> dict[str, Any]:
    """Check the document and derive birth date, sex and nationality so nobody types them twice."""
    doc_type = str(data.get("document_type") or "")
    result = check_identity(doc_type, str(data.get("archive_no") or ""), data.get("nationality") or None)
    if not result.valid:
        raise DomainError(
            FieldError(
                e.code, "identity.archive_no" if e.field == "number" else f"identity.{e.field}", e.message
            )
            for e in result.errors
        )
    out = {k: v for k, v in data.items() if v not in (None, "")}
    out["archive_no"] = result.archive_no
    out["document_type"] = result.document_type.value if result.document_type else doc_type
    mismatches = []
    if result.birth_date is not None:
        if str(out.get("birth_date", result.birth_date)) != str(result.birth_date):
            mismatches.append(
                FieldError("identity.birth_date_mismatch", "identity.birth_date", "出生日期与证件号码不一致")
            )
        out["birth_date"] = result.birth_date
    if result.sex is not None:
        if str(out.get("sex", result.sex)) != result.sex:
            mismatches.append(FieldError("identity.sex_mismatch", "identity.sex", "性别与证件号码不一致"))
        out["sex"] = result.sex
    if mismatches:
        raise DomainError(mismatches)
    out["nationality"] = result.nationality or (
        "CHN" if doc_type in {"resident_id", "hmt_residence_permit"} else None
    )
    return out


def _validate(payload: dict[str, Any]) -> std.PersonRecord:
    try:
        return std.PersonRecord.model_validate(payload)
    except ValidationError as exc:
        raise DomainError(field_errors(exc)) from exc


def person_journal(actor: Any, person: Person, action: str, data: dict[str, Any] | None = None) -> None:
    """Bump the version and append the audit event and the outbox row, in the caller's transaction.

    Every service that changes anything of a person (this app's or a module's) ends with this call."""
    refusal = write_refusal(person, action)
    if refusal:
        raise DomainError.single("person.frozen", "person", refusal)
    person.version += 1
    Person.objects.filter(pk=person.pk).update(version=person.version, updated_at=timezone.now())
    audit_append(
        actor=actor,
        action=action,
        object_type="person",
        object_id=str(person.uid),
        data={"version": person.version, **(data or {})},
    )
    person_written(person)
    snapshot = person_record(person).model_dump(mode="json")
    outbox_append(person_uid=person.uid, person_version=person.version, kind=action, snapshot=snapshot)


def person_create(
    *,
    actor: Any,
    agency: Agency,
    identity: dict[str, Any],
    category: str,
    education: list[dict[str, Any]] | None = None,
    work: list[dict[str, Any]] | None = None,
    student: dict[str, Any] | None = None,
    status: str = Status.COLLECTED,
    owner: Any = None,
) -> Person:
    """Create a person under `agency`: walk-in entry by staff, or a draft by the person
    registering themself (`owner` is then the new account and the actor)."""
    if not (owner is not None and actor is owner and status == Status.DRAFT):
        _require(actor, Perm.EDIT_PEOPLE, agency)
    ident = identity_from_input(identity)
    rec = _validate(
        {
            "person_id": uuid.uuid4(),
            "version": 1,
            "identity": ident,
            "collection": {"category": category, "agency_code": agency.code, "status": status},
            "education": education or [],
            "work": work or [],
            "student": student,
        }
    )
    index = archive_index_for(rec.identity.document_type, rec.identity.archive_no, rec.identity.nationality)
    if Person.objects.filter(archive_index=index).exists():
        raise DomainError.single("person.duplicate", "identity.archive_no", DUPLICATE_MESSAGE)
    try:
        with transaction.atomic():
            person = Person(uid=rec.person_id, agency=agency, archive_index=index, version=0, user=owner)
            apply_record(person, rec)
            if status == Status.COLLECTED:
                person.collected_at = timezone.now()
            person.save()
            replace_history(person, rec)
            person_journal(actor, person, "person.create", {"agency": agency.code, "status": status})
    except IntegrityError as exc:
        # Another request registered the same number between our check and our insert.
        raise DomainError.single("person.duplicate", "identity.archive_no", DUPLICATE_MESSAGE) from exc
    return person


def person_update(
    *,
    actor: Any,
    person: Person,
    changes: dict[str, Any],
    reason: str = "",
    expected_version: int | None = None,
) -> Person:
    """Apply changes (top-level record groups: identity, collection, education, work, student)."""
    with transaction.atomic():
        locked = Person.objects.select_for_update().select_related("agency").get(pk=person.pk)
        if not person_may_edit(actor, locked):
            raise Forbidden("edit person")
        if expected_version is not None and locked.version != expected_version:
            raise DomainError.single("person.stale", "version", "记录已被他人修改，请刷新后重试")
        current = person_record(locked).model_dump(mode="python")
        if "identity" in changes:
            merged = {**current["identity"], **changes["identity"]}
            current["identity"] = identity_from_input(merged)
        for group in ("education", "work", "student"):
            if group in changes:
                current[group] = changes[group]
        if "collection" in changes:
            current["collection"] = {**current["collection"], **changes["collection"]}
        current["version"] = locked.version + 1
        rec = _validate(current)
        index = archive_index_for(
            rec.identity.document_type, rec.identity.archive_no, rec.identity.nationality
        )
        if index != locked.archive_index and Person.objects.filter(archive_index=index).exists():
            raise DomainError.single("person.duplicate", "identity.archive_no", DUPLICATE_MESSAGE)
        locked.archive_index = index
        apply_record(locked, rec)
        locked.save()
        replace_history(locked, rec)
        person_journal(actor, locked, "person.update", {"groups": sorted(changes), "reason": reason})
    return locked


def person_set_state(
    *,
    actor: Any,
    person: Person,
    status: str,
    agency: Agency | None = None,
    action: str,
    data: dict[str, Any],
) -> Person:
    """Change the record's status and managing agency for a workflow (collection, transfer).

    The calling workflow service has checked who may act; this keeps the record's
    version, audit and outbox in step, inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("person_set_state runs inside the workflow's transaction")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    locked.status = status
    if agency is not None:
        locked.agency = agency
    if status == Status.COLLECTED and locked.collected_at is None:
        locked.collected_at = timezone.now()
    locked.save(update_fields=["status", "agency", "collected_at", "updated_at"])
    locked = Person.objects.select_related("agency").get(pk=locked.pk)
    person_journal(actor, locked, action, data)
    return locked


def person_reveal_archive_no(*, actor: Any, person: Person) -> str:
    """The full number, for an actor allowed to see it; the reading itself is audited."""
    if not actor_has_perm(actor, Perm.VIEW_FULL_ID, person.agency):
        raise Forbidden("view_full_id")
    with transaction.atomic():
        audit_append(
            actor=actor, action="person.reveal_archive_no", object_type="person", object_id=str(person.uid)
        )
    return person_archive_no(person)
