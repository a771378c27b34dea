"""Reading an uploaded file as rows of cells: xlsx/xls/ods through python-calamine, CSV through
`registry.core.csvfile` (UTF-8 with or without BOM, GB18030).

File-level problems raise a DomainError on the field "file" (`imports.file_*`): wrong type,
too large, no header, too many rows. Row values are left as the file holds them (str, float,
date, bool …); `cells.convert` reads them.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from python_calamine import CalamineWorkbook

from registry.core import csvfile
from registry.core.errors import DomainError

from .cells import half_width, to_text
from .columns import COLUMNS

FORMATS = ("xlsx", "xls", "ods", "csv")
MIB = 1024 * 1024
HEADER_SEARCH_ROWS = 10  # a title line or two above the header is common in bureau spreadsheets
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def max_bytes() -> int:
    return int(getattr(settings, "REGISTRY_IMPORT_MAX_BYTES", 60 * MIB))


def max_rows() -> int:
    return int(getattr(settings, "REGISTRY_IMPORT_MAX_ROWS", 200_000))


def file_error(code: str, message: str) -> DomainError:
    return DomainError.single(f"imports.{code}", "file", message)


def detect_format(name: str, data: bytes) -> str:
    """The format by the name's extension, checked against the leading bytes."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in FORMATS:
        raise file_error(
            "file_type", "请上传 Excel 文件（.xlsx、.xls）、WPS/LibreOffice 表格（.ods）或 CSV 文件（.csv）"
        )
    if not data.strip():
        raise file_error("file_empty", "文件为空，请下载模板，按模板填写后上传")
    if len(data) > max_bytes():
        raise file_error("file_too_large", f"文件超过 {max_bytes() // MIB} MB，请分成几个文件导入")
    zipped, ole = data.startswith(ZIP_MAGIC), data.startswith(OLE_MAGIC)
    if (ext in ("xlsx", "ods") and not zipped) or (ext == "xls" and not ole):
        hint = "文件内容与扩展名不符：请在表格软件中“另存为”所选格式后上传"
        if ext != "xls" and ole:
            hint = "这是旧版 Excel 97-2003 文件，请将扩展名改为 .xls 或另存为 .xlsx 后上传"
        raise file_error("file_mismatch", hint)
    if ext == "csv" and (zipped or ole):
        raise file_error(
            "file_mismatch", "这是 Excel 文件而不是 CSV：请把扩展名改为 .xlsx 或 .xls，或另存为 CSV"
        )
    if zipped:
        _check_zip(data)
    return ext


