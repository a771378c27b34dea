"""Review deadlines in working days (Monday to Friday).

Public holidays and adjusted working weekends are announced yearly; until a
calendar table is configured, weekends are the only non-working days.
"""

from __future__ import annotations

from datetime import date, timedelta


def add_working_days(start: date, days: int) -> date:
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current
