"""Dashboard pages: who sees which agency, every bar's drill-down lists as many people as the
bar shows, age bands cut on the day, and each chart downloads as a workbook."""

from __future__ import annotations

import io
import re
from datetime import date
from itertools import count
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from registry.accounts.roles import Role
from registry.continuing_education.services import ce_register
from registry.credit.services import credit_add
from registry.people.services import person_set_state
from registry.qualifications.services import qualification_add
from registry.standard.identity import check_char
from registry.stats.dashboard import dashboard, years_ago
from registry.talents.services import talent_add

from .conftest import client_for, png

_serial = count(100)


def born(day: date, area: str = "440106", sex: str = "1") -> dict[str, str]:
    """Identity of a synthetic person born on `day` (odd sequence: male)."""
    seq = next(_serial) * 2 + (1 if sex == "1" else 0)
    first17 = f"{area}{day:%Y%m%d}{seq % 1000:03d}"
    return {"archive_no": first17 + check_char(first17)}


def page_total(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    found = re.search(r'id="(?:total|result-total)">(\d+)<', html)
    assert found, url
    return int(found.group(1))


@pytest.fixture
def world(make_person: Any, make_user: Any) -> dict[str, Any]:
    """People of three counties with qualifications, a talent, credit entries and CE credits."""
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    today = date.today()
    people = [make_person(code) for code in ["440106", "440106", "440106", "440104", "440104", "440203"]]
    people.append(make_person("440106", identity=born(years_ago(today, 30))))  # 30 today
    people.append(
        make_person("440106", identity=born(years_ago(today, 40) + (date(2000, 1, 2) - date(2000, 1, 1))))
    )
    for p, level in zip(people, "1234", strict=False):
        qualification_add(
            actor=admin,
            person=p,
            data={
                "level": level,
                "route": "1",
                "obtained_on": date(2016, 5, 1),
                "certificate_no": f"C{p.pk}",
            },
        )
    talent_add(actor=admin, person=people[1], data={"programme": "N01", "cohort_year": 2020, "status": "1"})
    talent_add(actor=admin, person=people[4], data={"programme": "P01", "cohort_year": 2021, "status": "1"})
    credit_add(
        actor=admin,
        person=people[2],
        data={
            "kind": "dishonour",
            "item": "伪造会计凭证",
            "decided_by": "广东省财政厅",
            "decided_on": date(today.year - 1, 3, 1),
            "document_no": "粤财罚〔2025〕1号",
            "penalty": "5",
            "serious": "1",
            "public_until": date(today.year + 2, 1, 1),
        },
        evidence_files=[png()],
    )
    credit_add(
        actor=admin,
        person=people[3],
        data={
            "kind": "honour",
            "item": "先进会计工作者",
            "level": "省级",
            "decided_by": "广东省人民政府",
            "decided_on": date(today.year - 1, 10, 1),
        },
        evidence_files=[png()],
    )
    ce_register(
        actor=admin,
        person=people[0],
        data={"held_on": f"{today.year}-01-10", "form": "1", "subject": "1", "days": "9", "provider": "学会"},
    )
    person_set_state(actor=admin, person=people[5], status="pending", action="test", data={})
    return {"admin": admin, "people": people}


def test_every_bar_links_to_as_many_people_as_it_shows(world: dict[str, Any], make_user: Any) -> None:
    reviewer = make_user(Role.PROVINCE_REVIEWER, "440000")
    client = client_for(reviewer)
    for code, scope in [
        ("440000", "collected"),
        ("440000", "all"),
        ("440100", "collected"),
        ("440106", "all"),
    ]:
        response = client.get("/stats/", {"agency": code, "scope": scope})
        assert response.status_code == 200
        checked = 0
        for chart in response.context["charts"]:
            for bar in chart.bars:
                if bar.value or chart.key != "trend":
                    assert page_total(client, bar.link) == bar.value, (
                        code,
                        scope,
                        chart.key,
                        bar.label,
                        bar.link,
                    )
                    checked += 1
        assert checked > 20
    board = dashboard(reviewer, world["people"][0].agency.parent.parent, "collected")
    assert board.total == 7
    assert board.chart("credit").bars[2].value == 1  # 黑名单中
    assert board.chart("credit").bars[3].value == 1  # 禁止从事会计工作
    assert [b.value for b in board.chart("qualification").bars] == [3, 1, 1, 1, 1]


def test_age_bands_are_cut_on_the_birthday(world: dict[str, Any], make_user: Any) -> None:
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    bars = {b.label: b for b in dashboard(reviewer, world["people"][0].agency, "collected").chart("age").bars}
    client = client_for(reviewer)
    for bar in bars.values():
        assert page_total(client, bar.link) == bar.value
    thirty = world["people"][6]
    assert bars["30-39岁"].value >= 1
    assert thirty.name in client.get(bars["30-39岁"].link).content.decode()
    # Born a day after the 40th birthday's date: still 39.
    assert world["people"][7].name in client.get(bars["30-39岁"].link).content.decode()


def test_county_staff_see_their_county_only(world: dict[str, Any], make_user: Any) -> None:
    client = client_for(make_user(Role.COUNTY_REVIEWER, "440104"))
    response = client.get("/stats/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.agency.code == "440104" and board.total == 2
    for code in ("440100", "440106", "440000", "110000", "000000", "nope"):
        assert client.get("/stats/", {"agency": code}).status_code == 404
        assert client.get("/stats/chart.xlsx", {"agency": code, "chart": "sex"}).status_code == 404


def test_other_provinces_and_accountants_see_nothing(
    world: dict[str, Any], make_user: Any, agency: Any
) -> None:
    from registry.orgs.models import Agency, Level

    beijing = Agency.objects.get(code="110000")
    assert beijing.level == Level.PROVINCIAL
    outsider = make_user(None)
    assert client_for(outsider).get("/stats/").status_code == 403
    accountant = make_user(Role.ACCOUNTANT, "440106")
    assert client_for(accountant).get("/stats/").status_code == 403
    assert client_for(accountant).get("/stats/query/").status_code == 403


def test_national_admin_sees_the_nation(world: dict[str, Any], make_user: Any) -> None:
    client = client_for(make_user(Role.NATIONAL_ADMIN, "000000"))
    response = client.get("/stats/")
    board = response.context["board"]
    assert board.agency.code == "000000" and board.total == 7
    [guangdong] = board.chart("children").bars
    assert guangdong.value == 7 and "agency=440000" in guangdong.link
    assert page_total(client, guangdong.link) == 7


def test_a_chart_downloads_as_a_workbook(world: dict[str, Any], make_user: Any) -> None:
    client = client_for(make_user(Role.CITY_REVIEWER, "440100"))
    response = client.get("/stats/chart.xlsx", {"chart": "children", "scope": "collected"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    table = {r[0]: r[1] for r in rows[4:] if r and r[0]}
    assert table == {"广州市天河区": 5, "广州市越秀区": 2, "合计": 7}
    assert client.get("/stats/chart.xlsx", {"chart": "nope"}).status_code == 404


def test_the_page_shows_tables_and_chart_data(world: dict[str, Any], make_user: Any) -> None:
    client = client_for(make_user(Role.PROVINCE_REVIEWER, "440000"))
    html = client.get("/stats/", {"year": str(date.today().year)}).content.decode()
    assert "echarts.min.js" in html and 'id="chart-data"' in html
    assert 'id="table-ce"' in html and "继续教育" in html
    assert "下级机构人数" in html


def test_the_page_warns_when_a_bulk_load_was_not_followed_by_a_rebuild(
    make_person: Any, make_user: Any
) -> None:
    from registry.stats.aggregates import stats_rebuild
    from registry.stats.models import PersonFacts

    make_person("440106")
    client = client_for(make_user(Role.PROVINCE_REVIEWER, "440000"))
    assert "registry stats rebuild" not in client.get("/stats/").content.decode()
    PersonFacts.objects.all().delete()  # as after registry seed
    assert "registry stats rebuild" in client.get("/stats/").content.decode()
    stats_rebuild()
    assert client.get("/stats/").context["board"].total == 1
