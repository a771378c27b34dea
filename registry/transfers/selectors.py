"""Reads of transfers, scoped to the actor: the applicant, staff of either end, nobody else."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import visible_agencies
from registry.core.errors import NotVisible
from registry.people.models import Person

from .models import FROZEN_STATES, OPEN_STATES, Direction, Transfer, TransferStatus


def open_transfer(person: Person) -> Transfer | None:
    return Transfer.objects.filter(person_uid=person.uid, status__in=OPEN_STATES).first()


def open_transfer_reason(person: Person) -> str | None:
    return "调转办理中" if open_transfer(person) else None


def frozen_reason(person: Person, action: str) -> str | None:
    """From the origin's confirm until the hub's answer the record belongs to the transfer."""
    if action.startswith("transfer."):
        return None
    if Transfer.objects.filter(
        person_uid=person.uid, status__in=FROZEN_STATES, direction=Direction.OUT
    ).exists():
        return "该人员正在办理跨省调转（已确认转出），办结前记录不能修改"
    return None


def staff_transfers(actor: Any) -> QuerySet[Transfer]:
    """Transfers whose origin or destination agency the actor may review."""
    agencies = visible_agencies(actor, Perm.REVIEW)
    codes = list(agencies.values_list("code", flat=True))
    return Transfer.objects.filter(Q(origin_agency__in=agencies) | Q(dest_agency_code__in=codes)).distinct()


def my_queue(actor: Any) -> QuerySet[Transfer]:
    """What waits for this actor's decision: origin reviews at their agencies, destination reviews."""
    agencies = visible_agencies(actor, Perm.REVIEW)
    codes = list(agencies.values_list("code", flat=True))
    return Transfer.objects.filter(
        Q(status=TransferStatus.APPLIED, origin_agency__in=agencies)
        | Q(status=TransferStatus.DEST_REVIEW, dest_agency_code__in=codes)
        & Q(direction__in=[Direction.IN, Direction.INTRA])
    ).order_by("applied_at")


def overdue(actor: Any) -> QuerySet[Transfer]:
    now = timezone.now()
    return staff_transfers(actor).filter(
        Q(status=TransferStatus.APPLIED, origin_due__lt=now)
        | Q(
            status=TransferStatus.DEST_REVIEW, dest_due__lt=now, direction__in=[Direction.IN, Direction.INTRA]
        )
    )


def staff_transfer(actor: Any, uid: str) -> Transfer:
    found = staff_transfers(actor).filter(uid=uid).first()
    if found is None:
        raise NotVisible(uid)
    return found


def my_transfers(actor: Any) -> QuerySet[Transfer]:
    person = Person.objects.filter(user=actor).first() if getattr(actor, "pk", None) else None
    if person is None:
        return Transfer.objects.none()
    return Transfer.objects.filter(person_uid=person.uid)
