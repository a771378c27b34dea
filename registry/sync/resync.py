"""Full resync and reconciliation, province side."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from registry.people.models import Person, Status
from registry.people.snapshot import person_records

from .client import HubClient
from .reconcile import TOP, _rows, buckets_of, differing, narrow

CHUNK = 200
Progress = Callable[[int, int], None]


def reported_people() -> QuerySet[Person]:
    """The people this node reports: all but those it has transferred out (another node owns them)."""
    return Person.objects.exclude(status=Status.TRANSFERRED_OUT)


def _records(ids: list[int]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(ids), CHUNK):
        chunk = list(
            Person.objects.filter(id__any=ids[start : start + CHUNK]).select_related("agency").order_by("id")
        )
        # Set-based: a few queries per chunk instead of several per person.
        yield [rec.model_dump(mode="json") for rec in person_records(chunk)]


def _send(client: HubClient, records: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    return client.call(
        {
            "message_type": "resync_batch",
            "spec_version": "1.0.0",
            "agency": settings.REGISTRY_AGENCY_CODE,
            "mode": mode,
            "records": records,
        }
    )


@dataclass
class Totals:
    sent: int = 0
    applied: int = 0
    unchanged: int = 0
    in_step: int = 0  # left out: their bucket's digest equals the hub's
    notices: list[str] = field(default_factory=list)

    def add(self, reply: dict[str, Any], sent: int) -> None:
        self.sent += sent
        self.applied += int(reply.get("applied", 0))
        self.unchanged += int(reply.get("unchanged", 0))
        self.notices += [f"{n.get('code')}: {n.get('message')}" for n in reply.get("notices", [])]


def _out_of_step(client: HubClient, people: QuerySet[Person]) -> tuple[list[int], int]:
    """The ids of the people whose bucket of (archive index, version) at 65,536 differs from the hub's,
    and how many people are in step. A top bucket the hub holds nothing of is taken whole."""
    found = sorted(people.values_list("archive_index", "version", "id").iterator(chunk_size=20_000))
    rows = [(index, version) for index, version, _id in found]
    top = {b["prefix"]: b for b in _hub_buckets(client, TOP)}
    diff = differing(buckets_of(people, TOP, rows=rows), list(top.values()))
    whole = {p for p in diff if not top.get(p, {}).get("count")}
    finer = narrow([p for p in diff if p not in whole])
    parts = (
        set(differing(buckets_of(people, finer, rows=rows), _hub_buckets(client, finer))) if finer else set()
    )
    ids = sorted(pk for index, _v, pk in found if index[:2] in whole or index[:4] in parts)
    return ids, len(found) - len(ids)


def resync(
    client: HubClient,
    *,
    people: QuerySet[Person] | None = None,
    mode: str = "resync",
    progress: Progress | None = None,
    everything: bool = False,
) -> Totals:
    """Stream the current records to the hub; the hub applies only what is newer (idempotent).

    Unless `everything`, buckets of (archive index, version) are compared with the hub's first and
    the records of equal buckets are left out: the hub holds them at the same version, so re-sending
    would change nothing (ADR 0014). Building the next chunk overlaps the hub applying this one."""
    people = reported_people() if people is None else people
    totals = Totals()
    if everything:
        ids = list(people.order_by("id").values_list("id", flat=True))
    else:
        ids, totals.in_step = _out_of_step(client, people)
    total = len(ids)
    with ThreadPoolExecutor(max_workers=1) as sender:
        pending: Future[dict[str, Any]] | None = None
        pending_size = 0
        for records in _records(ids):
            if pending is not None:
                totals.add(pending.result(), pending_size)
                if progress:
                    progress(totals.sent, total)
            pending, pending_size = sender.submit(_send, client, records, mode), len(records)
        if pending is not None:
            totals.add(pending.result(), pending_size)
            if progress:
                progress(totals.sent, total)
    return totals


def _hub_buckets(client: HubClient, prefixes: list[str], detail: bool = False) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    step = 64 if detail else 4096
    for start in range(0, len(prefixes), step):
        reply = client.call(
            {
                "message_type": "reconcile_request",
                "spec_version": "1.0.0",
                "agency": settings.REGISTRY_AGENCY_CODE,
                "prefixes": prefixes[start : start + step],
                "detail": detail,
            }
        )
        out += reply["buckets"]
    return out


@dataclass
class Reconciliation:
    people: int = 0
    differing_top: list[str] = field(default_factory=list)
    differing_records: int = 0
    missing_here: int = 0
    repaired: Totals = field(default_factory=Totals)


def reconcile(client: HubClient, *, progress: Callable[[str], None] | None = None) -> Reconciliation:
    """Compare bucket digests with the hub, narrow to the exact records, re-send them (mode repair)."""
    say = progress or (lambda _m: None)
    people = reported_people()
    rows = _rows(people)
    result = Reconciliation(people=len(rows))
    say(f"本省记录 {len(rows)} 条，比对 256 个分桶 …")
    diff = differing(buckets_of(people, TOP, rows=rows), _hub_buckets(client, TOP))
    result.differing_top = diff
    if not diff:
        return result
    finer = narrow(diff)
    say(f"{len(diff)} 个分桶不一致，细分为 {len(finer)} 个 …")
    diff = differing(buckets_of(people, finer, rows=rows), _hub_buckets(client, finer))
    mine = {b["prefix"]: b for b in buckets_of(people, diff, rows=rows, detail=True)}
    hub = {b["prefix"]: b for b in _hub_buckets(client, diff, detail=True)}
    to_send: set[str] = set()
    for prefix in diff:
        here = {tuple(e) for e in mine[prefix]["entries"] or []}
        there = {tuple(e) for e in hub.get(prefix, {}).get("entries") or []}
        to_send |= {index for index, _v in here - there}
        result.missing_here += len({i for i, _v in there} - {i for i, _v in here})
    result.differing_records = len(to_send)
    say(f"差异记录 {len(to_send)} 条，重新报送 …")
    if to_send:
        result.repaired = resync(
            client, people=people.filter(archive_index__any=sorted(to_send)), mode="repair", everything=True
        )
    return result
