"""The 信息变更 filter of the staff list: people with a request in progress, or with an approved change."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from registry.people.hooks import ListFilter
from registry.people.models import Person

from .models import OPEN_STATES, ChangeRequest, ChangeStatus

CHOICES = [("open", "有办理中的变更申请"), ("approved", "有已批准的变更")]


def apply(qs: QuerySet[Person], value: str) -> QuerySet[Person]:
    states = {"open": list(OPEN_STATES), "approved": [ChangeStatus.APPROVED]}.get(value)
    if states is None:
        return qs
    return qs.filter(Exists(ChangeRequest.objects.filter(person=OuterRef("pk"), status__in=states)))


FILTER = ListFilter("change", "信息变更", lambda: CHOICES, apply)
