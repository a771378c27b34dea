"""Reconciliation: bucket digests over (archive-number index, version), narrowed to the differing records.

Both sides compute `buckets_of` over their people; the province compares and re-sends what differs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from registry.people.models import Person
from registry.standard.messages import bucket_digest

TOP = [f"{i:02x}" for i in range(256)]


def _rows(people: QuerySet[Person]) -> list[tuple[str, int]]:
    return sorted(people.values_list("archive_index", "version").iterator(chunk_size=20_000))


def buckets_of(
    people: QuerySet[Person],
    prefixes: Iterable[str],
    *,
    detail: bool = False,
    rows: list[tuple[str, int]] | None = None,
) -> list[dict[str, Any]]:
    rows = _rows(people) if rows is None else rows
    out = []
    for prefix in prefixes:
        lo = bisect_left(rows, (prefix, -1))
        hi = bisect_left(rows, (prefix + "g", -1))  # "g" sorts after every hex digit
        entries = rows[lo:hi]
        out.append(
            {
                "prefix": prefix,
                "count": len(entries),
                "digest": bucket_digest(entries),
                "entries": [list(e) for e in entries] if detail else None,
            }
        )
    return out


def differing(mine: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[str]:
    hub = {b["prefix"]: b["digest"] for b in theirs}
    return [b["prefix"] for b in mine if hub.get(b["prefix"]) != b["digest"]]


def narrow(prefixes: list[str]) -> list[str]:
    return [p + f"{i:02x}" for p in prefixes for i in range(256)]
