"""Bad messages at the hub's door: each gets its stable code, is logged, and applies nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from registry.hub.keys import key_issue, key_lookup
from registry.hub.models import AgencyKey, FeedCursor, Incident
from registry.people.models import Person
from registry.standard.messages import MAX_EVENTS, MAX_MESSAGE_BYTES
from registry.standard.signing import sign

from .conftest import KEY, KEY_ID, batch, record


def _nothing_applied() -> None:
    assert Person.objects.count() == 0
    assert not FeedCursor.objects.filter(last_applied_seq__gt=0).exists()


def test_unsigned(post, fakes):
    status, reply = post(batch(1, [record(next(fakes))]), signed=False)
    assert (status, reply["code"]) == (401, "SIGNATURE_MISSING")
    _nothing_applied()


def test_wrongly_signed(post, fakes):
    status, reply = post(batch(1, [record(next(fakes))]), key=b"x" * 32)
    assert (status, reply["code"]) == (401, "SIGNATURE_INVALID")
    assert Incident.objects.filter(code="SIGNATURE_INVALID", agency_code="440000").exists()
    _nothing_applied()


def test_altered_after_signing(client, hub_key, fakes):
    signed = sign(batch(1, [record(next(fakes))]), agency="440000", key_id=KEY_ID, key=KEY)
    signed["events"][0]["record"]["identity"]["name"] = "改过的名字"
    response = client.post("/hub/api/v1/feed", json.dumps(signed), content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "SIGNATURE_INVALID"
    _nothing_applied()


def test_unknown_key(post, fakes):
    status, reply = post(batch(1, [record(next(fakes))]), key_id="440000-nope")
    assert (status, reply["code"]) == (401, "KEY_UNKNOWN")


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_expired_or_future_timestamp(post, fakes, skew):
    status, reply = post(batch(1, [record(next(fakes))]), now=datetime.now(UTC) + skew)
    assert (status, reply["code"]) == (401, "TIMESTAMP_EXPIRED")
    _nothing_applied()


def test_replayed_message(client, hub_key, fakes):
    signed = sign(batch(1, [record(next(fakes))]), agency="440000", key_id=KEY_ID, key=KEY)
    body = json.dumps(signed)
    assert client.post("/hub/api/v1/feed", body, content_type="application/json").status_code == 200
    again = client.post("/hub/api/v1/feed", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "REPLAYED"
    assert FeedCursor.objects.get().events_applied == 1


def test_oversized(client, hub_key):
    body = b"{" + b" " * (MAX_MESSAGE_BYTES + 10) + b"}"
    response = client.post("/hub/api/v1/feed", body, content_type="application/json")
    assert response.status_code == 413 and response.json()["code"] == "TOO_LARGE"


def test_too_many_events(post, fakes):
    fake = next(fakes)
    status, reply = post(batch(1, [record(fake) for _ in range(MAX_EVENTS + 1)]))
    assert (status, reply["code"]) == (400, "SCHEMA_INVALID")
    assert any(e["path"] == "events" for e in reply["errors"])


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", '{"a": "\xff"}'.encode("latin-1")])
def test_malformed(client, hub_key, body):
    response = client.post("/hub/api/v1/feed", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "MALFORMED"


def test_schema_violation_names_the_path(post, fakes):
    msg = batch(1, [record(next(fakes)), record(next(fakes))])
    number = msg["events"][1]["record"]["identity"]["archive_no"]
    msg["events"][1]["record"]["identity"]["archive_no"] = number[:-1] + ("0" if number[-1] != "0" else "1")
    status, reply = post(msg)
    assert (status, reply["code"]) == (400, "SCHEMA_INVALID")
    assert any(e["path"].startswith("events[1].record") for e in reply["errors"]), reply["errors"]
    _nothing_applied()


def test_wrong_message_type_for_endpoint(post, fakes):
    status, reply = post(batch(1, [record(next(fakes))]), endpoint="resync")
    assert (status, reply["code"]) == (400, "SCHEMA_INVALID")
    assert reply["errors"][0]["path"] == "message_type"


def test_agency_must_match_signature(post, fakes):
    status, reply = post(batch(1, [record(next(fakes))], agency="110000"))
    assert (status, reply["code"]) == (403, "AGENCY_MISMATCH")
    _nothing_applied()


def test_get_is_not_allowed(client, hub_key):
    response = client.get("/hub/api/v1/feed")
    assert response.status_code == 405 and response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_rotation_keeps_old_key_for_the_overlap_then_refuses_it(agency, hub_key):
    body = agency("440000")
    new, _secret = key_issue(actor=None, agency=body, rotate=True)
    old = AgencyKey.objects.get(key_id=KEY_ID)
    assert old.valid_until is not None and key_lookup("440000", KEY_ID) is not None
    assert key_lookup("440000", new.key_id) is not None
    AgencyKey.objects.filter(pk=old.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert key_lookup("440000", KEY_ID) is None
    assert key_lookup("110000", new.key_id) is None  # a key belongs to one agency
