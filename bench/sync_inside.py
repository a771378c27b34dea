"""Parts of the sync benchmark that run inside a node's process (through `registry shell -c`)."""

from __future__ import annotations

import copy
import gc
import json
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime
from typing import Any


def _emit(result: dict[str, Any]) -> None:
    """The result line the parent process reads from this node shell's standard output."""
    sys.stdout.write(json.dumps(result) + "\n")


SEED_COUNTIES = {"440106": "广州", "440104": "广州", "440203": "韶关"}


def _records(count: int, rng: random.Random) -> list[dict[str, Any]]:
    from registry.ops.synthetic import people

    out = []
    for fake in people(rng, SEED_COUNTIES, date(2026, 11, 1)):
        if fake.category != "1":
            continue
        out.append(
            json.loads(
                json.dumps(
                    {
                        "spec_version": "1.0.0",
                        "person_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                        "version": 1,
                        "identity": {
                            "document_type": "resident_id",
                            "archive_no": fake.archive_no,
                            "name": fake.name,
                            "sex": fake.sex,
                            "birth_date": fake.birth_date.isoformat(),
                            "nationality": "CHN",
                            "mobile": fake.mobile,
                        },
                        "collection": {"category": "1", "agency_code": fake.county, "status": "collected"},
                        "education": fake.education,
                        "work": fake.work,
                    },
                    default=str,
                )
            )
        )
        if len(out) == count:
            return out
    return out


