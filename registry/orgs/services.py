"""Writes to the agency tree. Agencies are reference data: built from the division snapshot."""

from __future__ import annotations

from django.db import transaction

from registry.standard.codes import divisions

from .bodies import (
    MAINLAND_PROVINCES,
    MUNICIPALITIES,
    NATIONAL_CODE,
    NATIONAL_NAME,
    SEPARATE_PLAN_CITIES,
    SPECIAL_BODIES,
    provincial_body_name,
)
from .models import Agency, Level


def _upsert(code: str, name: str, short: str, level: str, parent: Agency | None, division: str) -> Agency:
    path = f"{parent.path if parent else '/'}{code}/"
    agency, _ = Agency.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short,
            "level": level,
            "parent": parent,
            "path": path,
            "division_code": division,
        },
    )
    return agency


@transaction.atomic
def agencies_sync(province_code: str) -> int:
    """Create or update the hub, the 40 provincial bodies, and the local tree of one body.

    Running it again changes nothing. Returns the number of agencies in the tree.
    """
    table = divisions()
    hub = _upsert(NATIONAL_CODE, NATIONAL_NAME, "全国", Level.NATIONAL, None, "")
    for code in [*MAINLAND_PROVINCES, *SEPARATE_PLAN_CITIES]:
        division_name = table.label(code)
        _upsert(code, provincial_body_name(code, division_name), division_name, Level.PROVINCIAL, hub, code)
    for code, (name, short) in SPECIAL_BODIES.items():
        _upsert(code, name, short, Level.PROVINCIAL, hub, "")
    if province_code in SPECIAL_BODIES or province_code == NATIONAL_CODE:
        return Agency.objects.count()
    body = Agency.objects.get(code=province_code)
    _build_local_tree(body)
    return Agency.objects.count()


@transaction.atomic
def agencies_sync_all() -> int:
    """The whole national tree: what the hub needs to place every province's people."""
    agencies_sync(NATIONAL_CODE)
    for body in Agency.objects.filter(level=Level.PROVINCIAL).exclude(code__in=SPECIAL_BODIES):
        _build_local_tree(body)
    return Agency.objects.count()


def _build_local_tree(body: Agency) -> None:
    """Cities under the body and counties under their city. A municipality's districts and a
    province-administered county-level city hang directly under the body (the division table
    already skips the 市辖区 / 省直辖县级行政区划 groupings)."""
    table = divisions()
    for child in table.children(body.code):
        if child.code in SEPARATE_PLAN_CITIES and body.code not in SEPARATE_PLAN_CITIES:
            continue
        if child.level == "county":
            full = f"{body.short_name}{child.name}" if body.code in MUNICIPALITIES else child.name
            _upsert(child.code, f"{full}财政局", full, Level.COUNTY, body, child.code)
            continue
        city = _upsert(child.code, f"{child.name}财政局", child.name, Level.CITY, body, child.code)
        for county in table.children(child.code):
            full = f"{child.name}{county.name}"
            _upsert(county.code, f"{full}财政局", full, Level.COUNTY, city, county.code)
