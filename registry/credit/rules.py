"""The credit rules as pure functions (DOMAIN.md §5 and §6): blacklist and bar periods.

Periods are counted as 民法典 §201–§203 count them: the starting day itself is not counted, so a
period of five years from 2024-03-10 ends with 2029-03-10 (its last day, still inside the
period); a start on 29 February ends on 28 February. Every `..._until` here is that last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

BLACKLIST_YEARS = 5
BAR_YEARS = 5
PENALTY_BAN = "5"  # penalty_kind: 五年内不得从事会计工作
PENALTY_CRIMINAL = "6"  # penalty_kind: 追究刑事责任


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February: no such day, the period ends on the month's last day
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True)
class Periods:
    serious: bool
    criminal: bool
    blacklisted_until: date | None
    blacklist_permanent: bool
    barred_until: date | None
    bar_permanent: bool


def periods(
    *, dishonour: bool, penalty: str, criminal: bool, serious: bool, decided_on: date, effective_on: date
) -> Periods:
    """Blacklist: a serious 失信 for 5 years from the effective date, for good when criminal.
    Bar from accounting work: for good after criminal liability, 5 years from the decision
    after an administrative 5-year ban. A criminal penalty is always serious 失信."""
    if not dishonour:
        return Periods(False, False, None, False, None, False)
    criminal = criminal or penalty == PENALTY_CRIMINAL
    serious = serious or criminal
    blacklisted_until = None
    if serious and not criminal:
        blacklisted_until = add_years(effective_on, BLACKLIST_YEARS)
    barred_until = None
    if not criminal and penalty == PENALTY_BAN:
        barred_until = add_years(decided_on, BAR_YEARS)
    return Periods(
        serious=serious,
        criminal=criminal,
        blacklisted_until=blacklisted_until,
        blacklist_permanent=criminal,
        barred_until=barred_until,
        bar_permanent=criminal,
    )
