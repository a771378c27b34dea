"""Code tables: every table loads with its provenance; known codes; the division tree."""

from __future__ import annotations

import ast
import json
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from registry.standard.codes import TABLES, CodeTable, DivisionTable, divisions, load_table

CODES_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def div() -> DivisionTable:
    return divisions()


# -- every table ------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_every_table_loads_with_provenance(name: str) -> None:
    table = load_table(name)
    assert isinstance(table, CodeTable)
    assert table.name == name
    assert table.title and table.standard and table.version and table.source
    assert isinstance(table.date, date)
    assert len(table) > 0
    assert table.choices(), "a table needs at least one current code"
    for code, entry in table.entries.items():
        assert entry.code == code and entry.name.strip() == entry.name != ""
        if entry.parent is not None:
            assert entry.parent in table.entries


def test_every_data_file_is_a_listed_table() -> None:
    files = {p.name.removesuffix(".json") for p in (CODES_DIR / "data").glob("*.json")}
    assert files == set(TABLES)


def test_data_files_are_read_as_package_resources() -> None:
    text = resources.files("registry.standard.codes").joinpath("data", "sex.json").read_text("utf-8")
    assert json.loads(text)["standard"] == "GB/T 2261.1-2003"


def test_unknown_table_raises_key_error() -> None:
    with pytest.raises(KeyError):
        load_table("no_such_table")


def test_tables_are_cached() -> None:
    assert load_table("sex") is load_table("sex")
    assert divisions() is divisions()


def test_no_django_import_in_the_package() -> None:
    for path in CODES_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] in {"django", "ninja"} for n in names), path


# -- contains / label / choices ---------------------------------------------------


def test_sex() -> None:
    sex = load_table("sex")
    assert sex.choices() == [("0", "未知的性别"), ("1", "男"), ("2", "女"), ("9", "未说明的性别")]
    assert sex.contains("1") and not sex.contains("3")
    assert "2" in sex and "3" not in sex and 1 not in sex
    assert sex["1"].extra["standard_name"] == "男性"


def test_label_of_unknown_code_raises() -> None:
    with pytest.raises(KeyError):
        load_table("sex").label("7")
    assert load_table("sex").get("7") is None


def test_ethnicity_order() -> None:
    eth = load_table("ethnicity")
    assert len(eth) == 58
    first_ten = ["汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族"]
    assert [eth.label(f"{i:02d}") for i in range(1, 11)] == first_ten
    for code, name in {
        "11": "满族",
        "46": "德昂族",
        "56": "基诺族",
        "97": "其他",
        "98": "外国血统中国籍人士",
    }.items():
        assert eth.label(code) == name
    assert [c for c, _ in eth.choices()][:56] == [f"{i:02d}" for i in range(1, 57)]
    assert eth["01"].extra["alpha"] == "HA"


def test_political_status() -> None:
    pol = load_table("political_status")
    assert [c for c, _ in pol.choices()] == [f"{i:02d}" for i in range(1, 14)]
    assert pol.label("01") == "中共党员" and pol.label("13") == "群众"
    assert pol["01"].extra["standard_name"] == "中国共产党党员"


def test_education_ranks_derive_the_highest() -> None:
    edu = load_table("education")
    for code in ("10", "11", "12", "13", "14", "20", "21", "28", "30", "31", "41", "61", "71", "81", "90"):
        assert edu.contains(code)
    assert edu["11"].parent == "10" and edu["10"].parent is None
    rank = {c: e.rank if e.rank is not None else -1 for c, e in edu.entries.items()}
    assert all(r > 0 for r in rank.values())
    order = ["11", "12", "13", "14", "17", "10", "21", "28", "20", "31", "30"]
    order += ["41", "40", "61", "71", "81", "90"]
    assert sorted(order, key=rank.__getitem__) == order


def test_degree() -> None:
    deg = load_table("degree")
    assert deg.label("2") == "博士" and deg.label("201") == "哲学博士学位"
    assert deg.label("302") == "经济学硕士学位" and deg.label("412") == "管理学学士学位"
    assert deg.label("346") == "工商管理硕士专业学位"
    assert deg["312"].parent == "3"
    ranks = [deg[c].rank for c in ("201", "1", "312", "412")]
    assert ranks == sorted(r for r in ranks if r is not None) and len(set(ranks)) == 4
    assert deg.note


def test_country_from_iso_3166() -> None:
    country = load_table("country")
    assert len(country) >= 249
    assert country.label("CHN") == "中国"
    assert country.label("HKG") == "中国香港" and country.label("TWN") == "中国台湾"
    assert country.label("USA") == "美国" and country.label("KOR") == "韩国"
    assert country["DEU"].extra["alpha_2"] == "DE" and country["DEU"].extra["numeric"] == "276"
    assert "ISO 3166-1" in country.standard


def test_industry_sections_a_to_t() -> None:
    ind = load_table("industry")
    assert [c for c, _ in ind.choices()] == [chr(c) for c in range(ord("A"), ord("T") + 1)]
    assert len(ind) == 20
    assert ind.label("J") == "金融业" and ind.label("T") == "国际组织"
    assert ind.standard == "GB/T 4754-2017"


