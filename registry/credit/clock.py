"""Today's date in the node's time zone: one place, so tests can fix the day every rule reads."""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def today() -> date:
    return timezone.localdate()
