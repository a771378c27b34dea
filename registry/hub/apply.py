"""Writing a reported record into the master database (the same person models a province uses)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from registry.core.crypto import encrypt
from registry.core.errors import DomainError
from registry.orgs.models import Agency
from registry.orgs.selectors import provincial_code
from registry.people.hooks import person_written
from registry.people.models import Person
from registry.people.services import archive_index_for
from registry.people.snapshot import apply_record, replace_history, replace_sections
from registry.standard.record import PersonRecord

from .models import Quarantine

APPLIED, STALE, QUARANTINED, CONFLICT = "applied", "stale", "quarantined", "conflict"

# Transfers (a later app) answer whether `reporter` may report a person the hub holds under `holder`
# (an approved transfer moved them). Without a registered check, only the holder may report.
OWNERSHIP_CHECKS: list[Callable[[Person, Agency], bool]] = []


def register_ownership_check(check: Callable[[Person, Agency], bool]) -> None:
    if check not in OWNERSHIP_CHECKS:
        OWNERSHIP_CHECKS.append(check)


def _may_report(person: Person, reporter: Agency) -> bool:
    if provincial_code(person.agency) == reporter.code:
        return True
    return any(check(person, reporter) for check in OWNERSHIP_CHECKS)


def in_jurisdiction(reporter: Agency, agency: Agency | None) -> bool:
    return agency is not None and agency.path.startswith(reporter.path)


def _quarantine(
    rec: PersonRecord,
    reporter: Agency,
    holder: Person | None,
    seq: int | None,
    index: str,
    code: str = "OWNERSHIP_CONFLICT",
) -> None:
    from registry.standard.masking import mask_archive_no

    body = json.dumps(rec.model_dump(mode="json"), ensure_ascii=False).encode()
    Quarantine.objects.create(
        reporter=reporter,
        holder=holder.agency if holder else None,
        seq=seq,
        person_uid=rec.person_id,
        person_version=rec.version,
        archive_index=index,
        archive_masked=mask_archive_no(rec.identity.archive_no),
        name=rec.identity.name,
        code=code,
        record_cipher=encrypt(body, f"quarantine:{rec.person_id}:{rec.version}".encode()),
        created_at=timezone.now(),
    )


def master_apply(
    rec: PersonRecord, *, reporter: Agency, agency: Agency, seq: int | None = None, repair: bool = False
) -> str:
    """Apply one record reported by `reporter`; the caller holds the transaction and has checked that
    `agency` (the record's managing agency) lies in the reporter's jurisdiction."""
    ident = rec.identity
    index = archive_index_for(ident.document_type, ident.archive_no, ident.nationality)
    person = Person.objects.select_for_update().select_related("agency").filter(uid=rec.person_id).first()
    if person is None:
        holder = Person.objects.select_related("agency").filter(archive_index=index).first()
        if holder is not None:
            _quarantine(rec, reporter, holder, seq, index)
            return QUARANTINED
        person = Person(uid=rec.person_id)
    else:
        if not _may_report(person, reporter):
            from .transfers import former_owner_report

            if former_owner_report(person, reporter):
                return STALE  # the origin's last word (已调出) on a person the hub has handed over
            _quarantine(rec, reporter, person, seq, index)
            return QUARANTINED
        if rec.version <= person.version and not repair:
            return STALE
    try:
        with transaction.atomic():  # a savepoint: a refused section leaves nothing of this record behind
            apply_record(person, rec)
            person.agency = agency
            person.archive_index = index
            person.version = rec.version
            person.pledge_version = rec.collection.pledge_version or ""
            person.pledge_accepted_at = rec.collection.pledge_accepted_at
            person.collected_at = rec.collection.collected_at
            person.save()
            replace_history(person, rec)
            replace_sections(person, rec)
            person_written(person)
    except DomainError:
        # The record clashes with another person's data held here (e.g. an exam certificate number
        # registered twice nationally): keep it aside for the provinces to sort out.
        _quarantine(rec, reporter, None, seq, index, code="RECORD_CONFLICT")
        return CONFLICT
    return APPLIED
