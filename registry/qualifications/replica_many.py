"""The set-based forms of the section's reader and writer, for many people at once (a province's
full resync, the hub applying a batch): `selectors.section` and `replica.replace_from_record` person
by person, in a few queries for the whole list."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from registry.core.errors import DomainError
from registry.people.models import Person
from registry.standard import record as std

from .models import ACTIVE_STATES, EXAM_ROUTE, Qualification, QualificationStatus
from .replica import exam_numbers, held_conflicts, own_conflicts, replica_rows

FIELDS = (
    "person_id",
    "level",
    "title",
    "route",
    "obtained_on",
    "certificate_no",
    "issuer",
    "appointed_title",
    "appointed_on",
)


def read_many(persons: Sequence[Person]) -> dict[int, list[std.Qualification]]:
    """{person.pk: section(person)} in one query: approved qualifications, oldest first."""
    out: dict[int, list[std.Qualification]] = {p.pk: [] for p in persons}
    rows = (
        Qualification.objects.filter(status=QualificationStatus.APPROVED, person_id__any=list(out))
        .order_by("obtained_on", "id")
        .values_list(*FIELDS)
    )
    for person_id, level, title, route, obtained_on, number, issuer, appointed, appointed_on in rows:
        out[person_id].append(
            std.Qualification.model_construct(
                level=level,
                title=title,
                route=route,
                obtained_on=obtained_on,
                certificate_no=number or None,
                issuer=issuer or None,
                appointed_title=appointed or None,
                appointed_on=appointed_on,
            )
        )
    return out


def write_many(items: Sequence[tuple[Person, Sequence[std.Qualification]]]) -> dict[int, DomainError]:
    """`replace_from_record(person, section)` for each item in order, in one query to check, one
    delete and one insert. Returns the refused persons (nothing of theirs written).

    The exam-number check is the single writer's, played in order over the list: a number is held
    by whoever holds it in the table, until a written person's rows replace theirs. So of two
    persons of the list claiming one number the first is written and the second refused, and a
    person whose new section gives a number up frees it for the persons after them."""
    wanted: set[str] = set()
    for _, section in items:
        wanted |= exam_numbers(section)
    holders: dict[str, set[int]] = {number: set() for number in wanted}  # number → persons
    holding: dict[int, set[str]] = {}  # person → numbers (of those wanted)
    if wanted:
        held = Qualification.objects.filter(
            status__in=ACTIVE_STATES, route=EXAM_ROUTE, certificate_no__in=wanted
        ).values_list("certificate_no", "person_id")
        for number, person_id in held:
            holders[number].add(person_id)
            holding.setdefault(person_id, set()).add(number)
    refused: dict[int, DomainError] = {}
    accepted: list[tuple[Person, Sequence[std.Qualification]]] = []
    for person, section in items:
        mine = exam_numbers(section)
        taken = {n for n in mine if holders[n] - {person.pk}}
        errors = own_conflicts(section) + held_conflicts(section, taken)
        if errors:
            refused[person.pk] = DomainError(errors)
            continue
        accepted.append((person, section))
        for number in holding.pop(person.pk, set()):  # the person's old rows go ...
            holders[number].discard(person.pk)
        for number in mine:  # ... and the new ones hold
            holders[number].add(person.pk)
        holding[person.pk] = mine
    if accepted:
        Qualification.objects.filter(person_id__any=[p.pk for p, _ in accepted]).delete()
        now = timezone.now()
        Qualification.objects.bulk_create([row for p, s in accepted for row in replica_rows(p, s, now)])
    return refused
