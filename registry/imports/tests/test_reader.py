"""Files as Excel, WPS and LibreOffice save them, and files the import must refuse as a whole."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from registry.core.errors import DomainError
from registry.imports.columns import COLUMNS
from registry.imports.reader import detect_format, open_source
from registry.imports.testing import csv_bytes, xlsx_bytes

DATA = Path(__file__).parent / "data"
ROW = {"证件号码": "11010519491231002X", "姓名": "张三", "人员类别": "在职会计人员"}


def refused(name: str, data: bytes) -> str:
    with pytest.raises(DomainError) as exc:
        list(open_source(data, detect_format(name, data)).rows)
    assert exc.value.errors[0].field == "file"
    return exc.value.errors[0].code


def read(name: str, data: bytes) -> list[tuple[int, dict[str, Any]]]:
    return list(open_source(data, detect_format(name, data)).rows)


@pytest.mark.parametrize(
    "encoding", ["utf-8-sig", "utf-8", "gb18030", "gbk"], ids=["UTF-8 BOM", "UTF-8", "GB18030", "GBK"]
)
def test_csv_in_every_encoding_spreadsheets_save(encoding: str) -> None:
    rows = read("a.csv", csv_bytes([ROW], encoding=encoding))
    assert rows == [
        (
            2,
            {
                **{c.key: "" for c in COLUMNS},
                "archive_no": ROW["证件号码"],
                "name": "张三",
                "category": "在职会计人员",
            },
        )
    ]


def test_csv_with_a_gb18030_byte_order_mark() -> None:
    data = ("\ufeff".encode("gb18030")) + csv_bytes([ROW], encoding="gb18030")
    assert read("a.csv", data)[0][1]["name"] == "张三"


def test_headers_by_name_in_any_order_with_aliases_and_unknown_columns_noted() -> None:
    data = "备注,姓名,身份证号,人员类别\r\n老同志,张三,11010519491231002X,1\r\n".encode()
    source = open_source(data, "csv")
    assert next(source.rows)[1]["archive_no"] == "11010519491231002X"
    assert source.ignored_columns == ["备注"]


def test_wrong_headers_are_refused_with_the_missing_columns_named() -> None:
    data = "证件号码,姓名,级别\r\n11010519491231002X,张三,中级\r\n".encode()
    with pytest.raises(DomainError) as exc:
        open_source(data, "csv")
    assert exc.value.errors[0].code == "imports.file_header"
    assert "人员类别" in exc.value.errors[0].message
    sheet = xlsx_bytes([{"a": 1}], headers=["a", "b"])
    assert refused("a.xlsx", sheet) == "imports.file_header"


def test_blank_rows_are_skipped_and_row_numbers_are_the_spreadsheets() -> None:
    data = xlsx_bytes([ROW, {}, {"姓名": "  "}, ROW], title_row="附件：会计人员信息导入表")
    # Title on row 1, blank row 2, header row 3, data rows 4 and 7.
    assert [n for n, _ in read("a.xlsx", data)] == [4, 7]
    text = csv_bytes([ROW, {}, ROW]) + b",,,,\r\n\r\n"
    assert [n for n, _ in read("a.csv", text)] == [2, 4]


def test_file_types_are_told_by_their_bytes_too() -> None:
    sheet = xlsx_bytes([ROW])
    assert refused("a.txt", b"x") == "imports.file_type"
    assert refused("a.csv", b"  \r\n") == "imports.file_empty"
    assert refused("a.csv", sheet) == "imports.file_mismatch"
    assert refused("a.xlsx", csv_bytes([ROW])) == "imports.file_mismatch"
    assert refused("a.xlsx", b"PK\x03\x04 not really a zip") == "imports.file_garbled"
    assert refused("a.csv", b"\x00\x01\x02binary") == "imports.file_not_text"


def test_size_and_row_limits(settings: Any) -> None:
    settings.REGISTRY_IMPORT_MAX_ROWS = 3
    assert refused("a.csv", csv_bytes([ROW] * 4)) == "imports.file_too_many_rows"
    assert len(read("a.csv", csv_bytes([ROW] * 3))) == 3
    settings.REGISTRY_IMPORT_MAX_BYTES = 1000
    assert refused("a.csv", csv_bytes([ROW] * 20)) == "imports.file_too_large"


def test_a_zip_that_unpacks_to_far_more_than_a_sheet_is_refused(settings: Any) -> None:
    settings.REGISTRY_IMPORT_MAX_BYTES = 20_000
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", "<row/>" * 200_000)  # 1.2 MB from a few KB
    assert len(buf.getvalue()) < 20_000
    assert refused("bomb.xlsx", buf.getvalue()) == "imports.file_too_large"


@pytest.mark.parametrize(
    "name", ["libreoffice.ods", "libreoffice.xlsx", "libreoffice.xls", "libreoffice.csv"]
)
def test_files_saved_by_libreoffice(name: str) -> None:
    """Saved by LibreOffice Calc 7.4 (see data/README.md): a blank row, date cells and text dates,
    a formula, an ID number stored as a number, and a stray space far below the data."""
    rows = read(name, (DATA / name).read_bytes())
    assert [n for n, _ in rows] == [2, 3, 5, 6, 7]
    first = rows[0][1]
    assert first["archive_no"] == "440104199504217806"
    assert first["name"] == "吴枝"


def test_a_csv_that_cannot_be_parsed_names_its_line() -> None:
    data = csv_bytes([ROW]) + ('"' + "x" * 200_000 + '",张三\r\n').encode()
    with pytest.raises(DomainError) as exc:
        read("a.csv", data)
    assert exc.value.errors[0].code == "imports.file_garbled" and "第 3 行" in exc.value.errors[0].message
