"""Working-day deadlines of the credit rules: entry within 10 working days of the decision (2025
rule), an objection decided within 10 working days of filing."""

from __future__ import annotations

from datetime import date

from registry.core.deadlines import add_working_days

ENTRY_WORKING_DAYS = 10
OBJECTION_WORKING_DAYS = 10


def entry_deadline(decided_on: date) -> date:
    """The last day on which the deciding body enters the decision on time."""
    return add_working_days(decided_on, ENTRY_WORKING_DAYS)


def objection_deadline(filed_on: date) -> date:
    """The last day on which the agency decides an objection on time."""
    return add_working_days(filed_on, OBJECTION_WORKING_DAYS)
