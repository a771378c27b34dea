"""Receiving change batches: inbox by (agency, first_seq), apply strictly in sequence, acknowledge.

Spec §4 (docs/interface/README.md). One transaction per received batch; the agency's cursor row is
locked first, so two deliveries of the same agency never interleave.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from registry.core.crypto import decrypt, encrypt
from registry.orgs.models import Agency
from registry.standard.messages import Ack, ChangeBatch, ChangeEvent, Notice
from registry.standard.signing import GENESIS

from .apply import APPLIED, CONFLICT, STALE, in_jurisdiction, master_apply_many
from .models import FeedCursor, InboxBatch, Incident


@dataclass
class Rejected(Exception):
    """The whole message is refused; nothing was applied."""

    code: str
    message: str
    status: int = 400
    errors: list[Notice] = field(default_factory=list)
    expected_seq: int | None = None


def incident(agency_code: str, code: str, message: str, detail: dict[str, Any] | None = None) -> None:
    """Record a refused message or an alarm (outside the refused message's rolled-back transaction)."""
    Incident.objects.create(
        agency_code=agency_code, code=code, message=message[:500], detail=detail or {}, at=timezone.now()
    )
    counter = "conflicts" if code in {"BATCH_CONFLICT", "OWNERSHIP_CONFLICT"} else "errors"
    FeedCursor.objects.filter(agency__code=agency_code).update(**{counter: F(counter) + 1})


def _aad(agency: Agency, first_seq: int) -> bytes:
    return f"inbox:{agency.code}:{first_seq}".encode()


def _events_of(batch: InboxBatch) -> list[ChangeEvent]:
    plain = decrypt(bytes(batch.body), _aad(batch.agency, batch.first_seq))
    # Bodies are stored compressed; one stored before that is the JSON array itself.
    raw = json.loads(plain if plain[:1] == b"[" else zlib.decompress(plain))
    return [ChangeEvent.model_validate(e) for e in raw]


def _agencies_for(reporter: Agency, events: list[ChangeEvent]) -> dict[str, Agency]:
    codes = {e.record.collection.agency_code for e in events}
    found = {a.code: a for a in Agency.objects.filter(code__any=codes)}
    outside = [
        Notice(
            code="OUT_OF_JURISDICTION",
            path=f"events[{i}].record.collection.agency_code",
            message=f"管理机构 {e.record.collection.agency_code} 不在 {reporter.code} 辖区内",
            seq=e.seq,
        )
        for i, e in enumerate(events)
        if not in_jurisdiction(reporter, found.get(e.record.collection.agency_code))
    ]
    if outside:
        raise Rejected("OUT_OF_JURISDICTION", "批次中有记录的管理机构不在报送机构辖区内", errors=outside)
    return found


def _apply_events(
    cursor: FeedCursor,
    reporter: Agency,
    events: list[ChangeEvent],
    notices: list[Notice],
    agencies: dict[str, Agency] | None = None,
) -> tuple[int | None, int | None]:
    """Apply the events after the cursor, in order (set-based); returns the applied seq range."""
    agencies = agencies if agencies is not None else _agencies_for(reporter, events)
    todo: list[ChangeEvent] = []
    for event in events:
        if event.seq == cursor.last_applied_seq + 1 + len(todo):
            todo.append(event)  # earlier seqs were applied through an earlier, overlapping batch
    if not todo:
        return None, None
    outcomes = master_apply_many(
        [(e.seq, e.record, agencies[e.record.collection.agency_code]) for e in todo], reporter=reporter
    )
    for event, outcome in zip(todo, outcomes, strict=True):
        if outcome == APPLIED:
            cursor.events_applied += 1
        elif outcome == STALE:
            cursor.events_stale += 1
            notices.append(
                Notice(
                    code="VERSION_STALE",
                    seq=event.seq,
                    path="person_version",
                    message=f"记录 {event.person_id} 版本 {event.person_version} 不高于已存版本，未应用",
                )
            )
        else:
            cursor.events_quarantined += 1
            conflict = outcome == CONFLICT
            notices.append(
                Notice(
                    code="RECORD_CONFLICT" if conflict else "OWNERSHIP_CONFLICT",
                    seq=event.seq,
                    path="record",
                    message=f"记录 {event.person_id} "
                    + ("与枢纽已有数据冲突（如证书编号重复）" if conflict else "归属其他省级机构")
                    + "，已隔离待核",
                )
            )
    cursor.last_applied_seq = todo[-1].seq
    cursor.last_event_at = todo[-1].at
    return todo[0].seq, todo[-1].seq


def _drain_inbox(
    cursor: FeedCursor,
    reporter: Agency,
    notices: list[Notice],
    current: InboxBatch | None = None,
    current_events: list[ChangeEvent] | None = None,
    current_agencies: dict[str, Agency] | None = None,
) -> None:
    """Apply stored batches as long as one continues the cursor."""
    while True:
        batch = (
            InboxBatch.objects.filter(
                agency=reporter, applied_at__isnull=True, first_seq__lte=cursor.last_applied_seq + 1
            )
            .order_by("first_seq")
            .first()
        )
        if batch is None:
            return
        if current is not None and batch.pk == current.pk:
            first, last = _apply_events(cursor, reporter, current_events or [], notices, current_agencies)
        else:
            first, last = _apply_events(cursor, reporter, _events_of(batch), notices)
        batch.applied_at = timezone.now()
        batch.applied_from, batch.applied_to = first, last
        batch.save(update_fields=["applied_at", "applied_from", "applied_to"])
        if batch.last_seq >= cursor.last_applied_seq:
            cursor.last_digest = batch.digest


def feed_receive(*, reporter: Agency, events_json: bytes, batch: ChangeBatch, digest: str) -> Ack:
    """`events_json`: the batch's events as received, in canonical JSON (kept in the inbox)."""
    FeedCursor.objects.get_or_create(agency=reporter)
    with transaction.atomic():
        cursor = FeedCursor.objects.select_for_update().get(agency=reporter)
        cursor.last_contact_at = timezone.now()
        notices: list[Notice] = []
        stored = InboxBatch.objects.filter(agency=reporter, first_seq=batch.first_seq).first()
        if stored is not None:
            if stored.digest != digest or stored.last_seq != batch.last_seq:
                raise Rejected(
                    "BATCH_CONFLICT",
                    f"序号 {batch.first_seq} 起的批次与已收批次内容不同",
                    status=409,
                    expected_seq=cursor.last_applied_seq + 1,
                )
            stored.resends += 1
            stored.save(update_fields=["resends"])
            _drain_inbox(cursor, reporter, notices)
            cursor.save()
            return _ack(reporter, batch, cursor, "duplicate", notices)
        if batch.first_seq <= cursor.last_applied_seq:
            raise Rejected(
                "SEQUENCE_BACKWARDS",
                f"序号 {batch.first_seq} 已应用（已应用至 {cursor.last_applied_seq}），且不是已收批次",
                status=409,
                expected_seq=cursor.last_applied_seq + 1,
            )
        _check_chain(reporter, batch)
        agencies = _agencies_for(reporter, batch.events)  # refuse the whole batch before storing anything
        row = InboxBatch.objects.create(
            agency=reporter,
            first_seq=batch.first_seq,
            last_seq=batch.last_seq,
            digest=digest,
            prev_digest=batch.prev_digest,
            # Compressed before sealing: ciphertext does not compress, and the JSON shrinks about 4×.
            body=encrypt(zlib.compress(events_json, 1), _aad(reporter, batch.first_seq)),
            oldest_event_at=min(e.at for e in batch.events),
            received_at=timezone.now(),
        )
        _drain_inbox(
            cursor,
            reporter,
            notices,
            current=row,
            current_events=list(batch.events),
            current_agencies=agencies,
        )
        if cursor.last_applied_seq >= batch.last_seq:
            cursor.last_applied_at = timezone.now()
        cursor.save()
        status = "applied" if cursor.last_applied_seq >= batch.last_seq else "gap"
        return _ack(reporter, batch, cursor, status, notices)


def _check_chain(reporter: Agency, batch: ChangeBatch) -> None:
    if batch.first_seq == 1:
        expected = GENESIS
    else:
        before = InboxBatch.objects.filter(agency=reporter, last_seq=batch.first_seq - 1).first()
        if before is None:
            return  # the predecessor was cut differently or not received yet: nothing to compare
        expected = before.digest
    if batch.prev_digest != expected:
        raise Rejected(
            "CHAIN_BROKEN",
            "prev_digest 与前一批次的内容摘要不符",
            errors=[Notice(code="CHAIN_BROKEN", path="prev_digest", message="前一批次摘要不符")],
        )


def _ack(reporter: Agency, batch: ChangeBatch, cursor: FeedCursor, status: str, notices: list[Notice]) -> Ack:
    return Ack(
        message_type="ack",
        agency=reporter.code,
        status=status,  # type: ignore[arg-type]
        received_first_seq=batch.first_seq,
        received_last_seq=batch.last_seq,
        last_applied_seq=cursor.last_applied_seq,
        expected_seq=cursor.last_applied_seq + 1,
        notices=notices[:200],
    )
