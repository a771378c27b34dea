"""Creating many people in one transaction with the trail each would get from `person_create`.

`person_create` costs several milliseconds a person: it takes the audit and outbox counters once
per person and reads every module's section back for the snapshot. Here a chunk of people is
inserted in a few statements (`bulk.py`), and each person still gets, in the same transaction,
version 1, a `person.create` audit event in the hash chain, the write listeners' call and an outbox
row with their snapshot; the counter rows are locked once per chunk (ADR 0003's gapless, in-order
numbering holds). See docs/adr/0012-bulk-import.md for the one difference: the snapshot is the
validated record, whose module sections are empty (no module row can refer to a person who did
not exist before).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from types import SimpleNamespace
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from registry.audit.models import AuditEvent, Counter, OutboxEvent
from registry.audit.services import GENESIS, event_digest
from registry.core.crypto import encrypt
from registry.orgs.models import Agency
from registry.people import hooks
from registry.people.models import Education, Person, Status, Work
from registry.people.snapshot import apply_record
from registry.standard import record as std

from .bulk import insert_dicts, insert_rows


@dataclass(frozen=True)
class NewPerson:
    record: std.PersonRecord  # validated, with person_id, version 1 and collected_at set
    agency: Agency
    index: str


def _locked_counter(name: str) -> Counter:
    counter, _ = Counter.objects.select_for_update().get_or_create(name=name)
    return counter


def people_bulk_create(*, actor: Any, people: Sequence[NewPerson], job_uid: str) -> list[Person]:
    """Insert the people with their history, audit events and outbox rows. Runs inside the caller's
    transaction; an IntegrityError (a number registered meanwhile) rolls the caller's savepoint back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("people_bulk_create runs inside the import's transaction")
    if not people:
        return []
    persons = []
    blank = _blank_person()
    for item in people:
        rec = item.record
        person = blank()
        person.uid, person.agency, person.archive_index = rec.person_id, item.agency, item.index
        person.version = 1
        apply_record(person, rec)
        person.collected_at = (
            rec.collection.collected_at if rec.collection.status == Status.COLLECTED else None
        )
        persons.append(person)
    insert_rows(persons)
    ids = dict(
        Person.objects.filter(archive_index__any=[p.archive_index for p in persons]).values_list(
            "archive_index", "id"
        )
    )
    for person in persons:
        person.pk = ids[person.archive_index]
        person._state.adding = False
        person._state.db = "default"
    _history(persons, people)
    _audit(actor, persons, job_uid)
    _notify(persons)
    _outbox(persons, people)
    return persons


def _blank_person() -> Callable[[], Person]:
    """New Person instances with every field at its default. Positional arguments are Django's fast
    path (as for rows read from the database): a third of the keyword path's 57 µs a person. The
    defaults are taken once; a mutable one (none today) would be taken per person."""
    fields = Person._meta.concrete_fields
    defaults = [f.get_default() for f in fields]
    if any(isinstance(d, dict | list | set | bytearray) for d in defaults):
        return lambda: Person(*[f.get_default() for f in fields])
    return lambda: Person(*defaults)


def _notify(persons: list[Person]) -> None:
    """The write listeners (statistics), once per person as `person_journal` does — or once for the
    chunk where people.hooks offers a batch notification (statistics can refresh a list of people
    in a few queries; per person it costs more than the rest of the import together)."""
    batch = getattr(hooks, "people_written", None)
    if batch is not None:
        batch(persons)
        return
    for person in persons:
        hooks.person_written(person)


def _history(persons: list[Person], people: Sequence[NewPerson]) -> None:
    educations, works = [], []
    for person, item in zip(persons, people, strict=True):
        for i, e in enumerate(item.record.education):
            educations.append(
                {
                    "person_id": person.pk,
                    "position": i,
                    "mode": e.mode,
                    "school": e.school,
                    "education": e.education,
                    "degree": e.degree or "",
                    "major": e.major or "",
                    "start_date": e.start_date,
                    "end_date": e.end_date,
                    "diploma_no": e.diploma_no or "",
                    "degree_cert_no": e.degree_cert_no or "",
                }
            )
        for i, w in enumerate(item.record.work):
            works.append(
                {
                    "person_id": person.pk,
                    "position": i,
                    "start_date": w.start_date,
                    "end_date": w.end_date,
                    "unit_name": w.unit_name,
                    "credit_code": w.credit_code or "",
                    "unit_nature": w.unit_nature or "",
                    "industry": w.industry or "",
                    "unit_region": w.unit_region or "",
                    "is_accounting": w.is_accounting,
                    "post": w.post or "",
                    "position_title": w.position or "",
                }
            )
    insert_dicts(Education, educations)
    insert_dicts(Work, works)


def _audit(actor: Any, persons: list[Person], job_uid: str) -> None:
    """The chain as `audit_append` builds it, one event per person, the head taken once."""
    head = _locked_counter("audit")
    actor_id = getattr(actor, "pk", None)
    actor_name = str(actor) if actor_id else "system"
    at = timezone.now().replace(tzinfo=UTC)
    prev = head.digest or GENESIS
    events = []
    for person in persons:
        head.value += 1
        data = {"version": 1, "agency": person.agency.code, "status": person.status, "import_job": job_uid}
        event = {
            "seq": head.value,
            "at": at,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "action": "person.create",
            "object_type": "person",
            "object_id": str(person.uid),
            "data": data,  # plain str/int already: audit_append's JSON round trip would not change it
            "prev_hash": prev,
        }
        # event_digest reads the event's attributes; a namespace spares a model instance per event.
        event["hash"] = prev = event_digest(cast(AuditEvent, SimpleNamespace(**event)))
        events.append(event)
    insert_dicts(AuditEvent, events)
    head.digest = prev
    head.save(update_fields=["value", "digest"])


def _outbox(persons: list[Person], people: Sequence[NewPerson]) -> None:
    head = _locked_counter("outbox")
    now = timezone.now()
    rows = []
    for person, item in zip(persons, people, strict=True):
        head.value += 1
        seq = head.value
        rows.append(
            {
                "seq": seq,
                "created_at": now,
                "person_uid": person.uid,
                "person_version": 1,
                "kind": "person.create",
                # The record's own JSON (Rust) rather than audit.canonical (sorted keys, in Python):
                # the drain json.loads the snapshot, and this is 40 µs a person less.
                "payload": encrypt(item.record.model_dump_json().encode(), aad=f"outbox:{seq}".encode()),
            }
        )
    insert_dicts(OutboxEvent, rows)
    head.save(update_fields=["value"])
