"""The writer of the record's `continuing_education` section: the inverse of `hooks.section`.

The hub applies reported records with it, and a destination province takes over a transferred
person with it. The caller holds the transaction, has saved the person and journals; this only
replaces rows (no audit, no outbox, no version).

What is stored and what is derived
----------------------------------
The module keeps one table per person: the ledger of entries (`Entry`). It keeps no per-year
rows: every figure of a `ContinuingEducationYear` is derived when the section is read
(`selectors.person_years`), so the writer stores the entries and nothing else:

- `total`, `professional` and `compliant` are sums and the 2/3 test over the year's approved
  entries (`rules.compliance`); the entries are written exactly (credits in tenths), so they
  come back equal. A section whose figures disagree with its own entries (not one our reader
  makes) reads back with the figures of its entries.
- `required` follows from the person's approved qualifications and accounting work periods
  (`rules.required_in`), not from this module's rows nor from the province's CE settings (those
  only convert hours to credits when an entry is registered; a stored entry carries its credits).
  The record's `qualifications` and `work` are written in the same transaction
  (`replace_sections` and `replace_history`), so the same facts give the same answer.
- Which years appear: those with approved entries, plus the last three (to `config.today()`)
  in which CE is required. Both follow from the same facts, so a record written and read on the
  same day lists the same years. (Read a year later, the window of recent years moves on: that
  is the reader's rule, not a loss in the writer.)

Replica rows are approved (the section holds approved entries only), keep their route (who
registered them at the origin), and have no registering user, proof, batch or return reason;
the hours, days, role and title the standard does not carry are left empty. Pending and returned
self-reports of the person are replaced too: they belong to the history the record supersedes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard import record as std
from registry.standard.errors import FieldError

from .models import Entry, EntryStatus, Route
from .rules import STEP

DUPLICATE = "同一日期、形式、科目类别、学分和举办单位的继续教育记录重复"


def _credits(value: float) -> Decimal:
    """The standard's float back to the ledger's tenths (12.3 → Decimal('12.3'), never 12.29999)."""
    return Decimal(str(value)).quantize(STEP)


def replica_rows(
    person: Person, section: Sequence[std.ContinuingEducationYear], now: datetime
) -> tuple[list[Entry], list[FieldError]]:
    """The section's entries as approved ledger rows, in the section's order (within a year oldest
    first, so ids keep the reader's tie order), and an error for each activity listed twice."""
    rows: list[Entry] = []
    seen: set[tuple[object, ...]] = set()
    errors: list[FieldError] = []
    for i, year in enumerate(section):
        for j, e in enumerate(year.entries):
            credits = _credits(e.credits)
            provider = e.provider or ""
            key = (e.held_on, e.form, e.subject, credits, provider)
            if key in seen:
                errors.append(FieldError("ce.duplicate", f"continuing_education.{i}.entries.{j}", DUPLICATE))
                continue
            seen.add(key)
            rows.append(
                Entry(
                    person=person,
                    year=e.year,
                    held_on=e.held_on,
                    form=e.form,
                    subject=e.subject,
                    credits=credits,
                    hours=None,
                    days=None,
                    role="",
                    title="",
                    provider=provider,
                    route=e.route,
                    status=EntryStatus.APPROVED,
                    registered_by=None,
                    proof_uid=None,
                    batch=None,
                    # A self-report in the record was approved by a reviewer; agency and batch
                    # entries are approved on registration and carry no decision time.
                    decided_at=now if e.route == Route.SELF else None,
                )
            )
    return rows, errors


def replace_from_record(person: Person, section: Sequence[std.ContinuingEducationYear]) -> None:
    """Replace every CE entry of `person` with the section's entries (all approved).

    Refuses (DomainError, nothing written by this function) a section that lists one activity
    twice: the ledger holds an activity once (its natural key)."""
    rows, errors = replica_rows(person, section, timezone.now())
    if errors:
        raise DomainError(errors)
    Entry.objects.filter(person=person).delete()
    Entry.objects.bulk_create(rows)
