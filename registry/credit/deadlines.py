"""Working-day deadlines of the credit rules: entry within 10 working days of the decision (2025
rule), an objection decided within 10 working days of filing.

The counting is `registry.collection.deadlines.add_working_days` (Monday to Friday until a
holiday calendar is configured). The layer contract keeps sibling modules from importing each
other, so the rule is repeated here until it moves down to `registry.core`.
"""

from __future__ import annotations

from datetime import date, timedelta

ENTRY_WORKING_DAYS = 10
OBJECTION_WORKING_DAYS = 10


def add_working_days(start: date, days: int) -> date:
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def entry_deadline(decided_on: date) -> date:
    """The last day on which the deciding body enters the decision on time."""
    return add_working_days(decided_on, ENTRY_WORKING_DAYS)


def objection_deadline(filed_on: date) -> date:
    """The last day on which the agency decides an objection on time."""
    return add_working_days(filed_on, OBJECTION_WORKING_DAYS)
