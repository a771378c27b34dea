"""归属冲突查询 at the hub: each province sees what it reported and what concerns a person it holds."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from registry.hub.keys import key_install
from registry.hub.models import Quarantine
from registry.standard.masking import mask_archive_no
from registry.standard.messages import MAX_CONFLICTS, ConflictList
from registry.sync.client import HubClient
from registry.sync.conflicts import conflicts_refresh
from registry.sync.models import HubConflict

from .conftest import KEY, KEY_ID, batch, record

POLL = {"message_type": "conflict_poll", "spec_version": "1.0.0", "agency": "440000"}
SZ_KEY, BJ_KEY = b"s" * 32, b"b" * 32


@pytest.fixture
def keys(hub_key, agency):
    key_install(agency=agency("440300"), key_id="440300-test", secret=SZ_KEY)
    key_install(agency=agency("110000"), key_id="110000-test", secret=BJ_KEY)


@pytest.fixture
def held(agency, fakes):
    """Quarantine a record as the hub's ingest does; `minutes` ago, so the order is known."""

    def make(
        reporter: str,
        holder: str | None,
        *,
        minutes: int = 0,
        code: str = "OWNERSHIP_CONFLICT",
        resolved: bool = False,
    ) -> Quarantine:
        fake = next(fakes)
        now = timezone.now()
        return Quarantine.objects.create(
            reporter=agency(reporter),
            holder=agency(holder) if holder else None,
            seq=7,
            person_uid=uuid.uuid4(),
            person_version=2,
            archive_index="ab" * 32,
            archive_masked=mask_archive_no(fake.archive_no),
            name=fake.name,
            code=code,
            record_cipher=b"",
            created_at=now - timedelta(minutes=minutes),
            resolved_at=now if resolved else None,
        )

    return make


def _poll(post, code: str = "440000", key: bytes | None = None) -> list[dict]:
    keys = {"440300": SZ_KEY, "110000": BJ_KEY}
    kwargs = {} if code == "440000" else {"key": key or keys[code], "key_id": f"{code}-test", "agency": code}
    status, reply = post({**POLL, "agency": code}, "conflicts", **kwargs)
    assert status == 200, reply
    assert reply["signature"]["agency"] == code  # signed with the asking province's key
    return ConflictList.model_validate(reply).model_dump(mode="json")["conflicts"]


def test_each_province_sees_its_side_newest_first(post, keys, held):
    bj_reports_ours = held("110000", "440106", minutes=30)
    we_report_theirs = held("440000", "110000", minutes=20)
    our_record_clashes = held("440000", None, minutes=10, code="RECORD_CONFLICT")
    sz_reports_bj = held("440300", "110000", minutes=5)
    bj_reports_sz = held("110000", "440300", minutes=4)
    held("110000", "440106", minutes=1, resolved=True)

    ours = _poll(post)
    assert [(c["id"], c["role"]) for c in ours] == [
        (our_record_clashes.pk, "reporter"),
        (we_report_theirs.pk, "reporter"),
        (bj_reports_ours.pk, "holder"),
    ]
    holder_item = ours[2]
    assert holder_item["reporter_code"] == "110000" and holder_item["reporter_name"] == "北京市财政局"
    assert holder_item["holder_code"] == "440106" and holder_item["holder_name"] == "广州市天河区财政局"
    assert holder_item["archive_masked"] == bj_reports_ours.archive_masked
    assert holder_item["name"] == bj_reports_ours.name and holder_item["seq"] == 7
    assert ours[0]["code"] == "RECORD_CONFLICT" and ours[0]["holder_code"] is None

    # 深圳 is a provincial body of its own: not in 广东's subtree, and 广东 not in its.
    assert [(c["id"], c["role"]) for c in _poll(post, "440300")] == [
        (bj_reports_sz.pk, "holder"),
        (sz_reports_bj.pk, "reporter"),
    ]
    assert {c["id"] for c in _poll(post, "110000")} == {
        bj_reports_sz.pk,
        sz_reports_bj.pk,
        we_report_theirs.pk,
        bj_reports_ours.pk,
    }


def test_reporting_a_number_the_province_already_holds_is_the_reporters_side(post, held):
    item = held("440000", "440106")
    assert [(c["id"], c["role"]) for c in _poll(post)] == [(item.pk, "reporter")]


def test_the_list_holds_the_newest_items_up_to_the_cap(post, held):
    rows = [held("110000", "440203", minutes=n) for n in range(MAX_CONFLICTS + 3)]
    listed = _poll(post)
    assert len(listed) == MAX_CONFLICTS
    assert [c["id"] for c in listed] == [r.pk for r in rows[:MAX_CONFLICTS]]


