"""The set-based forms of the section's reader and writer, for many people at once (a province's
full resync, the hub applying a batch): `hooks.credit_section` and `replica.replace_from_record`
person by person, in a few queries for the whole list."""

from __future__ import annotations

from collections.abc import Sequence

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard.record import CreditEntry

from .models import CreditRecord, CreditRevision
from .replica import remove_entries, replica_records, replica_revision

FIELDS = (
    "kind",
    "item",
    "level",
    "decided_by",
    "decided_on",
    "effective_on",
    "document_no",
    "penalty",
    "basis",
    "criminal",
    "serious",
    "blacklisted_until",
    "blacklist_permanent",
    "barred_until",
    "bar_permanent",
    "public_until",
    "status",
)


def read_many(persons: Sequence[Person]) -> dict[int, list[CreditEntry]]:
    """{person.pk: credit_section(person)} in one query: every entry by decision date."""
    out: dict[int, list[CreditEntry]] = {p.pk: [] for p in persons}
    rows = (
        CreditRecord.objects.filter(person_id__any=list(out))
        .order_by("decided_on", "id")
        .values_list("person_id", *FIELDS)
    )
    for (
        person_id,
        kind,
        item,
        level,
        decided_by,
        decided_on,
        effective_on,
        document_no,
        penalty,
        basis,
        criminal,
        serious,
        blacklisted_until,
        blacklist_permanent,
        barred_until,
        bar_permanent,
        public_until,
        status,
    ) in rows:
        out[person_id].append(
            CreditEntry.model_construct(
                kind=kind,
                item=item,
                level=level or None,
                decided_by=decided_by,
                decided_on=decided_on,
                effective_on=effective_on,
                document_no=document_no or None,
                penalty=penalty or None,
                basis=basis or None,
                criminal=criminal,
                blacklisted=serious,
                blacklisted_until=blacklisted_until,
                blacklist_permanent=blacklist_permanent,
                barred_until=barred_until,
                bar_permanent=bar_permanent,
                public_until=public_until,
                status=status,
            )
        )
    return out


def write_many(items: Sequence[tuple[Person, Sequence[CreditEntry]]]) -> dict[int, DomainError]:
    """`replace_from_record(person, section)` for each item: the entries, revisions and objections of
    the list removed in one pass, then one insert of entries and one of revisions. The writer refuses
    nothing, so this returns no refusals."""
    if items:
        remove_entries([p.pk for p, _ in items])
        records = CreditRecord.objects.bulk_create([r for p, s in items for r in replica_records(p, s)])
        CreditRevision.objects.bulk_create([replica_revision(r) for r in records])
    return {}