def test_project_tables() -> None:
    categories = [("1", "在职会计人员"), ("2", "在校学生"), ("3", "其他")]
    assert load_table("person_category").choices() == categories
    assert load_table("training_mode").choices() == [("1", "全日制"), ("2", "非全日制")]
    ql = load_table("qualification_level")
    assert [ql[c].extra["title"] for c in "1234"] == ["助理会计师", "会计师", "高级会计师", "正高级会计师"]
    assert [n for _, n in load_table("qualification_route").choices()] == ["考试", "评审", "考评结合", "认定"]
    posts = {n for _, n in load_table("accounting_post").choices()}
    assert {"出纳", "稽核", "会计机构负责人（会计主管人员）", "总会计师"} <= posts
    assert load_table("unit_nature").label("1") == "企业"
    assert load_table("document_type").label("hmt_residence_permit") == "港澳台居民居住证"
    assert load_table("person_status").label("transferred_out") == "已调出"


# -- divisions ----------------------------------------------------------------------


def test_division_has_all_34_province_level_entries(div: DivisionTable) -> None:
    codes = {e.code for e in div.provinces()}
    prefixes = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
    assert len(prefixes.split()) == 31
    assert codes == {p + "0000" for p in [*prefixes.split(), "71", "81", "82"]}
    assert div.name("810000") == "香港特别行政区" and div.name("710000") == "台湾省"


def test_division_size_and_levels(div: DivisionTable) -> None:
    current = [e for e in div if not e.retired]
    assert 3000 <= len(current) <= 3600
    levels = {e.level for e in div}
    assert levels == {"province", "city", "county"}
    assert all(len(e.code) == 6 and e.code.isdigit() for e in div)
    assert div.table.meta["sources"][-1]["version"] == "2.7.0"
    assert div.date == date(2023, 6, 30)


def test_every_parent_exists_and_levels_nest(div: DivisionTable) -> None:
    for e in div:
        if e.level == "province":
            assert e.parent is None
            continue
        assert e.parent is not None
        parent = div[e.parent]
        if e.level == "city":
            assert parent.level == "province"
        else:
            assert parent.level in {"province", "city"} and not parent.grouping
        assert e.code[:2] == e.parent[:2]


def test_tianhe_under_guangzhou_under_guangdong(div: DivisionTable) -> None:
    assert div.name("440106") == "天河区"
    assert div["440106"].parent == "440100"
    assert div["440100"].parent == "440000"
    assert div.city_of("440106") == "440100" and div.province_of("440106") == "440000"
    assert div.full_name("440106") == "广东省 广州市 天河区"
    assert div.full_name("440106", sep="") == "广东省广州市天河区"
    assert [e.code for e in div.ancestors("440106")] == ["440000", "440100", "440106"]
    assert "440106" in {e.code for e in div.children("440100")}


def test_municipality_districts_hang_under_the_province(div: DivisionTable) -> None:
    assert div["110101"].parent == "110000"
    assert div.full_name("110101") == "北京市 东城区"
    assert div.city_of("110101") is None and div.province_of("110101") == "110000"
    assert div["110100"].grouping and div.city_of("110100") is None
    kids = div.children("110000")
    assert kids and all(k.level == "county" for k in kids)
    assert "500229" in {e.code for e in div.children("500200")}  # 重庆 县 groups 城口县


def test_province_administered_counties(div: DivisionTable) -> None:
    assert div["429004"].parent == "420000"
    assert div.full_name("429004") == "湖北省 仙桃市"
    assert div["429000"].grouping


def test_separate_plan_cities_are_ordinary_cities(div: DivisionTable) -> None:
    for code in ("210200", "370200", "330200", "350200", "440300"):
        entry = div[code]
        assert entry.level == "city" and entry.parent == code[:2] + "0000" and not entry.retired
        assert div.children(code)


def test_cities_without_counties(div: DivisionTable) -> None:
    assert div["441900"].level == "city" and div.name("441900") == "东莞市"
    assert div.children("441900") == ()


def test_retired_code_is_readable_and_marked(div: DivisionTable) -> None:
    # 密云县 became 密云区 (110118) in 2015.
    assert div.is_known("110228") and div.is_retired("110228")
    assert not div.contains("110228") and div.contains("110228", allow_retired=True)
    assert div.label("110228") == "密云县"
    assert div.full_name("110228") == "北京市 密云县"
    assert "110118" in (div["110228"].retired_note or "")
    assert "110228" not in dict(div.choices())
    assert "110228" in dict(div.choices(include_retired=True))
    assert "110228" not in {e.code for e in div.children("110000")}
    assert "110228" in {e.code for e in div.children("110000", include_retired=True)}
    # 莱芜市 merged into 济南 in 2019: a retired city keeps its retired counties.
    assert div.is_retired("371200") and div.name("371200") == "莱芜市"
    assert div.full_name("371202") == "山东省 莱芜市 莱城区"


def test_unknown_codes(div: DivisionTable) -> None:
    assert not div.is_known("999999") and not div.is_retired("999999")
    assert div.city_of("999999") is None and div.province_of("999999") is None
    # An area code that is not in the table still maps to its province (old ID numbers).
    assert not div.is_known("440199") and div.province_of("440199") == "440000"
    assert div.province_of("830000") is None  # 台湾居民居住证 area code: not a division
    with pytest.raises(KeyError):
        div.full_name("999999")
    with pytest.raises(KeyError):
        div.children("999999")


def test_zones_are_flagged(div: DivisionTable) -> None:
    zones = [e for e in div if e.zone]
    assert zones and all("71" <= e.code[4:] <= "80" and e.level == "county" for e in zones)
    assert not div["440106"].zone
