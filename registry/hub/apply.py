"""Writing a reported record into the master database (the same person models a province uses)."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from registry.core.crypto import encrypt
from registry.core.errors import DomainError
from registry.core.rows import rewrite_rows
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


SUPERSEDED_BY_LATER = "superseded"
_FIELDS = [
    "archive_cipher",
    "archive_masked",
    "document_type",
    "nationality",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "political_status",
    "mobile",
    "email",
    "address",
    "residence_region",
    "category",
    "status",
    "highest_education",
    "student_school",
    "student_region",
    "student_expected_graduation",
    "agency",
    "archive_index",
    "version",
    "pledge_version",
    "pledge_accepted_at",
    "collected_at",
    "updated_at",
]


def master_apply_many(
    items: list[tuple[int | None, PersonRecord, Agency]], *, reporter: Agency, repair: bool = False
) -> list[str]:
    """`master_apply` for a batch, set-based: the outcome of each item, in order.

    Only each person's last record in the batch is written (an earlier one is `superseded`: its effect is
    contained in the later version). Checks are the same as master_apply's, made with a few queries; the
    writes are bulk, and a record a module refuses is quarantined (RECORD_CONFLICT) with nothing of it kept.
    """
    from registry.people.hooks import people_written
    from registry.people.snapshot import replace_many

    from .transfers import former_owner_report

    last = {rec.person_id: i for i, (_seq, rec, _agency) in enumerate(items)}
    outcomes = [SUPERSEDED_BY_LATER] * len(items)
    chosen = [i for i, (_s, rec, _a) in enumerate(items) if last[rec.person_id] == i]
    index_of = {
        i: archive_index_for(
            items[i][1].identity.document_type,
            items[i][1].identity.archive_no,
            items[i][1].identity.nationality,
        )
        for i in chosen
    }
    existing = {
        p.uid: p
        for p in Person.objects.select_for_update(of=("self",))
        .select_related("agency")
        .filter(uid__any=[items[i][1].person_id for i in chosen])
    }
    holders = {
        p.archive_index: p
        for p in Person.objects.select_related("agency").filter(archive_index__any=list(index_of.values()))
    }
    pending: list[tuple[int, Person, PersonRecord]] = []
    claimed: set[str] = set()
    for i in chosen:
        seq, rec, agency = items[i]
        person = existing.get(rec.person_id)
        index = index_of[i]
        if person is None:
            holder = holders.get(index)
            if holder is not None or index in claimed:
                _quarantine(rec, reporter, holder, seq, index)
                outcomes[i] = QUARANTINED
                continue
            person = Person(uid=rec.person_id)
        elif not _may_report(person, reporter):
            if former_owner_report(person, reporter):
                outcomes[i] = STALE
                continue
            _quarantine(rec, reporter, person, seq, index)
            outcomes[i] = QUARANTINED
            continue
        elif rec.version <= person.version and not repair:
            outcomes[i] = STALE
            continue
        claimed.add(index)
        apply_record(person, rec)
        person.agency = agency
        person.archive_index = index
        person.version = rec.version
        person.pledge_version = rec.collection.pledge_version or ""
        person.pledge_accepted_at = rec.collection.pledge_accepted_at
        person.collected_at = rec.collection.collected_at
        person.updated_at = timezone.now()
        pending.append((i, person, rec))
    while pending:
        refused: dict[int, DomainError] = {}
        try:
            with transaction.atomic():  # a savepoint: a refused record leaves nothing behind
                stored = [p for _i, p, _r in pending if p.pk is not None]
                created = Person.objects.bulk_create([p for _i, p, _r in pending if p.pk is None])
                rewrite_rows(stored, _FIELDS)
                refused = replace_many([(p, rec) for _i, p, rec in pending], fresh={p.pk for p in created})
                if refused:
                    raise _Retry
                people_written([p for _i, p, _r in pending])
        except _Retry:
            keep = []
            for i, person, rec in pending:
                if person.pk in refused:
                    _quarantine(
                        rec, reporter, None, items[i][0], person.archive_index, code="RECORD_CONFLICT"
                    )
                    outcomes[i] = CONFLICT
                else:
                    keep.append((i, person, rec))
            for _i, person, _r in keep:
                if person not in existing.values():
                    person.pk = None  # rolled back: insert again
            pending = keep
            continue
        for i, _p, _r in pending:
            outcomes[i] = APPLIED
        break
    for i, (_s, rec, _a) in enumerate(items):
        if outcomes[i] == SUPERSEDED_BY_LATER:
            latest = outcomes[last[rec.person_id]]
            outcomes[i] = APPLIED if latest == APPLIED else latest
    return outcomes


class _Retry(Exception):
    pass
