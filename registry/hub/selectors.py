"""Reads for the hub's operator pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from registry.orgs.models import Agency, Level

from .models import FeedCursor, InboxBatch, Incident


@dataclass
class Freshness:
    agency: Agency
    cursor: FeedCursor | None
    pending_batches: int
    lag_seconds: float
    recent_errors: int
    alarm: bool

    @property
    def state(self) -> str:
        if self.alarm:
            return "告警"
        if self.cursor is None or self.cursor.last_contact_at is None:
            return "未接入"
        return "正常"


def freshness(now: datetime | None = None) -> list[Freshness]:
    now = now or timezone.now()
    threshold = settings.REGISTRY_HUB_LAG_ALARM_SECONDS
    cursors = {c.agency_id: c for c in FeedCursor.objects.all()}
    pending: dict[int, datetime] = {
        row["agency_id"]: row["oldest"]
        for row in InboxBatch.objects.filter(applied_at__isnull=True)
        .values("agency_id")
        .annotate(oldest=Min("oldest_event_at"))
    }
    pending_counts: dict[int, int] = {}
    for agency_id in InboxBatch.objects.filter(applied_at__isnull=True).values_list("agency_id", flat=True):
        pending_counts[agency_id] = pending_counts.get(agency_id, 0) + 1
    since = now - timedelta(hours=24)
    errors: dict[str, int] = {}
    for code in Incident.objects.filter(at__gte=since).values_list("agency_code", flat=True):
        errors[code] = errors.get(code, 0) + 1
    out = []
    for agency in Agency.objects.filter(level=Level.PROVINCIAL).order_by("code"):
        oldest = pending.get(agency.id)
        lag = (now - oldest).total_seconds() if oldest else 0.0
        out.append(
            Freshness(
                agency=agency,
                cursor=cursors.get(agency.id),
                pending_batches=pending_counts.get(agency.id, 0),
                lag_seconds=lag,
                recent_errors=errors.get(agency.code, 0),
                alarm=lag > threshold,
            )
        )
    return out
