"""Reads of the agency tree."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Agency


def agency_subtree(root: Agency) -> QuerySet[Agency]:
    return Agency.objects.filter(path__startswith=root.path)


def agency_by_code(code: str) -> Agency | None:
    return Agency.objects.filter(code=code).first()


def agency_for_division(division_code: str, within: Agency) -> Agency | None:
    """The deepest agency of a subtree whose division is the code or one of its ancestors."""
    candidates = [division_code, division_code[:4] + "00", division_code[:2] + "0000"]
    found = {a.division_code: a for a in agency_subtree(within).filter(division_code__in=candidates)}
    for code in candidates:
        if code in found:
            return found[code]
    return None
