"""Reads of change requests, scoped like every selector (default: nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from registry.accounts.roles import Perm
from registry.accounts.selectors import visible_agencies
from registry.core.errors import NotVisible
from registry.core.models import Decision
from registry.orgs.models import Agency
from registry.people.models import Person

from .models import OPEN_STATES, ChangeRequest, ChangeStatus

OBJECT_TYPE = "changes.changerequest"


@dataclass
class QueueFilter:
    agency: Agency | None = None
    overdue_only: bool = False


def review_queue(actor: Any, f: QueueFilter, today: date | None = None) -> QuerySet[ChangeRequest]:
    """Submitted requests held by the actor's agencies, oldest first."""
    qs = ChangeRequest.objects.filter(
        status=ChangeStatus.SUBMITTED, agency__in=visible_agencies(actor, Perm.REVIEW)
    ).select_related("person", "agency")
    if f.agency is not None:
        qs = qs.filter(agency__path__startswith=f.agency.path)
    if f.overdue_only:
        qs = qs.filter(deadline__lt=today or date.today())
    return qs.order_by("submitted_at", "id")


def request_for_review(actor: Any, uid: Any) -> ChangeRequest:
    found = (
        ChangeRequest.objects.select_related("person", "person__agency", "agency", "decided_by")
        .filter(uid=uid, agency__in=visible_agencies(actor, Perm.VIEW_PEOPLE))
        .first()
    )
    if found is None:
        raise NotVisible(str(uid))
    return found


def own_person(actor: Any) -> Person | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return Person.objects.select_related("agency").filter(user=actor).first()


def own_requests(actor: Any) -> QuerySet[ChangeRequest]:
    person = own_person(actor)
    if person is None:
        return ChangeRequest.objects.none()
    return person_requests(person)


def own_request(actor: Any, uid: Any) -> ChangeRequest:
    found = own_requests(actor).filter(uid=uid).first()
    if found is None:
        raise NotVisible(str(uid))
    return found


def person_requests(person: Person) -> QuerySet[ChangeRequest]:
    """A person's requests; the caller has decided the actor may see this person."""
    qs = ChangeRequest.objects.filter(person=person).select_related("agency")
    return qs.order_by("-submitted_at", "-id")


def open_requests(person: Person) -> QuerySet[ChangeRequest]:
    """Open requests of a person (transfers check this: no other pending application)."""
    return ChangeRequest.objects.filter(person=person, status__in=OPEN_STATES)


def request_history(request: ChangeRequest) -> QuerySet[Decision]:
    return Decision.objects.filter(object_type=OBJECT_TYPE, object_id=str(request.uid))
