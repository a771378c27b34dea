"""Files as people fill them in, for the tests and the benchmark: one synthetic accountant (an
`ops.synthetic.FakePerson`, or anything with its attributes) → a row of the template, and rows →
CSV or xlsx bytes as spreadsheet programs save them. Never real ID numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter

from registry.standard.codes import load_table

from .columns import COLUMNS

_EDUCATION = {e.code: e.name for e in load_table("education")}


@dataclass(frozen=True)
class Formula:
    """A formula cell with the value the spreadsheet program saved beside it."""

    formula: str
    value: str


def row_for(fake: Any, agency_code: str = "") -> dict[str, Any]:
    """The template's columns (by header) for a synthetic person: names for codes, as people type."""
    row: dict[str, Any] = {
        "证件类型": "居民身份证",
        "证件号码": fake.archive_no,
        "姓名": fake.name,
        "民族": "汉族",
        "手机号": fake.mobile,
        "人员类别": {"1": "在职会计人员", "2": "在校学生", "3": "其他"}[fake.category],
        "管理机构代码": agency_code,
    }
    if fake.education:
        e = fake.education[0]
        row.update(
            {
                "培养方式": "全日制" if e["mode"] == "1" else "非全日制",
                "毕业学校": e["school"],
                "学历": _EDUCATION[e["education"]],
                "专业": e.get("major") or "",
                "入学日期": e.get("start_date"),
                "毕业日期": e.get("end_date"),
            }
        )
    if fake.work:
        w = fake.work[0]
        row.update(
            {
                "工作单位": w["unit_name"],
                "统一社会信用代码": w.get("credit_code") or "",
                "单位性质": "企业",
                "所属行业": w.get("industry") or "",
                "单位所在地": w.get("unit_region") or "",
                "参加本单位工作日期": w["start_date"],
                "是否从事会计工作": "是",
                "会计岗位": w.get("post") or "",
            }
        )
    if fake.student:
        s = fake.student
        row.update(
            {
                "学籍学校": s["school"],
                "学籍所在地": s["school_region"],
                "预计毕业日期": s["expected_graduation"],
            }
        )
    return row


def _text(value: Any, date_style: str) -> str:
    if isinstance(value, date):
        if date_style == "slash":
            return f"{value.year}/{value.month}/{value.day}"
        if date_style == "compact":
            return value.strftime("%Y%m%d")
        return value.isoformat()
    return "" if value is None else str(value)


def csv_bytes(
    rows: Iterable[dict[str, Any]],
    *,
    headers: list[str] | None = None,
    encoding: str = "utf-8-sig",
    date_style: str = "iso",
) -> bytes:
    """CSV as Excel saves it: "CSV UTF-8" (utf-8-sig) or "CSV" on Chinese Windows (gb18030), CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    heads = headers or [c.header for c in COLUMNS]
    writer.writerow(heads)
    for row in rows:
        writer.writerow([_text(row.get(h), date_style) for h in heads])
    return out.getvalue().encode(encoding)


def xlsx_bytes(
    rows: Iterable[dict[str, Any]],
    *,
    headers: list[str] | None = None,
    numbers_as_numbers: bool = False,
    title_row: str = "",
    constant_memory: bool = False,
) -> bytes:
    """An xlsx as Excel or WPS saves it: dates as date cells; with `numbers_as_numbers`, digit-only
    cells (ID numbers, mobiles) as numbers, as happens when the column is not set to text."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "constant_memory": constant_memory, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("人员信息")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    heads = headers or [c.header for c in COLUMNS]
    top = 0
    if title_row:
        sheet.write_string(0, 0, title_row)
        top = 2
    for c, h in enumerate(heads):
        sheet.write_string(top, c, h)
    for r, row in enumerate(rows, start=top + 1):
        for c, h in enumerate(heads):
            value = row.get(h)
            if value is None or value == "":
                continue
            if isinstance(value, Formula):
                sheet.write_formula(r, c, value.formula, None, value.value)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, day)  # type: ignore[arg-type]
            elif numbers_as_numbers and isinstance(value, str) and value.isdigit():
                sheet.write_number(r, c, float(value))
            elif isinstance(value, float | int) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return buf.getvalue()
