"""Reading the CSV files agencies upload (batch reports): as spreadsheet programs save them.

UTF-8 (with or without BOM) or GB18030/GBK, columns found by their Chinese header in any order,
blank lines skipped, Excel's text-prefix apostrophe removed. File-level problems raise a
DomainError on the field "file" with codes `<scope>.file_*`; rows are left to the caller.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import DomainError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool
    note: str
    aliases: tuple[str, ...] = ()


def _error(scope: str, code: str, message: str) -> DomainError:
    return DomainError.single(f"{scope}.{code}", "file", message)


def decode(data: bytes, scope: str) -> str:
    if not data.strip():
        raise _error(scope, "file_empty", "文件为空，请下载模板，按模板填写后上传")
    if b"\x00" in data:
        raise _error(scope, "file_not_text", "文件不是 CSV 文本文件：请在 Excel 中“另存为 CSV”后上传")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL.search(text):
            raise _error(scope, "file_not_text", "文件不是 CSV 文本文件：请在 Excel 中“另存为 CSV”后上传")
        return text
    raise _error(scope, "file_encoding", "无法识别文件编码：请保存为“CSV UTF-8”或“CSV”格式")


def read(data: bytes, columns: Sequence[Column], scope: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column key: text}) for each data row; file-level checks raise first."""
    reader = csv.reader(io.StringIO(decode(data, scope), newline=""))
    try:
        header = next(reader, [])
    except csv.Error:
        header = []
    names = [h.strip().lstrip("\ufeff") for h in header]
    where: dict[str, int] = {}
    for col in columns:
        for name in (col.header, *col.aliases):
            if name in names and col.key not in where:
                where[col.key] = names.index(name)
    missing = [c.header for c in columns if c.required and c.key not in where]
    if missing:
        raise _error(
            scope,
            "file_header",
            f"第 1 行应为表头，缺少列：{'、'.join(missing)}。请下载模板，按模板的表头填写",
        )
    return _rows(reader, where, scope)


def _rows(reader: Any, where: dict[str, int], scope: str) -> Iterator[tuple[int, dict[str, str]]]:
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _error(
                scope,
                "file_garbled",
                f"第 {reader.line_num} 行无法按 CSV 读取，请在 Excel 中另存为 CSV 后重新上传",
            ) from exc
        if not any(c.strip() for c in cells):
            continue
        yield (
            reader.line_num,
            {
                key: (cells[i].strip().lstrip("'").strip() if i < len(cells) else "")
                for key, i in where.items()
            },
        )
