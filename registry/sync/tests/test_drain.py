"""The drain against a scripted hub: what it sends, what it keeps, how it backs off and rewinds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from registry.audit.models import OutboxEvent
from registry.people.services import person_update
from registry.standard.messages import ChangeBatch
from registry.standard.signing import GENESIS, content_digest
from registry.sync.client import HubClient, HubRefused, HubUnavailable
from registry.sync.drain import BACKOFF_CAP, drain, drain_step, feed_state


class ScriptedHub(HubClient):
    """Answers like the hub would, or as told: 'ok', 'down', or a refusal."""

    def __init__(self) -> None:
        super().__init__(url="http://hub.invalid/", agency="440000", key_id="k", key=b"k" * 32)
        self.sent: list[dict[str, Any]] = []
        self.script: list[Any] = []
        self.applied = 0

    def call(self, message: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(message)
        ChangeBatch.model_validate(message)  # everything the drain sends is a valid batch
        action = self.script.pop(0) if self.script else "ok"
        if action == "down":
            raise HubUnavailable("connection refused")
        if isinstance(action, HubRefused):
            raise action
        if isinstance(action, dict):
            return action
        self.applied = max(self.applied, message["last_seq"])
        return {
            "message_type": "ack",
            "status": "applied",
            "last_applied_seq": self.applied,
            "expected_seq": self.applied + 1,
        }


@pytest.fixture
def hub() -> ScriptedHub:
    return ScriptedHub()


def test_sends_every_change_in_order_then_idles(make_person, hub):
    people = [make_person() for _ in range(3)]
    person_update(actor=None, person=people[0], changes={"mobile": "13900000000"}, expected_version=1)
    total = OutboxEvent.objects.count()
    assert drain(hub, batch_size=2) == total
    seqs = [e["seq"] for m in hub.sent for e in m["events"]]
    assert seqs == list(range(1, total + 1))
    assert hub.sent[0]["prev_digest"] == GENESIS
    assert hub.sent[1]["prev_digest"] == content_digest(hub.sent[0])
    assert not OutboxEvent.objects.filter(sent_at__isnull=True).exists()
    assert drain_step(hub).outcome == "idle"


def test_failed_send_is_resent_unchanged_with_growing_capped_backoff(make_person, hub):
    make_person()
    hub.script = ["down"] * 12
    delays = []
    for _ in range(12):
        before = timezone.now()
        assert drain_step(hub, ignore_backoff=True).outcome == "failed"
        state = feed_state()
        assert state.next_attempt_at is not None
        delays.append((state.next_attempt_at - before).total_seconds())
    assert state.last_error_code == "UNAVAILABLE" and state.attempts == 12
    assert delays[3] > delays[0] and max(delays) <= BACKOFF_CAP + 1
    digests = {content_digest(m) for m in hub.sent}
    assert len(digests) == 1  # the batch in flight is never re-cut
    assert drain_step(hub).outcome == "waiting"  # respects the backoff
    assert drain_step(hub, ignore_backoff=True).outcome == "sent"
    assert content_digest(hub.sent[-1]) in digests
    assert feed_state().last_error == "" and feed_state().pending_first is None


def test_new_changes_wait_behind_the_batch_in_flight(make_person, hub):
    make_person()
    hub.script = ["down"]
    drain_step(hub)
    first = hub.sent[0]
    make_person()
    drain_step(hub, ignore_backoff=True)
    assert content_digest(hub.sent[1]) == content_digest(first)
    drain_step(hub, ignore_backoff=True)
    assert hub.sent[2]["first_seq"] == first["last_seq"] + 1


def test_refusal_with_expected_seq_rewinds(make_person, hub):
    for _ in range(3):
        make_person()
    drain(hub)
    state = feed_state()
    assert state.last_acked_seq == 3
    hub.script = [HubRefused("SEQUENCE_BACKWARDS", "x", 409, {"expected_seq": 2})]
    make_person()
    drain_step(hub)
    assert feed_state().last_acked_seq == 1
    drain_step(hub)
    assert hub.sent[-1]["first_seq"] == 2


def test_gap_answer_makes_the_drain_go_back(make_person, hub):
    for _ in range(2):
        make_person()
    drain(hub)
    make_person()
    hub.script = [{"message_type": "ack", "status": "gap", "last_applied_seq": 0, "expected_seq": 1}]
    drain_step(hub)
    assert feed_state().last_acked_seq == 0 and feed_state().pending_first is None
    drain_step(hub)
    assert hub.sent[-1]["first_seq"] == 1 and hub.sent[-1]["prev_digest"] == GENESIS


def test_data_refusal_is_kept_as_error_and_retried_later(make_person, hub):
    make_person()
    hub.script = [HubRefused("OUT_OF_JURISDICTION", "不在辖区", 400, {})]
    step = drain_step(hub)
    assert step.outcome == "failed"
    state = feed_state()
    assert state.last_error_code == "OUT_OF_JURISDICTION"
    assert state.next_attempt_at is not None and state.next_attempt_at > timezone.now()
    assert state.last_acked_seq == 0


def test_rolled_back_write_never_reaches_the_hub(make_person, hub):
    person = make_person()
    before = OutboxEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        person_update(actor=None, person=person, changes={"mobile": "13900000001"}, expected_version=1)
        raise RuntimeError("crash after the write")
    assert OutboxEvent.objects.count() == before
    drain(hub)
    assert all(e["person_version"] == 1 for m in hub.sent for e in m["events"])
    assert feed_state().last_acked_seq == before


def test_crash_after_cutting_resends_the_same_batch(make_person, hub, monkeypatch):
    make_person()
    make_person()

    def crash(message: dict[str, Any]) -> dict[str, Any]:
        raise KeyboardInterrupt  # the process dies after storing the batch, before any answer

    monkeypatch.setattr(hub, "call", crash)
    with pytest.raises(KeyboardInterrupt):
        drain_step(hub)
    stored = feed_state()
    assert stored.pending_first == 1 and stored.pending_last == 2
    monkeypatch.undo()
    drain_step(hub)
    assert content_digest(hub.sent[0]) == stored.pending_digest
    assert feed_state().last_acked_seq == 2


def test_status_counts_the_queue(make_person, hub):
    from registry.sync.drain import queue_status

    make_person()
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(seconds=30))
    status = queue_status()
    assert status["depth"] == 1 and status["lag_seconds"] >= 30
    drain(hub)
    assert queue_status()["depth"] == 0 and queue_status()["lag_seconds"] == 0
