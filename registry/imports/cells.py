"""One cell as spreadsheet programs save it → the text or date the standard expects.

A cell comes from calamine (str, int, float, bool, date, datetime, time) or from a CSV file
(str). Problems come back as (code, message) and are reported against the cell's column; a
formula is never evaluated (calamine hands over the cached value; CSV text starting with "="
is refused rather than guessed at).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

from .columns import BOOL, CODE, DATE, NUMBER, Col, code_lookup, code_width

DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")
SCIENTIFIC = re.compile(r"^[+-]?\d(\.\d+)?[eE][+-]\d{1,3}$")  # 4.40106E+17 (Excel), 4.4E+017 (Calc)
TRUE = {"是", "1", "Y", "YES", "TRUE", "T", "√"}
FALSE = {"否", "0", "N", "NO", "FALSE", "F", "×"}
# Integers are exact in a double only up to 2**53 (16 digits); Excel keeps 15 significant digits.
EXACT_DIGITS = 15


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# Zero-width marks and no-break spaces come with text pasted from web pages and Word.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
ODD_SPACE = re.compile("[\u00a0\u3000]")


def _clean_text(value: str) -> str:
    text = value.strip()
    if text.isascii():
        return text
    if INVISIBLE.search(text):
        text = INVISIBLE.sub("", text)
    if ODD_SPACE.search(text):
        text = ODD_SPACE.sub(" ", text).strip()
    return text


def _number_text(value: float | int) -> str:
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def to_text(value: Any) -> str:
    """Any cell as trimmed text ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time | timedelta):
        return str(value)
    return _clean_text(str(value))


def half_width(text: str) -> str:
    """Full-width letters, digits and punctuation (as Chinese input methods type them) to ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = _number_text(value)
        if len(text) != 8:
            raise CellError(
                "imports.date_number", "日期被保存为数字，请写作 2024-01-05，或将单元格设为日期格式"
            )
    elif type(value) is str and value.isascii():
        text = value.strip()  # what to_text and half_width make of ASCII text
    else:
        text = half_width(to_text(value))
    m = DATE_TEXT.match(text)
    if m is None:
        raise CellError("imports.date_format", "日期格式应为 2024-01-05（也可 2024/1/5、20240105）")
    y, mo, d = map(int, m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6))
    try:
        return date(y, mo, d)
    except ValueError:
        raise CellError("imports.date_invalid", f"{text} 不是有效日期") from None


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = half_width(to_text(value)).upper()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError("imports.bool", "应填“是”或“否”")


def parse_code(col: Col, value: Any) -> str:
    lookup = code_lookup(col.table)
    if type(value) is str and (exact := lookup.get(value)) is not None:
        return exact
    text = half_width(to_text(value))
    found = lookup.get(text) or lookup.get(text.upper())
    width = code_width(col.table)
    if found is None and width and text.isdigit() and len(text) < width:
        found = lookup.get(text.zfill(width))
    if found is None:
        raise CellError("imports.unknown_code", f"“{text}”不是“{col.header}”的代码或名称，请对照“代码表”填写")
    return found


def parse_number_text(col: Col, value: Any) -> str:
    """Numbers that are really text (ID numbers, mobiles, certificate numbers)."""
    if isinstance(value, float) and not value.is_integer():
        raise CellError("imports.number_cell", f"{col.header}被保存为数字，请将该列设为“文本”格式后重新填写")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if len(str(abs(int(value)))) > EXACT_DIGITS:
            raise CellError(
                "imports.number_precision",
                f"{col.header}被保存为数字，超过 15 位的号码已丢失末尾数字："
                "请将该列设为“文本”格式后重新录入号码",
            )
        return _number_text(value)
    text = value.strip() if type(value) is str and value.isascii() else to_text(value)
    if SCIENTIFIC.match(text if text.isascii() else half_width(text)):
        raise CellError(
            "imports.number_precision",
            f"{col.header}被存成了科学计数法（如 4.40106E+17），号码已丢失：请将该列设为“文本”格式后重新录入",
        )
    return text


def convert(col: Col, value: Any) -> str | date | bool | None:
    """The cell's value for the standard, None when empty; CellError when it cannot be read."""
    if value is None:
        return None
    if type(value) is str:
        value = _clean_text(value)
        if not value:
            return None
    if isinstance(value, str) and value.startswith("="):
        raise CellError(
            "imports.formula",
            "单元格是公式文本（以“=”开头），系统不计算公式：请在表格软件中将其改为数值后再保存",
        )
    if col.kind == DATE:
        return parse_date(value)
    if col.kind == BOOL:
        return parse_bool(value)
    if col.kind == CODE:
        return parse_code(col, value)
    if col.kind == NUMBER:
        return parse_number_text(col, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A name or a school is never a number; an old .xls string formula whose result was not
        # saved reads as 0.
        raise CellError(
            "imports.number_in_text", f"{col.header}应为文字，单元格中是数字（如为公式，请先转为数值）"
        )
    return value if type(value) is str else to_text(value)