def test_a_record_quarantined_by_the_feed_reaches_both_provinces(post, keys, fakes):
    fake = next(fakes)
    uid = uuid.uuid4()
    assert post(batch(1, [record(fake, uid=uid)]))[0] == 200
    status, ack = post(
        batch(1, [record(fake, uid=uid, version=2, agency="440300")], agency="440300"),
        key=SZ_KEY,
        key_id="440300-test",
        agency="440300",
    )
    assert status == 200 and [n["code"] for n in ack["notices"]] == ["OWNERSHIP_CONFLICT"]

    [holder_side] = _poll(post)
    [reporter_side] = _poll(post, "440300")
    assert holder_side["id"] == reporter_side["id"]
    assert (holder_side["role"], reporter_side["role"]) == ("holder", "reporter")
    assert holder_side["person_id"] == str(uid) and holder_side["person_version"] == 2
    assert holder_side["archive_masked"] == mask_archive_no(fake.archive_no)


def test_the_answer_never_carries_a_full_number(client, post, keys, fakes):
    fake = next(fakes)
    assert post(batch(1, [record(fake)]))[0] == 200
    post(
        batch(1, [record(fake, agency="440300")], agency="440300"),
        key=SZ_KEY,
        key_id="440300-test",
        agency="440300",
    )
    status, reply = post(POLL, "conflicts")
    assert status == 200 and len(reply["conflicts"]) == 1
    assert fake.archive_no not in json.dumps(reply, ensure_ascii=False)


@pytest.mark.parametrize(
    ("kwargs", "message", "expected"),
    [
        ({"signed": False}, {}, (401, "SIGNATURE_MISSING")),
        ({"key": b"x" * 32}, {}, (401, "SIGNATURE_INVALID")),
        ({"key_id": "440000-nope"}, {}, (401, "KEY_UNKNOWN")),
        # 广东 asking for 北京's list: the message's agency must be the signer.
        ({}, {"agency": "110000"}, (403, "AGENCY_MISMATCH")),
        ({}, {"agency": "44"}, (400, "SCHEMA_INVALID")),
        ({}, {"message_type": "transfer_poll"}, (400, "SCHEMA_INVALID")),
    ],
)
def test_refused_like_every_other_endpoint(post, keys, held, kwargs, message, expected):
    held("110000", "440106")
    status, reply = post({**POLL, **message}, "conflicts", **kwargs)
    assert (status, reply["code"]) == expected
    assert "conflicts" not in reply


def test_only_post(client, hub_key):
    response = client.get("/hub/api/v1/conflicts")
    assert response.status_code == 405 and response.json()["code"] == "METHOD_NOT_ALLOWED"


def test_a_record_resent_at_version_0_is_listed(post, held):
    # Resync records may be at version 0 and carry no seq: the list must still be answerable.
    row = held("440000", "110000")
    Quarantine.objects.filter(pk=row.pk).update(person_version=0, seq=None)
    [listed] = _poll(post)
    assert (listed["person_version"], listed["seq"]) == (0, None)


class InProcessHub(HubClient):
    """The province's real client, its requests handed to the hub's views in this process."""

    def __init__(self, client: Client) -> None:
        super().__init__(url="http://testserver/hub/api/v1/", agency="440000", key_id=KEY_ID, key=KEY)
        self.django = client

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        response = self.django.post(f"/hub/api/v1/{path}", body, content_type="application/json")
        return response.status_code, response.content


def test_the_province_mirrors_what_the_hub_quarantined_until_it_is_resolved(client, post, keys, fakes):
    fake = next(fakes)
    assert post(batch(1, [record(fake)]))[0] == 200
    sz = {"key": SZ_KEY, "key_id": "440300-test", "agency": "440300"}
    assert post(batch(1, [record(fake, agency="440300")], agency="440300"), **sz)[0] == 200

    hub = InProcessHub(client)
    assert conflicts_refresh(hub) == 1  # signed by the hub, verified by the province's client
    mirrored = HubConflict.objects.get()
    assert (mirrored.role, mirrored.reporter_name, mirrored.holder_code) == (
        "holder",
        "深圳市财政局",
        "440106",
    )
    assert mirrored.archive_masked == mask_archive_no(fake.archive_no)

    Quarantine.objects.update(resolved_at=timezone.now())
    assert conflicts_refresh(hub) == 0
    assert not HubConflict.objects.exists()
