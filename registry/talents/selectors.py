"""Reads of 高端会计人才, scoped: staff see the people of their agencies, a person their own."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.core.errors import NotVisible
from registry.people.models import Person
from registry.standard import record as std

from .models import Programme, ProgrammeLevel, Talent, TalentStatus


def section(person: Person) -> list[std.Talent]:
    """The snapshot's `talents`: every selection, ended ones included (their status says so).
    The programme is reported by its national-table code (a province's own programme by the
    provincial code it falls under)."""
    return [
        std.Talent.model_construct(
            programme=t.programme.standard_code,
            level=t.programme.level,
            cohort_year=t.cohort_year,
            cohort=t.cohort or None,
            status=t.status,
            certificate_no=t.certificate_no or None,
        )
        for t in Talent.objects.filter(person=person)
        .select_related("programme")
        .order_by("cohort_year", "id")
    ]


def talents_of(actor: Any, person: Person) -> QuerySet[Talent]:
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    if not own and not actor_has_perm(actor, Perm.VIEW_PEOPLE, person.agency):
        raise NotVisible(str(person.uid))
    return Talent.objects.filter(person=person).select_related("programme").order_by("-cohort_year", "-id")


def programmes(active_only: bool = True) -> QuerySet[Programme]:
    qs = Programme.objects.all()
    return qs.filter(active=True) if active_only else qs


# The list filter "高端会计人才": selections in training or graduated (a withdrawal does not count).
FILTER_CHOICES = [
    ("any", "是（任一项目）"),
    (ProgrammeLevel.NATIONAL.value, "国家级项目"),
    (ProgrammeLevel.PROVINCIAL.value, "省级项目"),
]
COUNTING = (TalentStatus.TRAINING, TalentStatus.GRADUATED)


def filter_people(qs: QuerySet[Person], value: str) -> QuerySet[Person]:
    if value not in dict(FILTER_CHOICES):
        return qs
    talents = Talent.objects.filter(person=OuterRef("pk"), status__in=COUNTING)
    if value != "any":
        talents = talents.filter(programme__level=value)
    return qs.filter(Exists(talents))
