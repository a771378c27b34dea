"""Cells as spreadsheet programs hand them over: dates, codes, numbers that are text, formulas."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from registry.imports.cells import CellError, convert
from registry.imports.columns import BY_KEY


def value(key: str, raw: Any) -> Any:
    return convert(BY_KEY[key], raw)


def code_of(key: str, raw: Any) -> str:
    with pytest.raises(CellError) as exc:
        convert(BY_KEY[key], raw)
    return exc.value.code


@pytest.mark.parametrize(
    "raw",
    [
        date(2024, 1, 5),
        datetime(2024, 1, 5, 0, 0),
        "2024-01-05",
        "2024/1/5",
        "20240105",
        "2024.1.5",
        "2024年1月5日",
        " 2024-1-5 ",
        "２０２４－０１－０５",  # typed with a Chinese input method
        20240105.0,  # a date typed as a number
    ],
)
def test_dates_as_people_type_them(raw: Any) -> None:
    assert value("birth_date", raw) == date(2024, 1, 5)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("2024-13-01", "imports.date_invalid"),
        ("5/1/2024", "imports.date_format"),
        (45296.0, "imports.date_number"),
    ],
)
def test_dates_that_cannot_be_read(raw: Any, code: str) -> None:
    assert code_of("birth_date", raw) == code


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("sex", "男", "1"),
        ("sex", "1", "1"),
        ("sex", 2.0, "2"),
        ("ethnicity", 1.0, "01"),  # 01 saved as a number
        ("ethnicity", "汉", "01"),
        ("ethnicity", "汉族", "01"),
        ("ethnicity", "０１", "01"),
        ("edu_education", "本科", "21"),
        ("edu_education", "大学本科毕业", "21"),
        ("political_status", "中国共产党党员", "01"),
        ("work_nature", "民办非企业单位(社会服务机构)", "5"),
        ("work_industry", "c", "C"),
        ("work_industry", "制造业", "C"),
        ("nationality", "中国", "CHN"),
        ("nationality", "usa", "USA"),
        ("document_type", "身份证", "resident_id"),
        ("category", "在职会计人员", "1"),
        ("work_region", 440106.0, "440106"),
    ],
)
def test_codes_by_code_or_name(key: str, raw: Any, expected: str) -> None:
    assert value(key, raw) == expected


def test_unknown_codes_and_division_names_are_refused() -> None:
    assert code_of("sex", "男的") == "imports.unknown_code"
    # District names repeat across cities: only codes identify a place.
    assert code_of("residence_region", "天河区") == "imports.unknown_code"


def test_an_id_number_saved_as_a_number_has_lost_digits() -> None:
    assert code_of("archive_no", 4.40106199001011e17) == "imports.number_precision"
    assert code_of("archive_no", "4.40106E+17") == "imports.number_precision"  # Excel's CSV of it
    assert code_of("archive_no", "4.40106199603112E+017") == "imports.number_precision"  # LibreOffice's
    # Up to 15 digits a double is exact: an old 15-digit number or a mobile survives.
    assert value("archive_no", 440106900101123.0) == "440106900101123"
    assert value("mobile", 13800138000.0) == "13800138000"
    assert code_of("mobile", 1.5) == "imports.number_cell"


def test_formula_text_is_never_evaluated() -> None:
    assert code_of("name", "=1+1") == "imports.formula"
    assert code_of("address", ' =HYPERLINK("http://x","点击")') == "imports.formula"
    # A formula cell of an xlsx arrives as its saved value; an old .xls string result as 0.
    assert code_of("name", 0.0) == "imports.number_in_text"


def test_text_is_trimmed_of_what_pasting_brings() -> None:
    assert value("name", "  张三\u3000") == "张三"
    assert value("name", "\u200b李四\ufeff") == "李四"
    assert value("address", "广州市\xa0天河区") == "广州市 天河区"
    assert value("name", "   ") is None
    assert value("name", None) is None


@pytest.mark.parametrize(
    ("raw", "expected"), [("是", True), ("否", False), ("Y", True), (0.0, False), (True, True)]
)
def test_yes_no(raw: Any, expected: bool) -> None:
    assert value("work_is_accounting", raw) is expected


def test_yes_no_refuses_anything_else() -> None:
    assert code_of("work_is_accounting", "也许") == "imports.bool"