def _check_zip(data: bytes) -> None:
    """An xlsx/ods is a zip: refuse one that would unpack to far more than any real sheet (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        raise file_error("file_garbled", "文件已损坏，无法打开：请在表格软件中重新保存后上传") from None
    if unpacked > 20 * max_bytes():
        raise file_error("file_too_large", "文件解压后过大，请分成几个文件导入")


@dataclass
class Source:
    """The data rows of a file: (row number as the spreadsheet shows it, {column key: cell})."""

    rows: Iterator[tuple[int, dict[str, Any]]]
    estimate: int  # rows expected, for the progress bar before the count is known
    sheet: str = ""
    ignored_columns: list[str] = field(default_factory=list)


def _norm_header(text: Any) -> str:
    return half_width(to_text(text)).replace("*", "").replace(" ", "")


_HEADERS = {_norm_header(name): c.key for c in COLUMNS for name in (c.header, *c.aliases)}


def _header_map(cells: list[Any]) -> tuple[dict[str, int], list[str]]:
    where: dict[str, int] = {}
    ignored: list[str] = []
    for i, cell in enumerate(cells):
        name = _norm_header(cell)
        key = _HEADERS.get(name)
        if key is not None and key not in where:
            where[key] = i
        elif name:
            ignored.append(to_text(cell))
    return where, ignored


def _missing(where: dict[str, int]) -> list[str]:
    return [c.header for c in COLUMNS if c.required and c.key not in where]


def _header_error(missing: list[str]) -> DomainError:
    return file_error(
        "file_header",
        f"找不到表头，或表头缺少列：{'、'.join(missing)}。请下载模板，按模板的表头填写（第一行为表头）",
    )


def open_source(data: bytes, fmt: str) -> Source:
    if fmt == "csv":
        return _csv_source(data)
    return _sheet_source(data)


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, without a second copy of the whole text (io.StringIO
    keeps one four bytes a character: 50 MB more for a 100,000-row file)."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def _csv_cell(cell: str) -> str:
    # Excel's text prefix (a leading apostrophe) is not part of the value, as in core.csvfile.
    return cell.strip().lstrip("'").strip()


def _csv_source(data: bytes) -> Source:
    """Decoded by core.csvfile (UTF-8 with or without BOM, GB18030), read line by line."""
    text = csvfile.decode(data, "imports")
    reader = csv.reader(_lines(text))
    garbled = partial(_garbled, reader)
    try:
        head = _find_header(_csv_records(reader, garbled))
    except _NoHeader as exc:
        raise _header_error(exc.missing) from None
    where, ignored, _ = head
    rows = _csv_rows(reader, where, garbled)
    return Source(rows=_limited(rows), estimate=max(0, text.count("\n") - 1), ignored_columns=ignored)


def _csv_rows(reader: Any, where: dict[str, int], garbled: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    for cells in _csv_records(reader, garbled):
        values = {key: _csv_cell(cells[i]) if i < len(cells) else "" for key, i in where.items()}
        if any(values.values()):
            yield reader.line_num, values


def _garbled(reader: Any) -> DomainError:
    message = f"第 {reader.line_num} 行无法按 CSV 读取，请在表格软件中另存为 CSV 后重新上传"
    return file_error("file_garbled", message)


def _csv_records(reader: Iterator[list[str]], garbled: Any) -> Iterator[list[str]]:
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise garbled() from exc
        yield cells


class _NoHeader(Exception):
    def __init__(self, missing: list[str]):
        self.missing = missing


def _find_header(records: Iterator[list[Any]]) -> tuple[dict[str, int], list[str], int]:
    """The header among the first rows (a title line or two may stand above it): column key →
    index, the ignored headers, and the header's row index."""
    best: list[str] | None = None
    for i, cells in enumerate(records):
        if i >= HEADER_SEARCH_ROWS:
            break
        if not any(to_text(c) for c in cells):
            continue
        where, ignored = _header_map([c.lstrip("\ufeff") if isinstance(c, str) else c for c in cells])
        missing = _missing(where)
        if not missing:
            return where, ignored, i
        if best is None and len(where) > len(missing):
            best = missing
    raise _NoHeader(best or [c.header for c in COLUMNS if c.required])


def _sheet_source(data: bytes) -> Source:
    garbled = "文件无法打开，可能已损坏或设置了密码：请在表格软件中重新保存后上传"
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # CalamineError, PasswordError, ZipError, XmlError … all mean the same here
        raise file_error("file_garbled", garbled) from exc
    first_missing: list[str] | None = None
    for index, meta in enumerate(book.sheets_metadata):
        if str(meta.typ).endswith("ChartSheet"):
            continue
        try:
            sheet = book.get_sheet_by_index(index)
        except Exception as exc:
            raise file_error("file_garbled", garbled) from exc
        rows = sheet.iter_rows()
        try:
            where, ignored, at = _find_header(rows)
        except _NoHeader as exc:
            first_missing = first_missing or exc.missing
            continue
        return Source(
            rows=_limited(_sheet_rows(rows, where, at + 1)),
            estimate=max(0, sheet.height - 1),
            sheet=meta.name,
            ignored_columns=ignored,
        )
    raise _header_error(first_missing or [c.header for c in COLUMNS if c.required])


def _sheet_rows(
    rows: Iterator[list[Any]], where: dict[str, int], header_row: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    for offset, cells in enumerate(rows, start=1):
        values = {key: (cells[i] if i < len(cells) else "") for key, i in where.items()}
        if any(to_text(v) for v in values.values()):
            yield header_row + offset, values


def _limited(rows: Iterator[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
    limit = max_rows()
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise file_error(
                "file_too_many_rows", f"文件超过 {limit:,} 行数据，请分成几个文件，每个不超过 {limit:,} 行"
            )
        yield row
