"""Every read of people, scoped to what the actor may see (default: nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from registry.accounts.roles import Perm
from registry.accounts.selectors import visible_agencies
from registry.core.errors import NotVisible
from registry.orgs.models import Agency
from registry.standard.identity import check_identity

from .hooks import FILTERS
from .models import Person
from .services import archive_index_for

AGE_BANDS = {
    "20-29": (20, 29),
    "30-39": (30, 39),
    "40-49": (40, 49),
    "50-59": (50, 59),
    "60+": (60, 200),
    "<20": (0, 19),
}


def people_visible(actor: Any) -> QuerySet[Person]:
    return Person.objects.filter(agency__in=visible_agencies(actor, Perm.VIEW_PEOPLE))


def person_get(actor: Any, uid: Any) -> Person:
    """One person, or NotVisible when it does not exist or lies outside the actor's subtree."""
    person = people_visible(actor).select_related("agency").filter(uid=uid).first()
    if person is None:
        raise NotVisible(str(uid))
    return person


def own_person(actor: Any) -> Person | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return Person.objects.select_related("agency").filter(user=actor).first()


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass
class PeopleFilter:
    agency: Agency | None = None
    status: str = ""
    sex: str = ""
    education: str = ""
    age_band: str = ""
    name: str = ""
    archive_no: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # module filters (people.hooks.FILTERS)


def people_filtered(actor: Any, f: PeopleFilter, today: date | None = None) -> QuerySet[Person]:
    qs = people_visible(actor)
    if f.agency is not None:
        qs = qs.filter(agency__path__startswith=f.agency.path)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.sex:
        qs = qs.filter(sex=f.sex)
    if f.education:
        qs = qs.filter(highest_education=f.education)
    if f.age_band in AGE_BANDS:
        low, high = AGE_BANDS[f.age_band]
        today = today or date.today()
        # Aged low..high inclusive: born after today - (high + 1) years, on or before today - low years.
        qs = qs.filter(birth_date__gt=_years_ago(today, high + 1), birth_date__lte=_years_ago(today, low))
    if f.name:
        prefix = f.name.strip()
        if connection.vendor == "sqlite":
            # SQLite never uses an index for LIKE ... ESCAPE; a code-point range (its BINARY order) does.
            qs = qs.filter(name__gte=prefix, name__lt=prefix + "\U0010ffff")
        else:
            # PostgreSQL: LIKE 'x%' uses the varchar_pattern_ops index whatever the collation.
            qs = qs.filter(name__startswith=prefix)
    if f.archive_no:
        qs = qs.filter(archive_index__in=_archive_indexes(f.archive_no))
    for key, value in f.extra.items():
        if value and key in FILTERS:
            qs = FILTERS[key].apply(qs, value)
    return qs


def _archive_indexes(raw: str) -> list[str]:
    """Exact lookup through the blind index; a 15-digit number finds its 18-digit form."""
    result = check_identity("resident_id", raw)
    numbers = {result.archive_no} if result.archive_no else set()
    numbers.add(raw.strip().upper())
    return [archive_index_for("resident_id", n, None) for n in numbers]


COUNT_CAP = 10_000


@dataclass
class Page:
    rows: list[Person]
    next_after: int | None
    total: int  # capped at COUNT_CAP + 1: the exact figure of a big result set belongs to statistics

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP


def people_page(actor: Any, f: PeopleFilter, after: int | None = None, size: int = 50) -> Page:
    """Keyset pagination, newest first: `after` is the last id of the previous page."""
    qs = people_filtered(actor, f)
    total = qs[: COUNT_CAP + 1].count()
    page_qs = qs.order_by("-id")
    if after:
        page_qs = page_qs.filter(id__lt=after)
    rows = list(page_qs.select_related("agency")[: size + 1])
    next_after = rows[size - 1].id if len(rows) > size else None
    return Page(rows=rows[:size], next_after=next_after, total=total)
