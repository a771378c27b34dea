"""The writer of the record's `credit` section: the inverse of `hooks.credit_section`.

The hub applies reported records with it, and a destination province takes over a transferred
person with it. The caller holds the transaction, has saved the person and journals; this only
replaces rows (no audit, no outbox, no version).

The section carries every entry whatever its status, with its 刑事处罚, 黑名单 and 禁业 terms as
decided; they are stored as they are (never recomputed from today's rules), so the bar and
blacklist badges, filters and public query of this node show what the origin showed.

What does not travel, and what a replica holds instead:
- the entering agency (it answers objections): the person's managing agency on this node;
- the decision documents and objection proofs (they stay with the node that checked them): none;
- the earlier versions of a corrected entry and its objections: the entry as it now reads is its
  revision 1 here (`revision` 1, one `CreditRevision`, so the entry page shows its content);
- which entry superseded which: a superseded entry keeps its status, without the link;
- who entered it and when: nobody, the time of writing; `late` is not known, so False.
The person's objections and revisions on this node are removed with the entries they belong to.
"""

from __future__ import annotations

from collections.abc import Sequence

from registry.people.models import Person
from registry.standard.record import CreditEntry

from .deadlines import entry_deadline
from .models import CreditObjection, CreditRecord, CreditRevision
from .validation import record_values

REPLICA_REASON = "按数据标准记录写入（上报或调入）"


def replica_records(person: Person, section: Sequence[CreditEntry]) -> list[CreditRecord]:
    """The section's entries as rows, in the section's order (by decision date: ids then keep the
    reader's tie order)."""
    return [
        CreditRecord(
            person=person,
            agency_id=person.agency_id,
            kind=e.kind,
            item=e.item,
            level=e.level or "",
            decided_by=e.decided_by,
            decided_on=e.decided_on,
            # The standard allows none; entry (validation.clean_entry) makes it the decision date.
            effective_on=e.effective_on or e.decided_on,
            document_no=e.document_no or "",
            penalty=e.penalty or "",
            basis=e.basis or "",
            criminal=e.criminal,
            serious=e.blacklisted,
            blacklisted_until=e.blacklisted_until,
            blacklist_permanent=e.blacklist_permanent,
            barred_until=e.barred_until,
            bar_permanent=e.bar_permanent,
            public_until=e.public_until,
            status=e.status,
            evidence=[],
            entry_deadline=entry_deadline(e.decided_on),
            late=False,
            entered_by=None,
            superseded_by=None,
            revision=1,
        )
        for e in section
    ]


def replica_revision(record: CreditRecord) -> CreditRevision:
    """A written entry's revision 1: its content as it now reads."""
    return CreditRevision(
        record=record,
        number=1,
        values=record_values(record),
        evidence=[],
        reason=REPLICA_REASON,
        actor_id=None,
        actor_name="system",
    )


def remove_entries(people: list[int]) -> None:
    """Delete the persons' entries with their revisions and objections."""
    mine = CreditRecord.objects.filter(person_id__in=people)
    # Children first (they PROTECT their parents): revisions point at objections, objections and
    # revisions at entries, and a superseded entry at its replacement.
    CreditRevision.objects.filter(record__person_id__in=people).delete()
    CreditObjection.objects.filter(record__person_id__in=people).delete()
    mine.exclude(superseded_by=None).update(superseded_by=None)
    mine.delete()


def replace_from_record(person: Person, section: Sequence[CreditEntry]) -> None:
    """Replace every credit entry of `person` (and its revisions and objections) with the section's."""
    remove_entries([person.pk])
    records = CreditRecord.objects.bulk_create(replica_records(person, section))
    CreditRevision.objects.bulk_create(replica_revision(r) for r in records)
