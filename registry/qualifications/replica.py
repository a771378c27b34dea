"""The writer of the record's `qualifications` section: the inverse of `selectors.section`.

The hub applies reported records with it, and a destination province takes over a transferred
person with it. The caller holds the transaction, has saved the person and journals; this only
replaces rows (no audit, no outbox, no version).

The section carries approved qualifications only, so a replica is a set of approved rows:
source "agency" (entered by an agency, not self-reported here), no proof document (proofs stay
with the node that checked them), no creator, decided when written. Pending and returned
self-reports of the person are replaced too: they belong to the history the record supersedes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard import record as std
from registry.standard.errors import FieldError

from .models import ACTIVE_STATES, EXAM_ROUTE, Qualification, QualificationStatus, Source


def own_conflicts(section: Sequence[std.Qualification]) -> list[FieldError]:
    """One certificate number (or none) twice in the section: the person's rows cannot hold it."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, q in enumerate(section):
        number = q.certificate_no or ""
        if number in seen:
            errors.append(
                FieldError(
                    "qualification.duplicate",
                    f"qualifications.{i}.certificate_no",
                    "同一人员的证书编号（或批文号）重复",
                )
            )
        seen.add(number)
    return errors


def exam_numbers(section: Sequence[std.Qualification]) -> set[str]:
    """The exam certificate numbers of a section: unique nationally among live qualifications.

    An exam item without a number is stored with "", which the table's constraint holds unique
    too: one person's numberless exam qualification refuses another's (rather than failing the
    insert)."""
    return {q.certificate_no or "" for q in section if q.route == EXAM_ROUTE}


def held_conflicts(section: Sequence[std.Qualification], taken: set[str]) -> list[FieldError]:
    """An error for each exam item whose number another person holds (`taken`)."""
    return [
        FieldError(
            "qualification.duplicate",
            f"qualifications.{i}.certificate_no",
            "该考试证书编号已登记在其他人员名下"
            if q.certificate_no
            else "考试取得的资格缺少证书编号，且已有其他人员同样缺少，请补填证书编号",
        )
        for i, q in enumerate(section)
        if q.route == EXAM_ROUTE and (q.certificate_no or "") in taken
    ]


def _conflicts(person: Person, section: Sequence[std.Qualification]) -> list[FieldError]:
    """What the table's constraints would refuse, as errors naming the item (never whose it is)."""
    errors = own_conflicts(section)
    exam = exam_numbers(section)
    if exam:
        taken = set(
            Qualification.objects.filter(status__in=ACTIVE_STATES, route=EXAM_ROUTE, certificate_no__in=exam)
            .exclude(person=person)
            .values_list("certificate_no", flat=True)
        )
        errors += held_conflicts(section, taken)
    return errors


def replica_rows(person: Person, section: Sequence[std.Qualification], now: datetime) -> list[Qualification]:
    """The section's items as approved replica rows, in the section's order (oldest first: ids
    then keep the reader's tie order on equal dates)."""
    return [
        Qualification(
            person=person,
            level=q.level,
            title=q.title,
            route=q.route,
            obtained_on=q.obtained_on,
            certificate_no=q.certificate_no or "",
            issuer=q.issuer or "",
            appointed_title=q.appointed_title or "",
            appointed_on=q.appointed_on,
            source=Source.AGENCY,
            status=QualificationStatus.APPROVED,
            proof_uid=None,
            created_by_id=None,
            decided_at=now,
        )
        for q in section
    ]


def replace_from_record(person: Person, section: Sequence[std.Qualification]) -> None:
    """Replace every qualification row of `person` with the section's (approved) items.

    Refuses (DomainError, nothing written by this function) a section the table cannot hold: one
    certificate number twice for the person, or an exam certificate another person holds."""
    errors = _conflicts(person, section)
    if errors:
        raise DomainError(errors)
    Qualification.objects.filter(person=person).delete()
    Qualification.objects.bulk_create(replica_rows(person, section, timezone.now()))
