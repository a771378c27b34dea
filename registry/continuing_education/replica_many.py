"""The set-based forms of the section's reader and writer, for many people at once (a province's
full resync, the hub applying a batch): `hooks.section` and `replica.replace_from_record` person by
person, in a few queries for the whole list.

`read_many` reads what `hooks.section` reads through `selectors.person_years` (the ledger, approved
qualification dates, accounting work periods) in one query each for the list, and applies the same
rules (`rules.required_in`, `rules.compliance`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils import timezone

from registry.core.errors import DomainError
from registry.people.models import Person, Work
from registry.standard import record as std

from . import config
from .models import Entry, EntryStatus
from .replica import replica_rows
from .rules import compliance, required_in
from .selectors import RECENT_YEARS, _approved_qualifications

# A ledger row: (id, year, held_on, form, subject, credits, provider, route, status).
Row = tuple[Any, ...]


def _section(
    rows: list[Row], qualified: list[date], periods: list[tuple[date, date | None]], this_year: int
) -> list[std.ContinuingEducationYear]:
    """One person's section from their ledger rows and start facts, as `hooks.section` builds it."""
    approved: dict[int, list[Row]] = {}
    for r in rows:
        mine = approved.setdefault(r[1], [])  # every year with an entry, approved or not
        if r[8] == EntryStatus.APPROVED:
            mine.append(r)
    recent = range(this_year - RECENT_YEARS + 1, this_year + 1)
    required = {
        y: required_in(y, qualified_on=qualified, accounting_periods=periods) for y in {*approved, *recent}
    }
    years = set(approved) | {y for y in recent if required[y]}
    out = []
    for year in sorted(years, reverse=True):
        entries = sorted(approved.get(year, ()), key=lambda r: (r[2], r[0]))
        if not entries and not required[year]:
            continue
        c = compliance(year, [(r[4], r[5]) for r in entries], required=required[year])
        out.append(
            std.ContinuingEducationYear.model_construct(
                year=c.year,
                required=c.required,
                total=float(c.total),
                professional=float(c.professional),
                compliant=c.met,
                entries=[
                    std.ContinuingEducationEntry.model_construct(
                        year=r[1],
                        held_on=r[2],
                        form=r[3],
                        subject=r[4],
                        credits=float(r[5]),
                        provider=r[6] or None,
                        route=r[7],
                    )
                    for r in entries
                ],
            )
        )
    return out


def read_many(persons: Sequence[Person]) -> dict[int, list[std.ContinuingEducationYear]]:
    """{person.pk: section(person)} in three queries: the ledger, approved qualification dates and
    accounting work periods of the whole list."""
    pks = [p.pk for p in persons]
    this_year = config.today().year
    ledger: dict[int, list[Row]] = {pk: [] for pk in pks}
    for person_id, *row in Entry.objects.filter(person_id__any=pks).values_list(
        "person_id", "id", "year", "held_on", "form", "subject", "credits", "provider", "route", "status"
    ):
        ledger[person_id].append(tuple(row))
    qualified: dict[int, list[date]] = {pk: [] for pk in pks}
    quals = _approved_qualifications()
    if quals is not None:
        rows = quals.filter(person_id__any=pks).values_list("person_id", "obtained_on")
        for person_id, obtained_on in rows:
            qualified[person_id].append(obtained_on)
    periods: dict[int, list[tuple[date, date | None]]] = {pk: [] for pk in pks}
    for person_id, start, end in Work.objects.filter(person_id__any=pks, is_accounting=True).values_list(
        "person_id", "start_date", "end_date"
    ):
        periods[person_id].append((start, end))
    return {pk: _section(ledger[pk], qualified[pk], periods[pk], this_year) for pk in pks}


def write_many(
    items: Sequence[tuple[Person, Sequence[std.ContinuingEducationYear]]],
) -> dict[int, DomainError]:
    """`replace_from_record(person, section)` for each item: one delete and one insert for the list.
    Returns the refused persons (a section listing one activity twice; nothing of theirs written).
    The ledger's key includes the person, so persons never conflict with each other."""
    now = timezone.now()
    refused: dict[int, DomainError] = {}
    accepted: list[int] = []
    rows: list[Entry] = []
    for person, section in items:
        mine, errors = replica_rows(person, section, now)
        if errors:
            refused[person.pk] = DomainError(errors)
            continue
        accepted.append(person.pk)
        rows += mine
    if accepted:
        Entry.objects.filter(person_id__any=accepted).delete()
        Entry.objects.bulk_create(rows)
    return refused
