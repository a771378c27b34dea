"""Fixtures for the hub: the test database plays the hub; messages are built and signed here."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import Client

from registry.hub.keys import key_install
from registry.ops.synthetic import FakePerson, people
from registry.orgs.models import Agency
from registry.standard.signing import GENESIS, content_digest, sign
from registry.transfers.tests.conftest import accountant, proof  # noqa: F401 -- the offline-path tests use them

KEY = bytes.fromhex("aa" * 32)
KEY_ID = "440000-test"


@pytest.fixture
def hub_key(agency: Callable[[str], Agency]) -> tuple[str, bytes]:
    key_install(agency=agency("440000"), key_id=KEY_ID, secret=KEY)
    return KEY_ID, KEY


@pytest.fixture
def fakes() -> Iterator[FakePerson]:
    stream = people(random.Random(7), {"440106": "广州", "440203": "韶关"}, date(2026, 11, 1))
    return (f for f in stream if f.category == "1")


def record(
    fake: FakePerson,
    *,
    version: int = 1,
    uid: uuid.UUID | None = None,
    agency: str = "440106",
    name: str | None = None,
) -> dict[str, Any]:
    return json.loads(
        json.dumps(
            {
                "spec_version": "1.0.0",
                "person_id": str(uid or uuid.uuid4()),
                "version": version,
                "identity": {
                    "document_type": "resident_id",
                    "archive_no": fake.archive_no,
                    "name": name or fake.name,
                    "sex": fake.sex,
                    "birth_date": fake.birth_date.isoformat(),
                    "nationality": "CHN",
                },
                "collection": {"category": "1", "agency_code": agency, "status": "collected"},
                "education": fake.education,
                "work": fake.work,
            },
            default=str,
        )
    )


def batch(
    first_seq: int, records: list[dict[str, Any]], *, agency: str = "440000", prev: str = GENESIS
) -> dict[str, Any]:
    return {
        "message_type": "change_batch",
        "spec_version": "1.0.0",
        "agency": agency,
        "first_seq": first_seq,
        "last_seq": first_seq + len(records) - 1,
        "prev_digest": prev,
        "sent_at": datetime.now(UTC).isoformat(),
        "events": [
            {
                "seq": first_seq + i,
                "person_id": rec["person_id"],
                "person_version": rec["version"],
                "kind": "person.update",
                "at": datetime.now(UTC).isoformat(),
                "record": rec,
            }
            for i, rec in enumerate(records)
        ],
    }


Post = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def post(client: Client, hub_key: tuple[str, bytes]) -> Post:
    def send(
        message: dict[str, Any],
        endpoint: str = "feed",
        *,
        key: bytes = KEY,
        key_id: str = KEY_ID,
        agency: str = "440000",
        signed: bool = True,
        now: datetime | None = None,
    ) -> tuple[int, dict[str, Any]]:
        body = sign(message, agency=agency, key_id=key_id, key=key, now=now) if signed else message
        raw = json.dumps(body, ensure_ascii=False)
        response = client.post(f"/hub/api/v1/{endpoint}", raw, content_type="application/json")
        return response.status_code, response.json()

    return send


def digest(message: dict[str, Any]) -> str:
    return content_digest(message)
