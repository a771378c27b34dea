"""Reads for the portal and the review queue, scoped like every selector."""

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

from .models import Collection, CollectionStatus


@dataclass
class QueueFilter:
    agency: Agency | None = None
    overdue_only: bool = False
    category: str = ""


def review_queue(actor: Any, f: QueueFilter, today: date | None = None) -> QuerySet[Collection]:
    """Submitted collections held by the actor's agencies, oldest first."""
    qs = Collection.objects.filter(
        status=CollectionStatus.SUBMITTED, agency__in=visible_agencies(actor, Perm.REVIEW)
    ).select_related("person", "agency")
    if f.agency is not None:
        qs = qs.filter(agency__path__startswith=f.agency.path)
    if f.overdue_only:
        qs = qs.filter(deadline__lt=today or date.today())
    if f.category:
        qs = qs.filter(person__category=f.category)
    return qs.order_by("submitted_at", "id")


def collection_for_review(actor: Any, uid: Any) -> Collection:
    found = (
        Collection.objects.select_related("person", "person__agency", "agency")
        .filter(uid=uid, agency__in=visible_agencies(actor, Perm.VIEW_PEOPLE))
        .first()
    )
    if found is None:
        raise NotVisible(str(uid))
    return found


def collection_history(collection: Collection) -> QuerySet[Decision]:
    return Decision.objects.filter(object_type="collection.collection", object_id=str(collection.uid))
