"""Reads of credit entries: scoped for staff and the person, derived bar and blacklist, list filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, visible_agencies
from registry.core.errors import NotVisible
from registry.core.models import Decision
from registry.people.models import Person
from registry.standard.codes import load_table

from . import clock
from .models import COUNTED, CreditObjection, CreditRecord, Kind, ObjectionStatus


@dataclass(frozen=True)
class BarStatus:
    """禁止从事会计工作: none, until a date (its last day), or permanently."""

    state: str = "none"  # none | until | permanent
    until: date | None = None

    @property
    def barred(self) -> bool:
        return self.state != "none"

    @property
    def label(self) -> str:
        if self.state == "permanent":
            return "终身禁止从事会计工作"
        if self.state == "until" and self.until is not None:
            return f"禁止从事会计工作至 {self.until:%Y-%m-%d}"
        return ""


@dataclass(frozen=True)
class CreditFlags:
    """What the badge shows beside a person's name."""

    bar: BarStatus
    blacklisted: bool


NO_FLAGS = CreditFlags(BarStatus(), False)


def barring(today: date) -> Q:
    return Q(decided_on__lte=today) & (Q(bar_permanent=True) | Q(barred_until__gte=today))


def blacklisting(today: date) -> Q:
    return Q(serious=True, effective_on__lte=today) & (
        Q(blacklist_permanent=True) | Q(blacklisted_until__gte=today)
    )


def _combine(rows: Iterable[tuple[bool, date | None]]) -> BarStatus:
    latest: date | None = None
    for permanent, until in rows:
        if permanent:
            return BarStatus("permanent")
        if until is not None and (latest is None or until > latest):
            latest = until
    return BarStatus("until", latest) if latest else BarStatus()


def bar_status(person: Person, today: date) -> BarStatus:
    rows = CreditRecord.objects.filter(person=person, status__in=COUNTED).filter(barring(today))
    return _combine(rows.values_list("bar_permanent", "barred_until"))


def is_blacklisted(person: Person, today: date) -> bool:
    return CreditRecord.objects.filter(person=person, status__in=COUNTED).filter(blacklisting(today)).exists()


def credit_flags(people: Iterable[Person], today: date) -> dict[int, CreditFlags]:
    """Bar and blacklist of many people in one query (a page of the list)."""
    ids = [p.pk for p in people]
    rows = (
        CreditRecord.objects.filter(person_id__in=ids, status__in=COUNTED)
        .filter(barring(today) | blacklisting(today))
        .values_list(
            "person_id",
            "bar_permanent",
            "barred_until",
            "serious",
            "effective_on",
            "blacklist_permanent",
            "blacklisted_until",
            "decided_on",
        )
    )
    bars: dict[int, list[tuple[bool, date | None]]] = {}
    black: set[int] = set()
    for pid, bar_perm, barred, serious, effective, black_perm, black_until, decided in rows:
        if decided <= today and (bar_perm or (barred is not None and barred >= today)):
            bars.setdefault(pid, []).append((bar_perm, barred))
        if (
            serious
            and effective <= today
            and (black_perm or (black_until is not None and black_until >= today))
        ):
            black.add(pid)
    return {pid: CreditFlags(_combine(bars.get(pid, [])), pid in black) for pid in ids}


# The staff list's 信用 filter ------------------------------------------------------------------

FILTER_CHOICES = [
    ("honour", "有守信记录"),
    ("dishonour", "有失信记录"),
    ("blacklisted", "黑名单中"),
    ("barred", "禁止从事会计工作"),
]


def filter_people(qs: QuerySet[Person], value: str, today: date | None = None) -> QuerySet[Person]:
    day = today or clock.today()
    records = CreditRecord.objects.filter(person=OuterRef("pk"), status__in=COUNTED)
    conditions = {
        "honour": Q(kind=Kind.HONOUR),
        "dishonour": Q(kind=Kind.DISHONOUR),
        "blacklisted": blacklisting(day),
        "barred": barring(day),
    }
    if value not in conditions:
        return qs
    return qs.filter(Exists(records.filter(conditions[value])))


# Scoped reads ----------------------------------------------------------------------------------


def may_see_person(actor: Any, person: Person) -> bool:
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    return own or actor_has_perm(actor, Perm.VIEW_PEOPLE, person.agency)


def records_of(actor: Any, person: Person) -> list[CreditRecord]:
    """Every entry of the person, whatever its status (the record keeps them all)."""
    if not may_see_person(actor, person):
        raise NotVisible(str(person.uid))
    return list(
        CreditRecord.objects.filter(person=person)
        .select_related("agency")
        .prefetch_related("objections", "revisions")
    )


def record_get(actor: Any, uid: Any) -> CreditRecord:
    """For staff who see the person or belong to the entering agency."""
    found = CreditRecord.objects.select_related("person__agency", "agency").filter(uid=uid).first()
    if found is None or not (
        actor_has_perm(actor, Perm.VIEW_PEOPLE, found.person.agency)
        or actor_has_perm(actor, Perm.VIEW_PEOPLE, found.agency)
    ):
        raise NotVisible(str(uid))
    return found


def may_decide(actor: Any, record: CreditRecord) -> bool:
    return actor_has_perm(actor, Perm.EDIT_PEOPLE, record.agency)


def record_history(record: CreditRecord) -> QuerySet[Decision]:
    return Decision.objects.filter(object_type="credit.creditrecord", object_id=str(record.uid))


def objection_get(actor: Any, uid: Any) -> CreditObjection:
    found = (
        CreditObjection.objects.select_related("person__agency", "agency", "record").filter(uid=uid).first()
    )
    if found is None or not (
        actor_has_perm(actor, Perm.VIEW_PEOPLE, found.person.agency)
        or actor_has_perm(actor, Perm.VIEW_PEOPLE, found.agency)
    ):
        raise NotVisible(str(uid))
    return found


def objection_queue(
    actor: Any, today: date, *, overdue_only: bool = False, open_only: bool = True
) -> QuerySet[CreditObjection]:
    """Objections the actor's agencies decide, earliest deadline first."""
    qs = CreditObjection.objects.filter(agency__in=visible_agencies(actor, Perm.EDIT_PEOPLE))
    if open_only or overdue_only:
        qs = qs.filter(status=ObjectionStatus.OPEN)
    if overdue_only:
        qs = qs.filter(deadline__lt=today)
    return qs.select_related("person", "record", "agency").order_by("deadline", "id")


def document_ids(records: Iterable[CreditRecord]) -> set[str]:
    """The proofs that belong to these entries: their versions' and their objections'."""
    ids: set[str] = set()
    for record in records:
        ids.update(record.evidence)
        for objection in record.objections.all():
            ids.update(objection.evidence)
    return ids


def penalties() -> dict[str, str]:
    """处罚种类 labels, retired codes included (old entries stay readable)."""
    return dict(load_table("penalty_kind").choices(include_retired=True))
