"""Every read of 继续教育, scoped like every selector (default: nothing).

Compliance is computed two ways from the same rules: per person in Python (`person_years`,
`rules.compliance`) and for many people in SQL (`required_q`, `with_totals`, `met_q`). The
SQL sums credits as integer tenths, so the 2/3 test is exact on SQLite (where decimals are
stored as floating point) as well as on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round

from registry.accounts.roles import Perm
from registry.accounts.selectors import visible_agencies
from registry.core.errors import NotVisible
from registry.orgs.models import Agency
from registry.people.models import Person, Status, Work

from . import config
from .models import Entry, EntryStatus, Route
from .rules import PROFESSIONAL, REQUIRED_TOTAL, YearCompliance, compliance, required_in

RECENT_YEARS = 3


def qualification_model() -> type[models.Model] | None:
    """The qualifications app's model, when it is installed (it sits beside this app: no import)."""
    try:
        model = apps.get_model("qualifications", "Qualification")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    return model if {"person", "obtained_on"} <= names else None


def _approved_qualifications() -> QuerySet[Any] | None:
    model = qualification_model()
    if model is None:
        return None
    qs = model._default_manager.all()
    if "status" in {f.name for f in model._meta.get_fields()}:
        qs = qs.filter(status="approved")
    return qs


# -- one person -------------------------------------------------------------------------------


def start_facts(person: Person) -> tuple[list[date], list[tuple[date, date | None]]]:
    """What the start-year rule reads: approved qualification dates and accounting work periods."""
    quals = _approved_qualifications()
    qualified = (
        list(quals.filter(person=person).values_list("obtained_on", flat=True)) if quals is not None else []
    )
    periods = list(
        Work.objects.filter(person=person, is_accounting=True).values_list("start_date", "end_date")
    )
    return qualified, periods


@dataclass(frozen=True)
class YearView:
    compliance: YearCompliance
    entries: list[Entry]  # every entry of the year, newest first (pending and returned too)

    @property
    def year(self) -> int:
        return self.compliance.year


def person_years(person: Person, today: date | None = None) -> list[YearView]:
    """The person's years, newest first: every year with an entry, and each year of the last
    three in which continuing education is required (so an empty required year shows)."""
    this_year = (today or config.today()).year
    entries = list(Entry.objects.filter(person=person).order_by("-held_on", "-id"))
    qualified, periods = start_facts(person)
    years = {e.year for e in entries}
    years |= {
        y
        for y in range(this_year - RECENT_YEARS + 1, this_year + 1)
        if required_in(y, qualified_on=qualified, accounting_periods=periods)
    }
    out = []
    for year in sorted(years, reverse=True):
        mine = [e for e in entries if e.year == year]
        approved = [(e.subject, e.credits) for e in mine if e.status == EntryStatus.APPROVED]
        required = required_in(year, qualified_on=qualified, accounting_periods=periods)
        out.append(YearView(compliance(year, approved, required=required), mine))
    return out


def own_person(actor: Any) -> Person | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return Person.objects.select_related("agency").filter(user=actor).first()


def own_entry(actor: Any, uid: Any) -> Entry:
    found = Entry.objects.filter(uid=uid, person__user=actor).first() if own_person(actor) else None
    if found is None:
        raise NotVisible(str(uid))
    return found


# -- review -------------------------------------------------------------------------------------


def review_queue(actor: Any) -> QuerySet[Entry]:
    """Pending self-reports of people managed by the actor's review agencies, oldest first."""
    return (
        Entry.objects.filter(
            status=EntryStatus.PENDING,
            route=Route.SELF,
            person__agency__in=visible_agencies(actor, Perm.REVIEW),
        )
        .select_related("person", "person__agency")
        .order_by("registered_at", "id")
    )


def entry_for_review(actor: Any, uid: Any) -> Entry:
    found = (
        Entry.objects.select_related("person", "person__agency", "registered_by")
        .filter(uid=uid, route=Route.SELF, person__agency__in=visible_agencies(actor, Perm.VIEW_PEOPLE))
        .first()
    )
    if found is None:
        raise NotVisible(str(uid))
    return found


# -- many people --------------------------------------------------------------------------------

TENTHS = IntegerField()


