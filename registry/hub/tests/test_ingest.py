"""Hub ingest: in-order application, idempotent re-sends, gaps, conflicts, stale versions, ownership."""

from __future__ import annotations

import uuid

from registry.hub.keys import key_install
from registry.hub.models import FeedCursor, InboxBatch, Incident, Quarantine
from registry.people.models import Person

from .conftest import batch, digest, record


def _cursor() -> FeedCursor:
    return FeedCursor.objects.get(agency__code="440000")


def test_batch_applies_records_and_acks(post, fakes):
    a, b = next(fakes), next(fakes)
    msg = batch(1, [record(a), record(b, agency="440203")])
    status, ack = post(msg)
    assert status == 200, ack
    assert ack["message_type"] == "ack" and ack["status"] == "applied"
    assert ack["last_applied_seq"] == 2 and ack["expected_seq"] == 3
    assert ack["signature"]["key_id"] == "440000-test"  # the hub signs its answers
    stored = {p.uid: p for p in Person.objects.select_related("agency")}
    first = stored[uuid.UUID(msg["events"][0]["person_id"])]
    assert first.version == 1 and first.agency.code == "440106" and first.name == a.name
    assert stored[uuid.UUID(msg["events"][1]["person_id"])].agency.code == "440203"
    assert first.educations.count() == len(a.education)
    assert _cursor().events_applied == 2


def test_resent_batch_is_acknowledged_again_and_applied_once(post, fakes):
    msg = batch(1, [record(next(fakes))])
    assert post(msg)[0] == 200
    status, ack = post(msg)  # signed anew: a retry after a lost answer
    assert status == 200 and ack["status"] == "duplicate" and ack["last_applied_seq"] == 1
    assert _cursor().events_applied == 1
    assert InboxBatch.objects.get().resends == 1


def test_same_seq_different_content_is_a_conflict_alarm(post, fakes):
    assert post(batch(1, [record(next(fakes))]))[0] == 200
    other = batch(1, [record(next(fakes))])
    status, reply = post(other)
    assert status == 409 and reply["code"] == "BATCH_CONFLICT"
    assert Person.objects.count() == 1
    assert _cursor().conflicts == 1
    assert Incident.objects.filter(code="BATCH_CONFLICT").exists()


def test_gap_is_held_then_applied_in_order(post, fakes):
    r1, r2, r3 = (record(next(fakes)) for _ in range(3))
    first = batch(1, [r1, r2])
    later = batch(3, [r3], prev=digest(first))
    status, ack = post(later)
    assert status == 200 and ack["status"] == "gap" and ack["expected_seq"] == 1
    assert Person.objects.count() == 0  # nothing applied out of order
    status, ack = post(first)
    assert ack["status"] == "applied" and ack["last_applied_seq"] == 3
    assert Person.objects.count() == 3
    applied = sorted((b.applied_from, b.applied_to) for b in InboxBatch.objects.all())
    assert applied == [(1, 2), (3, 3)]  # each seq applied exactly once


def test_held_batch_is_stored_compressed_and_one_stored_before_that_still_applies(post, fakes):
    """The inbox keeps a held batch's events sealed and compressed; a body kept by an older hub
    (the sealed JSON itself) is read as well."""
    import json
    import zlib

    from registry.core.crypto import decrypt, encrypt
    from registry.hub.ingest import _aad

    r1, r2, r3, r4 = (record(next(fakes)) for _ in range(4))
    first = batch(1, [r1])
    second = batch(2, [r2, r3], prev=digest(first))
    third = batch(4, [r4], prev=digest(second))
    assert post(second)[1]["status"] == "gap" and post(third)[1]["status"] == "gap"
    held = {b.first_seq: b for b in InboxBatch.objects.all()}
    plain = decrypt(bytes(held[2].body), _aad(held[2].agency, 2))
    events = json.loads(zlib.decompress(plain))
    assert [e["seq"] for e in events] == [2, 3] and events == second["events"]
    assert len(plain) < len(json.dumps(second["events"]))
    old_form = json.dumps(third["events"], ensure_ascii=False).encode()
    InboxBatch.objects.filter(pk=held[4].pk).update(body=encrypt(old_form, _aad(held[4].agency, 4)))
    status, ack = post(first)
    assert status == 200 and ack["status"] == "applied" and ack["last_applied_seq"] == 4
    assert Person.objects.count() == 4


def test_sequence_going_backwards_is_refused(post, fakes):
    r1, r2 = record(next(fakes)), record(next(fakes))
    assert post(batch(1, [r1, r2]))[0] == 200
    status, reply = post(batch(2, [record(next(fakes))]))
    assert status == 409 and reply["code"] == "SEQUENCE_BACKWARDS" and reply["expected_seq"] == 3
    assert Person.objects.count() == 2


def test_broken_chain_is_refused(post, fakes):
    first = batch(1, [record(next(fakes))])
    assert post(first)[0] == 200
    status, reply = post(batch(2, [record(next(fakes))], prev="1" * 64))
    assert status == 400 and reply["code"] == "CHAIN_BROKEN"
    assert Person.objects.count() == 1
    assert post(batch(2, [record(next(fakes))], prev=digest(first)))[0] == 200


def test_older_version_is_not_applied(post, fakes):
    fake = next(fakes)
    uid = uuid.uuid4()
    first = batch(1, [record(fake, uid=uid, version=3, name="新名字")])
    assert post(first)[0] == 200
    status, ack = post(batch(2, [record(fake, uid=uid, version=2, name="旧名字")], prev=digest(first)))
    assert status == 200 and ack["last_applied_seq"] == 2
    assert [n["code"] for n in ack["notices"]] == ["VERSION_STALE"]
    person = Person.objects.get(uid=uid)
    assert person.version == 3 and person.name == "新名字"
    assert _cursor().events_stale == 1


def test_record_outside_jurisdiction_refuses_whole_batch(post, fakes):
    status, reply = post(batch(1, [record(next(fakes)), record(next(fakes), agency="440300")]))
    assert status == 400 and reply["code"] == "OUT_OF_JURISDICTION"
    assert reply["errors"][0]["path"] == "events[1].record.collection.agency_code"
    assert Person.objects.count() == 0 and not InboxBatch.objects.exists()


def test_person_owned_by_another_province_is_quarantined(post, fakes, agency):
    fake = next(fakes)
    uid = uuid.uuid4()
    assert post(batch(1, [record(fake, uid=uid)]))[0] == 200
    key_install(agency=agency("440300"), key_id="440300-test", secret=b"s" * 32)
    # 深圳 (its own provincial body) reports the same person, and then the same number under a new id.
    msg = batch(
        1, [record(fake, uid=uid, version=2, agency="440300"), record(fake, agency="440300")], agency="440300"
    )
    status, ack = post(msg, key=b"s" * 32, key_id="440300-test", agency="440300")
    assert status == 200, ack
    assert [n["code"] for n in ack["notices"]] == ["OWNERSHIP_CONFLICT", "OWNERSHIP_CONFLICT"]
    person = Person.objects.select_related("agency").get(uid=uid)
    assert person.version == 1 and person.agency.code == "440106"
    assert Quarantine.objects.filter(reporter__code="440300", holder__code="440106").count() == 2
    assert Person.objects.count() == 1