def _unique(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for rec in records:
        number = rec["identity"]["archive_no"]
        if number not in seen:
            seen.add(number)
            out.append(rec)
    return out


def _baseline_upsert(records: list[dict[str, Any]], agencies: dict[str, Any]) -> None:
    """The bare floor: the same person, education and work rows, upserted in bulk (no checks)."""
    from django.db import transaction

    from registry.core.crypto import blind_index, encrypt_text
    from registry.people.models import Education, Person, Work

    with transaction.atomic():
        people = []
        for rec in records:
            ident = rec["identity"]
            people.append(
                Person(
                    uid=rec["person_id"],
                    archive_cipher=encrypt_text(ident["archive_no"], f"person:{rec['person_id']}".encode()),
                    archive_index=blind_index(ident["archive_no"]),
                    archive_masked=ident["archive_no"][:4] + "*" * 10 + ident["archive_no"][-4:],
                    document_type=ident["document_type"],
                    name=ident["name"],
                    sex=ident["sex"],
                    birth_date=ident["birth_date"],
                    mobile=ident.get("mobile", ""),
                    category="1",
                    agency=agencies[rec["collection"]["agency_code"]],
                    status="collected",
                    version=rec["version"],
                )
            )
        Person.objects.bulk_create(
            people,
            update_conflicts=True,
            unique_fields=["uid"],
            update_fields=["name", "mobile", "agency", "status", "version", "archive_cipher"],
        )
        ids = dict(Person.objects.filter(uid__in=[p.uid for p in people]).values_list("uid", "id"))
        Education.objects.filter(person_id__in=ids.values()).delete()
        Work.objects.filter(person_id__in=ids.values()).delete()
        Education.objects.bulk_create(
            Education(person_id=ids[uuid.UUID(r["person_id"])], position=i, **e)
            for r in records
            for i, e in enumerate(r["education"])
        )
        Work.objects.bulk_create(
            Work(person_id=ids[uuid.UUID(r["person_id"])], position=i, **_work(w))
            for r in records
            for i, w in enumerate(r["work"])
        )


def _work(w: dict[str, Any]) -> dict[str, Any]:
    out = dict(w)
    out["position_title"] = out.pop("position", None) or ""
    return {k: ("" if v is None and k not in {"end_date"} else v) for k, v in out.items()}


def _changed(record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The record's next version: a new mobile number and address, as most changes are."""
    out = copy.deepcopy(record)
    out["version"] += 1
    out["identity"]["mobile"] = f"139{rng.randrange(10**8):08d}"
    out["identity"]["address"] = f"广州市天河区体育西路{rng.randrange(1, 999)}号"
    return out


def ingest_benchmark(count: int, key_id: str, key_hex: str, batch: int = 200) -> None:
    """Signed batches through the hub's endpoint against the bare bulk upsert, interleaved per batch:
    first `count` new people, then a change to each of them (a feed carries mostly changes)."""
    from django.test import Client

    from registry.orgs.models import Agency
    from registry.standard.signing import GENESIS, content_digest, sign

    rng = random.Random(2018)
    records = _unique(_records(2 * count + 200, rng))
    project, baseline = records[:count], records[count : 2 * count]
    # The fixture's own objects would otherwise be rescanned by every full collection, a cost a
    # hub's server process, which holds no such set, never pays (and that grew with `count`).
    gc.collect()
    gc.freeze()
    agencies = {a.code: a for a in Agency.objects.filter(code__in=SEED_COUNTIES)}
    client = Client(HTTP_HOST="localhost")
    prev, seq = GENESIS, 1
    times: dict[str, float] = {}
    for phase, kind in (("new", "person.create"), ("changed", "person.update")):
        t_project = t_base = 0.0
        for start in range(0, count, batch):
            chunk = project[start : start + batch]
            message = {
                "message_type": "change_batch",
                "spec_version": "1.0.0",
                "agency": "440000",
                "first_seq": seq,
                "last_seq": seq + len(chunk) - 1,
                "prev_digest": prev,
                "sent_at": datetime.now().astimezone().isoformat(),
                "events": [
                    {
                        "seq": seq + i,
                        "person_id": r["person_id"],
                        "person_version": r["version"],
                        "kind": kind,
                        "at": datetime.now().astimezone().isoformat(),
                        "record": r,
                    }
                    for i, r in enumerate(chunk)
                ],
            }
            body = json.dumps(sign(message, agency="440000", key_id=key_id, key=bytes.fromhex(key_hex)))
            started = time.perf_counter()
            response = client.post("/hub/api/v1/feed", body, content_type="application/json")
            t_project += time.perf_counter() - started
            reply = response.json()
            assert response.status_code == 200 and reply["status"] == "applied", response.content[:500]
            assert not reply["notices"], reply["notices"][:3]  # every record applied, none stale
            prev, seq = content_digest(message), seq + len(chunk)
            started = time.perf_counter()
            _baseline_upsert(baseline[start : start + batch], agencies)
            t_base += time.perf_counter() - started
        times[f"{phase}_project_s"], times[f"{phase}_baseline_s"] = t_project, t_base
        project = [_changed(r, rng) for r in project]
        baseline = [_changed(r, rng) for r in baseline]
    _emit({"records": count, **times})


def paced_changes(rate: float, seconds: float) -> None:
    """Commit person changes at a steady rate, each with its outbox row, as the province's writers do.

    The records are read once beforehand and each change (a new mobile number) is committed as the
    person's row plus the outbox row with the full snapshot (`outbox_append`, the call that ends every
    service's write). What is measured is the feed from that commit to the hub; the forms' own cost
    (person_update reads the record twice and refreshes statistics) would otherwise cap the rate on two
    cores well below 100 a second, and is not what this figure is about."""
    from django.db import transaction

    from registry.audit.models import OutboxEvent
    from registry.audit.services import outbox_append
    from registry.people.models import Person
    from registry.people.snapshot import person_records

    rng = random.Random(100)
    people = list(Person.objects.select_related("agency").order_by("id")[:2000])
    records = {}
    for start in range(0, len(people), 200):
        chunk = people[start : start + 200]
        records.update(
            {p.pk: r.model_dump(mode="json") for p, r in zip(chunk, person_records(chunk), strict=True)}
        )
    first = (OutboxEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    started = time.perf_counter()
    made = 0
    while time.perf_counter() - started < seconds:
        due = started + made / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        person = rng.choice(people)
        record = records[person.pk]
        record["identity"]["mobile"] = f"139{rng.randrange(10**8):08d}"
        record["version"] += 1
        with transaction.atomic():
            Person.objects.filter(pk=person.pk).update(
                version=record["version"], mobile=record["identity"]["mobile"]
            )
            outbox_append(
                person_uid=person.uid, person_version=record["version"], kind="person.update", snapshot=record
            )
        made += 1
    elapsed = time.perf_counter() - started
    _emit({"first_seq": first, "made": made, "rate": made / elapsed})


def applied_latencies(first_seq: int) -> None:
    """Commit (province) to applied (hub) for every event from `first_seq`, from the hub's inbox."""
    from registry.hub.ingest import _events_of
    from registry.hub.models import InboxBatch

    lat: list[float] = []
    for batch in (
        InboxBatch.objects.select_related("agency").filter(last_seq__gte=first_seq).exclude(applied_at=None)
    ):
        for event in _events_of(batch):
            if event.seq >= first_seq and batch.applied_from is not None and batch.applied_from <= event.seq:
                lat.append((batch.applied_at - event.at).total_seconds())
    lat.sort()
    p = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    _emit({"events": len(lat), "p50": p[49], "p95": p[94], "max": lat[-1] if lat else 0.0})


def read_floor() -> None:
    """The floor under a full resync: one pass reading every person's rows and history."""
    from registry.people.models import Person

    started = time.perf_counter()
    n = 0
    for _p in Person.objects.prefetch_related("educations", "works").iterator(chunk_size=2000):
        n += 1
    _emit({"people": n, "seconds": time.perf_counter() - started})
