"""Reads of the agency tree."""

from __future__ import annotations

from django.db.models import QuerySet

from .bodies import NATIONAL_CODE, SEPARATE_PLAN_CITIES
from .models import Agency


def agency_subtree(root: Agency) -> QuerySet[Agency]:
    return Agency.objects.filter(path__startswith=root.path)


def agency_by_code(code: str) -> Agency | None:
    return Agency.objects.filter(code=code).first()


def agency_for_division(division_code: str, within: Agency) -> Agency | None:
    """The deepest agency of a subtree whose division is the code or one of its ancestors."""
    city = division_code[:4] + "00"
    if city in SEPARATE_PLAN_CITIES and within.code != NATIONAL_CODE and f"/{city}/" not in within.path:
        return None  # a 计划单列市 belongs to its own provincial body, not to the province around it
    candidates = [division_code, city, division_code[:2] + "0000"]
    found = {a.division_code: a for a in agency_subtree(within).filter(division_code__in=candidates)}
    for code in candidates:
        if code in found:
            return found[code]
    return None


def provincial_code(agency: Agency) -> str:
    """The code of the provincial body an agency belongs to (its own code for a body; "" for the hub)."""
    parts = [p for p in agency.path.split("/") if p]
    return parts[1] if len(parts) > 1 else ""
