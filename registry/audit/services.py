"""Appending to the audit chain and the outbox. Callers hold the transaction."""

from __future__ import annotations

import json
import uuid
from datetime import UTC
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.core.crypto import encrypt, sm3_hex

from .models import AuditEvent, Counter, OutboxEvent

GENESIS = "0" * 64


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def event_digest(event: AuditEvent) -> str:
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    body = {
        "seq": event.seq,
        "at": at,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "prev": event.prev_hash,
    }
    return sm3_hex(canonical(body))


def _next(name: str) -> Counter:
    counter, _ = Counter.objects.select_for_update().get_or_create(name=name)
    counter.value += 1
    return counter


def audit_append(
    *, actor: Any, action: str, object_type: str, object_id: str, data: dict[str, Any] | None = None
) -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside the writing transaction")
    head = _next("audit")
    actor_id = getattr(actor, "pk", None)
    event = AuditEvent(
        seq=head.value,
        at=timezone.now().replace(tzinfo=UTC),
        actor_id=actor_id,
        actor_name=str(actor) if actor_id else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=json.loads(canonical(data or {})),
        prev_hash=head.digest or GENESIS,
    )
    event.hash = event_digest(event)
    event.save()
    head.digest = event.hash
    head.save(update_fields=["value", "digest"])
    return event


def outbox_append(
    *, person_uid: uuid.UUID, person_version: int, kind: str, snapshot: dict[str, Any]
) -> OutboxEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_append must run inside the writing transaction")
    head = _next("outbox")
    head.save(update_fields=["value"])
    return OutboxEvent.objects.create(
        seq=head.value,
        created_at=timezone.now(),
        person_uid=person_uid,
        person_version=person_version,
        kind=kind,
        payload=encrypt(canonical(snapshot), aad=f"outbox:{head.value}".encode()),
    )
