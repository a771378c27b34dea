from __future__ import annotations

import pytest

from registry.orgs.models import Agency, Level
from registry.orgs.selectors import agency_for_division, agency_subtree
from registry.orgs.services import agencies_sync

pytestmark = pytest.mark.django_db


def test_forty_provincial_bodies_under_the_hub() -> None:
    hub = Agency.objects.get(level=Level.NATIONAL)
    bodies = Agency.objects.filter(level=Level.PROVINCIAL)
    assert bodies.count() == 40
    assert all(b.parent_id == hub.pk for b in bodies)
    assert Agency.objects.get(code="440000").name == "广东省财政厅"
    assert Agency.objects.get(code="110000").name == "北京市财政局"
    assert Agency.objects.get(code="440300").name == "深圳市财政局"
    # The four bodies without a division code get internal Z-codes.
    assert set(bodies.filter(division_code="").values_list("code", flat=True)) == {
        "Z10000",
        "Z20000",
        "Z30000",
        "Z40000",
    }


def test_local_tree_of_the_configured_province() -> None:
    tianhe = Agency.objects.get(code="440106")
    assert tianhe.level == Level.COUNTY and tianhe.name == "广州市天河区财政局"
    assert tianhe.parent.code == "440100" and tianhe.parent.parent.code == "440000"
    assert tianhe.path == "/000000/440000/440100/440106/"
    assert agency_subtree(Agency.objects.get(code="440100")).filter(code="440106").exists()
    # Cities without counties are leaves of the tree.
    assert Agency.objects.get(code="441900").level == Level.CITY


def test_separate_plan_city_is_not_inside_its_province() -> None:
    guangdong = Agency.objects.get(code="440000")
    assert not agency_subtree(guangdong).filter(code__startswith="4403").exists()
    assert Agency.objects.get(code="440300").parent.level == Level.NATIONAL


def test_sync_is_idempotent() -> None:
    before = list(Agency.objects.values_list("code", "name", "path", "parent_id"))
    agencies_sync("440000")
    assert list(Agency.objects.values_list("code", "name", "path", "parent_id")) == before


def test_municipality_districts_hang_under_the_body() -> None:
    agencies_sync("110000")
    dongcheng = Agency.objects.get(code="110101")
    assert dongcheng.parent.code == "110000" and dongcheng.name == "北京市东城区财政局"


def test_division_routing_finds_the_deepest_agency() -> None:
    guangdong = Agency.objects.get(code="440000")
    assert agency_for_division("440106", guangdong).code == "440106"
    assert agency_for_division("440199", guangdong).code == "440100"  # unknown county → its city
    assert agency_for_division("440305", guangdong) is None  # 深圳 is not Guangdong's
