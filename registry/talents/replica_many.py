"""The set-based forms of the section's reader and writer, for many people at once (a province's
full resync, the hub applying a batch): `selectors.section` and `replica.replace_from_record` person
by person, in a few queries for the whole list."""

from __future__ import annotations

from collections.abc import Sequence

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard import record as std

from .models import Programme, Talent
from .replica import held_conflicts, own_conflicts, programmes_for, replica_rows


def read_many(persons: Sequence[Person]) -> dict[int, list[std.Talent]]:
    """{person.pk: section(person)} in one query: every selection by cohort year, reported under
    its programme's national-table code."""
    out: dict[int, list[std.Talent]] = {p.pk: [] for p in persons}
    rows = (
        Talent.objects.filter(person_id__any=list(out))
        .order_by("cohort_year", "id")
        .values_list(
            "person_id",
            "programme__standard_code",
            "programme__level",
            "cohort_year",
            "cohort",
            "status",
            "certificate_no",
        )
    )
    for person_id, programme, level, year, cohort, status, number in rows:
        out[person_id].append(
            std.Talent.model_construct(
                programme=programme,
                level=level,
                cohort_year=year,
                cohort=cohort or None,
                status=status,
                certificate_no=number or None,
            )
        )
    return out


def write_many(items: Sequence[tuple[Person, Sequence[std.Talent]]]) -> dict[int, DomainError]:
    """`replace_from_record(person, section)` for each item in order: the programmes looked up (and
    seeded when missing) once, one query to check the certificate numbers, one delete and one insert.
    Returns the refused persons (nothing of theirs written).

    The certificate check is the single writer's, played in order over the list: a (programme,
    number) is held by whoever holds it in the table until a written person's rows replace theirs,
    so of two persons of the list claiming one the first is written and the second refused."""
    codes = {t.programme for _, section in items for t in section}
    programmes: dict[str, Programme] = programmes_for(codes) if codes else {}
    checked = [(person, section, *own_conflicts(section, programmes)) for person, section in items]
    wanted = {pair for *_, pairs in checked for pair in pairs}
    holders: dict[tuple[str, str], set[int]] = {pair: set() for pair in wanted}  # pair → persons
    holding: dict[int, set[tuple[str, str]]] = {}  # person → pairs (of those wanted)
    if wanted:
        held = Talent.objects.filter(
            programme__code__in={code for code, _ in wanted},
            certificate_no__in={number for _, number in wanted},
        ).values_list("programme__code", "certificate_no", "person_id")
        for code, number, person_id in held:
            if (code, number) in holders:
                holders[code, number].add(person_id)
                holding.setdefault(person_id, set()).add((code, number))
    refused: dict[int, DomainError] = {}
    accepted: list[tuple[Person, Sequence[std.Talent]]] = []
    for person, section, errors, pairs in checked:
        taken = {pair for pair in pairs if holders[pair] - {person.pk}}
        errors = errors + held_conflicts(section, taken)
        if errors:
            refused[person.pk] = DomainError(errors)
            continue
        accepted.append((person, section))
        for pair in holding.pop(person.pk, set()):  # the person's old rows go ...
            holders[pair].discard(person.pk)
        for pair in pairs:  # ... and the new ones hold
            holders[pair].add(person.pk)
        holding[person.pk] = set(pairs)
    if accepted:
        Talent.objects.filter(person_id__any=[p.pk for p, _ in accepted]).delete()
        Talent.objects.bulk_create([row for p, s in accepted for row in replica_rows(p, s, programmes)])
    return refused