def _tenths_sum(year: int, subject: str | None = None) -> Coalesce:
    rows = Entry.objects.filter(person=OuterRef("pk"), year=year, status=EntryStatus.APPROVED)
    if subject is not None:
        rows = rows.filter(subject=subject)
    tenths = Cast(Round(F("credits") * Value(Decimal(10))), TENTHS)
    summed = rows.order_by().values("person").annotate(s=Sum(tenths)).values("s")[:1]
    return Coalesce(Subquery(summed, output_field=TENTHS), Value(0), output_field=TENTHS)


def required_q(year: int) -> Q:
    """SQL twin of `rules.required_in` for a Person queryset."""
    jan1, dec31 = date(year, 1, 1), date(year, 12, 31)
    accounting = Work.objects.filter(person=OuterRef("pk"), is_accounting=True)
    began = Exists(accounting.filter(start_date__lt=jan1))
    working = Exists(
        accounting.filter(Q(end_date__isnull=True) | Q(end_date__gte=jan1), start_date__lte=dec31)
    )
    cond = Q(began) & Q(working)
    quals = _approved_qualifications()
    if quals is not None:
        cond |= Q(Exists(quals.filter(person=OuterRef("pk"), obtained_on__lt=jan1)))
    return cond


def with_totals(qs: QuerySet[Person], year: int) -> QuerySet[Person]:
    """Adds ce_total and ce_professional (integer tenths of a credit) for `year`."""
    return qs.annotate(ce_total=_tenths_sum(year), ce_professional=_tenths_sum(year, PROFESSIONAL)).annotate(
        ce_gap=F("ce_professional") * 3 - F("ce_total") * 2
    )


def met_q() -> Q:
    """On `with_totals`: total ≥ 90 and 3 × 专业 ≥ 2 × total (exactly 2/3 passes)."""
    return Q(ce_total__gte=int(REQUIRED_TOTAL * 10), ce_gap__gte=0)


def filter_choices(today: date | None = None) -> list[tuple[str, str]]:
    this_year = (today or config.today()).year
    out = []
    for year in range(this_year, this_year - RECENT_YEARS, -1):
        out += [(f"{year}:unmet", f"{year}年未达标"), (f"{year}:met", f"{year}年已达标")]
    return out


def filter_apply(qs: QuerySet[Person], value: str) -> QuerySet[Person]:
    """The list filter: people required in the year who did (not) meet it."""
    year_text, _, which = value.partition(":")
    if not year_text.isdigit() or which not in {"met", "unmet"}:
        return qs.none()
    year = int(year_text)
    qs = with_totals(qs.filter(required_q(year)), year)
    return qs.filter(met_q()) if which == "met" else qs.exclude(met_q())


def people_in_scope(actor: Any, agency: Agency | None = None) -> QuerySet[Person]:
    qs = Person.objects.filter(agency__in=visible_agencies(actor, Perm.VIEW_PEOPLE), status=Status.COLLECTED)
    if agency is not None:
        qs = qs.filter(agency__path__startswith=agency.path)
    return qs


@dataclass(frozen=True)
class Counts:
    required: int
    met: int

    @property
    def unmet(self) -> int:
        return self.required - self.met


def compliance_counts(actor: Any, year: int, agency: Agency | None = None) -> Counts:
    """Of the collected people in scope: how many must earn credits in `year`, and how many did."""
    qs = with_totals(people_in_scope(actor, agency).filter(required_q(year)), year)
    found = qs.aggregate(required=Count("pk"), met=Count("pk", filter=met_q()))
    return Counts(required=found["required"] or 0, met=found["met"] or 0)


@dataclass(frozen=True)
class UnmetRow:
    person: Person
    compliance: YearCompliance


@dataclass(frozen=True)
class UnmetPage:
    rows: list[UnmetRow]
    next_after: int | None


def unmet_page(
    actor: Any, year: int, agency: Agency | None = None, after: int | None = None, size: int = 50
) -> UnmetPage:
    """People in scope who had to and did not meet `year`'s requirement: keyset pages, newest first."""
    qs = with_totals(people_in_scope(actor, agency).filter(required_q(year)), year).exclude(met_q())
    if after:
        qs = qs.filter(id__lt=after)
    people = list(qs.select_related("agency").order_by("-id")[: size + 1])
    rows = [
        UnmetRow(
            p,
            YearCompliance(
                year=year,
                required=True,
                total=Decimal(p.ce_total) / 10,  # type: ignore[attr-defined]
                professional=Decimal(p.ce_professional) / 10,  # type: ignore[attr-defined]
            ),
        )
        for p in people[:size]
    ]
    return UnmetPage(rows=rows, next_after=people[size - 1].id if len(people) > size else None)
