"""The writer of the record's `talents` section: the inverse of `selectors.section`.

The hub applies reported records with it, and a destination province takes over a transferred
person with it. The caller holds the transaction, has saved the person and journals; this only
replaces rows (no audit, no outbox, no version).

The section names a programme by its national-table code (a province's own programme by the
provincial code it falls under, P01 or P02). A replica row goes to this node's programme of that
code: the row seeded from the code table (`code == standard_code`), added from the code table
when missing. The reader then reports the same code and level. What does not travel: which of
the origin's own programmes it was (its name), and who entered it.
"""

from __future__ import annotations

from collections.abc import Sequence

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard import record as std
from registry.standard.errors import FieldError

from .models import Programme, Talent
from .programmes import programme_seed


def programmes_for(codes: set[str]) -> dict[str, Programme]:
    """This node's programmes of these codes (the code table's are seeded again when missing)."""
    found = {p.code: p for p in Programme.objects.filter(code__in=codes)}
    if codes - set(found):
        # A flushed table or a code added to the code table since the seed: seed again (rare).
        programme_seed()
        found = {p.code: p for p in Programme.objects.filter(code__in=codes)}
    return found


def own_conflicts(
    section: Sequence[std.Talent], programmes: dict[str, Programme]
) -> tuple[list[FieldError], set[tuple[str, str]]]:
    """What the table cannot hold within the section alone, and the section's (programme code,
    certificate number) pairs of its known programmes."""
    errors: list[FieldError] = []
    selections: set[tuple[str, int]] = set()
    certificates: set[tuple[str, str]] = set()
    for i, t in enumerate(section):
        if t.programme not in programmes:
            errors.append(
                FieldError("talent.programme_unknown", f"talents.{i}.programme", "人才项目代码不在代码表中")
            )
            continue
        if (t.programme, t.cohort_year) in selections:
            # Two of the origin's own programmes under one provincial code, same year: this node
            # has one programme per code and keeps one selection per programme and year.
            errors.append(
                FieldError("talent.duplicate", f"talents.{i}.programme", "同一人才项目同一入选年份的记录重复")
            )
        selections.add((t.programme, t.cohort_year))
        if t.certificate_no:
            if (t.programme, t.certificate_no) in certificates:
                errors.append(
                    FieldError("talent.duplicate_certificate", f"talents.{i}.certificate_no", "证书号重复")
                )
            certificates.add((t.programme, t.certificate_no))
    return errors, certificates


def held_conflicts(section: Sequence[std.Talent], taken: set[tuple[str, str]]) -> list[FieldError]:
    """An error for each item whose (programme, certificate number) another person holds."""
    return [
        FieldError(
            "talent.duplicate_certificate",
            f"talents.{i}.certificate_no",
            "该项目下已有此证书号的记录（其他人员）",
        )
        for i, t in enumerate(section)
        if t.certificate_no and (t.programme, t.certificate_no) in taken
    ]


def _conflicts(
    person: Person, section: Sequence[std.Talent], programmes: dict[str, Programme]
) -> list[FieldError]:
    """What the table's constraints would refuse, as errors naming the item (never whose it is)."""
    errors, certificates = own_conflicts(section, programmes)
    if certificates:
        numbers = {number for _, number in certificates}
        taken = set(
            Talent.objects.filter(
                programme__code__in={code for code, _ in certificates}, certificate_no__in=numbers
            )
            .exclude(person=person)
            .values_list("programme__code", "certificate_no")
        )
        errors += held_conflicts(section, taken)
    return errors


def replica_rows(
    person: Person, section: Sequence[std.Talent], programmes: dict[str, Programme]
) -> list[Talent]:
    """The section's selections as rows, in the section's order (by cohort year: ids then keep
    the reader's tie order)."""
    return [
        Talent(
            person=person,
            programme=programmes[t.programme],
            cohort_year=t.cohort_year,
            cohort=t.cohort or "",
            status=t.status,
            certificate_no=t.certificate_no or "",
            created_by_id=None,
        )
        for t in section
    ]


def replace_from_record(person: Person, section: Sequence[std.Talent]) -> None:
    """Replace every talent row of `person` with the section's selections, ended ones included.

    Refuses (DomainError, nothing written by this function) a section this node's table cannot
    hold: an unknown programme code, one programme and year twice, or a certificate number that
    another person holds under the same programme."""
    programmes = programmes_for({t.programme for t in section}) if section else {}
    errors = _conflicts(person, section, programmes)
    if errors:
        raise DomainError(errors)
    Talent.objects.filter(person=person).delete()
    Talent.objects.bulk_create(replica_rows(person, section, programmes))
