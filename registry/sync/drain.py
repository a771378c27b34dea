"""The drain: sends the outbox to the hub in sequence, in signed batches, until everything is acknowledged.

Crash-safe by construction: the batch in flight is stored before it is sent and re-sent unchanged
until the hub acknowledges it; the position only moves on an acknowledgement. A crash at any point
therefore leads to a re-send, which the hub answers as a duplicate.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.audit.models import OutboxEvent
from registry.core.crypto import decrypt, encrypt
from registry.standard.signing import GENESIS, content_digest

from .client import HubClient, HubRefused, HubUnavailable
from .models import FeedState, SentBatch

BATCH_SIZE = 200
BACKOFF_BASE = 1.0
BACKOFF_CAP = 60.0
# Refusals that mean "you are ahead of or behind me": follow the hub's expected_seq.
REWIND_CODES = {"SEQUENCE_BACKWARDS"}


@dataclass
class Step:
    outcome: str  # idle | sent | waiting | failed
    detail: str = ""


# Other work the worker does on each turn (transfers exchange packages and decisions with the hub).
STEPS: list[Callable[[HubClient], None]] = []


def register_step(step: Callable[[HubClient], None]) -> None:
    if step not in STEPS:
        STEPS.append(step)


def feed_state() -> FeedState:
    state, _ = FeedState.objects.get_or_create(pk=1)
    return state


def _events(rows: list[OutboxEvent]) -> list[dict[str, Any]]:
    return [
        {
            "seq": row.seq,
            "person_id": str(row.person_uid),
            "person_version": row.person_version,
            "kind": row.kind,
            "at": row.created_at.isoformat(),
            "record": json.loads(decrypt(bytes(row.payload), f"outbox:{row.seq}".encode())),
        }
        for row in rows
    ]


def _prev_digest(first_seq: int, state: FeedState) -> str:
    if first_seq == 1:
        return GENESIS
    before = SentBatch.objects.filter(last_seq=first_seq - 1).order_by("-first_seq").first()
    return before.digest if before else state.last_acked_digest


def _cut(state: FeedState, agency: str, size: int) -> dict[str, Any] | None:
    """Cut the next batch after the acknowledged position and store it as the batch in flight."""
    rows = list(OutboxEvent.objects.filter(seq__gt=state.last_acked_seq).order_by("seq")[:size])
    if not rows:
        return None
    if rows[0].seq != state.last_acked_seq + 1:
        raise RuntimeError(f"outbox gap: expected seq {state.last_acked_seq + 1}, found {rows[0].seq}")
    message = {
        "message_type": "change_batch",
        "spec_version": "1.0.0",
        "agency": agency,
        "first_seq": rows[0].seq,
        "last_seq": rows[-1].seq,
        "prev_digest": _prev_digest(rows[0].seq, state),
        "sent_at": timezone.now().isoformat(),
        "events": _events(rows),
    }
    digest = content_digest(message)
    with transaction.atomic():
        SentBatch.objects.update_or_create(
            first_seq=rows[0].seq, defaults={"last_seq": rows[-1].seq, "digest": digest}
        )
        state.pending_first, state.pending_last, state.pending_digest = rows[0].seq, rows[-1].seq, digest
        state.pending_body = encrypt(json.dumps(message, ensure_ascii=False).encode(), _aad(rows[0].seq))
        state.attempts = 0
        state.save()
    return message


def _aad(first_seq: int) -> bytes:
    return f"feed-pending:{first_seq}".encode()


def _acknowledged(state: FeedState, applied: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        if applied >= (state.pending_last or 0):
            state.pending_first = state.pending_last = None
            state.pending_body = None
            state.pending_digest = ""
        if applied != state.last_acked_seq:
            sent = SentBatch.objects.filter(last_seq=applied).order_by("-first_seq").first()
            state.last_acked_digest = sent.digest if sent else state.last_acked_digest
            OutboxEvent.objects.filter(seq__lte=applied, sent_at__isnull=True).update(sent_at=now)
        state.last_acked_seq = applied
        state.attempts = 0
        state.next_attempt_at = None
        state.last_error = state.last_error_code = ""
        state.last_success_at = now
        state.batches_sent += 1
        state.save()


def _rewind(state: FeedState, expected: int) -> None:
    """The hub expects an earlier (or later) seq: drop the batch in flight and continue from there."""
    with transaction.atomic():
        state.pending_first = state.pending_last = None
        state.pending_body = None
        state.pending_digest = ""
        state.last_acked_seq = max(expected - 1, 0)
        sent = SentBatch.objects.filter(last_seq=state.last_acked_seq).order_by("-first_seq").first()
        state.last_acked_digest = sent.digest if sent else GENESIS
        state.save()


def _failed(state: FeedState, code: str, message: str) -> Step:
    now = timezone.now()
    state.attempts += 1
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(state.attempts - 1, 16))
    state.next_attempt_at = now + timedelta(seconds=delay * random.uniform(0.5, 1.0))
    state.last_error, state.last_error_code, state.last_error_at = message[:500], code[:32], now
    state.save()
    return Step("failed", f"{code}: {message}")


def drain_step(client: HubClient, *, batch_size: int = BATCH_SIZE, ignore_backoff: bool = False) -> Step:
    """One attempt: send the batch in flight (cutting one if none) and act on the answer."""
    state = feed_state()
    if not ignore_backoff and state.next_attempt_at and state.next_attempt_at > timezone.now():
        return Step("waiting")
    if state.pending_first is not None and state.pending_body is not None:
        message = json.loads(decrypt(bytes(state.pending_body), _aad(state.pending_first)))
    else:
        cut = _cut(state, client.agency, batch_size)
        if cut is None:
            return Step("idle")
        message = cut
    try:
        reply = client.call(message)
    except HubUnavailable as exc:
        return _failed(state, "UNAVAILABLE", str(exc))
    except HubRefused as exc:
        expected = exc.reply.get("expected_seq")
        if exc.code in REWIND_CODES and isinstance(expected, int):
            _rewind(state, expected)
            return Step("sent", f"rewound to {expected}")
        return _failed(state, exc.code, exc.message)
    applied = int(reply.get("last_applied_seq", 0))
    expected = int(reply.get("expected_seq", applied + 1))
    if reply.get("status") == "gap" and expected <= (state.pending_first or expected):
        _rewind(state, expected)  # the hub lacks earlier changes (e.g. it was restored): go back
        return Step("sent", f"gap: rewound to {expected}")
    _acknowledged(state, applied)
    return Step("sent", f"acked {applied}")


def drain(client: HubClient, *, max_steps: int | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Send until the outbox is empty or an attempt fails; returns the last acknowledged seq."""
    steps = 0
    while max_steps is None or steps < max_steps:
        step = drain_step(client, batch_size=batch_size, ignore_backoff=True)
        steps += 1
        if step.outcome in {"idle", "failed"}:
            break
    return feed_state().last_acked_seq


def run_steps(client: HubClient) -> list[str]:
    """Run the registered steps once; a step's failure is reported and retried on the next turn."""
    problems = []
    for step in STEPS:
        try:
            step(client)
        except (HubUnavailable, HubRefused) as exc:
            problems.append(f"{step.__name__}: {exc}")
    return problems


def queue_status() -> dict[str, Any]:
    state = feed_state()
    waiting = OutboxEvent.objects.filter(seq__gt=state.last_acked_seq)
    oldest = waiting.order_by("seq").values_list("created_at", flat=True).first()
    return {
        "state": state,
        "depth": waiting.count(),
        "lag_seconds": (timezone.now() - oldest).total_seconds() if oldest else 0.0,
        "oldest": oldest,
    }
