"""Reads of qualifications, scoped: staff see the people of their agencies, a person their own."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, visible_agencies
from registry.core.errors import NotVisible
from registry.people.models import Person
from registry.standard import record as std
from registry.standard.codes import load_table

from .models import Qualification, QualificationStatus
from .rules import level_rank


def _approved() -> QuerySet[Qualification]:
    return Qualification.objects.filter(status=QualificationStatus.APPROVED)


def highest_level(person: Person) -> str | None:
    """The level code of the person's highest approved qualification, or None."""
    levels = set(_approved().filter(person=person).values_list("level", flat=True))
    return min(levels, key=level_rank, default=None)


def highest_level_texts(people: list[Person]) -> dict[int, str]:
    """The highest approved level's title of each person of a page, in one query."""
    best: dict[int, str] = {}
    rows = _approved().filter(person__in=people).values_list("person_id", "level")
    for person_id, level in rows:
        if person_id not in best or level_rank(level) < level_rank(best[person_id]):
            best[person_id] = level
    table = load_table("qualification_level")
    return {pk: table.label(level) for pk, level in best.items()}


def highest_level_label(person: Person) -> str:
    level = highest_level(person)
    return load_table("qualification_level").label(level) if level else ""


def section(person: Person) -> list[std.Qualification]:
    """The snapshot's `qualifications`: approved ones only, oldest first (stored rows were validated)."""
    return [
        std.Qualification.model_construct(
            level=q.level,
            title=q.title,
            route=q.route,
            obtained_on=q.obtained_on,
            certificate_no=q.certificate_no or None,
            issuer=q.issuer or None,
            appointed_title=q.appointed_title or None,
            appointed_on=q.appointed_on,
        )
        for q in _approved().filter(person=person).order_by("obtained_on", "id")
    ]


def qualifications_of(actor: Any, person: Person) -> QuerySet[Qualification]:
    """Every qualification of the person, returned and pending included, for staff who see the
    person and for the person themself."""
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    if not own and not actor_has_perm(actor, Perm.VIEW_PEOPLE, person.agency):
        raise NotVisible(str(person.uid))
    return Qualification.objects.filter(person=person).order_by("-obtained_on", "-id")


def pending_reviews(actor: Any) -> QuerySet[Qualification]:
    """Self-reports waiting for a reviewer of the actor's agencies, oldest first."""
    return (
        Qualification.objects.filter(
            status=QualificationStatus.PENDING,
            person__agency__in=visible_agencies(actor, Perm.REVIEW),
        )
        .exclude(person__user_id=getattr(actor, "pk", None) or 0)
        .select_related("person", "person__agency")
        .order_by("created_at", "id")
    )


def qualification_visible(actor: Any, uid: Any) -> Qualification:
    """One qualification, for its person or staff who see the person; NotVisible otherwise."""
    row = Qualification.objects.select_related("person__agency").filter(uid=uid).first()
    if row is None:
        raise NotVisible(str(uid))
    qualifications_of(actor, row.person)
    return row


# The list filter "专业技术资格": value → levels of an approved qualification ("none": has none).
FILTER_CHOICES = [
    ("any", "有资格（初级及以上）"),
    ("2+", "中级及以上"),
    ("3+", "副高级及以上"),
    ("4", "正高级"),
    ("none", "无"),
]
FILTER_LEVELS = {"any": ("1", "2", "3", "4"), "2+": ("2", "3", "4"), "3+": ("3", "4"), "4": ("4",)}


def filter_people(qs: QuerySet[Person], value: str) -> QuerySet[Person]:
    if value == "none":
        return qs.filter(~Exists(_approved().filter(person=OuterRef("pk"))))
    levels = FILTER_LEVELS.get(value)
    if levels is None:
        return qs
    return qs.filter(Exists(_approved().filter(person=OuterRef("pk"), level__in=levels)))
