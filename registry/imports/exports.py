"""Files the import hands out: the template (xlsx or CSV) and the error list of a job.

Cells are always written as text (xlsxwriter `write_string`), so nothing a file contained can
become a formula; in CSV, text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
the start) gets Excel's text prefix "'", which our CSV reader removes again on re-upload.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import xlsxwriter

from registry.standard.codes import load_table

from .cells import to_text
from .columns import CODE, COLUMNS, DATE, NUMBER, Col
from .models import ImportJob
from .reader import open_source
from .storage import load_file

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATA_SHEET, HELP_SHEET, CODES_SHEET = "人员信息", "填写说明", "代码表"
DROPDOWN_MAX = 20  # short code tables get a drop-down list of names in the template
KIND_TEXT = {
    "text": "文本",
    CODE: "代码或名称",
    DATE: "日期",
    "bool": "是/否",
    NUMBER: "文本（数字请按文本填写）",
}


def csv_safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _tables() -> list[str]:
    seen: list[str] = []
    for c in COLUMNS:
        if c.table and c.table not in seen:
            seen.append(c.table)
    return seen


def _rule(col: Col) -> str:
    parts = [col.note] if col.note else []
    if col.table:
        table = load_table(col.table)
        if len(table) <= DROPDOWN_MAX:
            parts.append("可填：" + "；".join(f"{code} {name}" for code, name in table.choices()))
        else:
            parts.append(f"见“{CODES_SHEET}”中的“{table.title}”")
    if col.aliases:
        parts.append("列名也可写作：" + "、".join(col.aliases))
    return "。".join(parts)


def template_xlsx() -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    required = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#C00000"})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    data = book.add_worksheet(DATA_SHEET)
    data.freeze_panes(1, 0)
    ranges = _dropdown_ranges()
    for i, col in enumerate(COLUMNS):
        data.write_string(0, i, col.header, required if col.required else head)
        data.set_column(i, i, col.width, day if col.kind == DATE else text)
        data.write_comment(0, i, _rule(col) or col.header, {"x_scale": 2, "y_scale": 1.5})
        if col.table and col.table in ranges:
            data.data_validation(
                1, i, 20000, i, {"validate": "list", "source": ranges[col.table], "error_type": "information"}
            )
        elif col.kind == "bool":
            data.data_validation(1, i, 20000, i, {"validate": "list", "source": ["是", "否"]})
    _help_sheet(book, head)
    _code_sheet(book, book.add_worksheet(CODES_SHEET))
    book.close()
    return buf.getvalue()


def _dropdown_ranges() -> dict[str, str]:
    """Where `_code_sheet` puts the names of each short table, for the data sheet's drop-downs."""
    ranges: dict[str, str] = {}
    for n, name in enumerate(_tables()):
        size = len(load_table(name).choices())
        if size <= DROPDOWN_MAX:
            letter = xlsxwriter.utility.xl_col_to_name(n * 3 + 1)
            ranges[name] = f"='{CODES_SHEET}'!${letter}$2:${letter}${size + 1}"
    return ranges


def _code_sheet(book: Any, sheet: Any) -> None:
    """All code tables the columns use, side by side: code, name."""
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for n, name in enumerate(_tables()):
        table = load_table(name)
        c = n * 3
        sheet.write_string(0, c, table.title, head)
        sheet.write_string(0, c + 1, table.standard)
        sheet.set_column(c, c, 10)
        sheet.set_column(c + 1, c + 1, 28)
        choices = table.choices()
        for r, (code, label) in enumerate(choices, start=1):
            sheet.write_string(r, c, code)
            sheet.write_string(r, c + 1, label)


def _help_sheet(book: Any, head: Any) -> None:
    sheet = book.add_worksheet(HELP_SHEET)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 12)
    sheet.set_column(3, 3, 90)
    lines = [
        "每行一人：身份信息、采集信息、最高学历一条、现工作单位一条；在校学生另填学籍信息。",
        "第一行为表头，按列名识别，列的顺序不限；红色列名的列必须有，其他列可以没有。",
        "已登记的人员再次导入时，空白单元格保留系统中的原有信息；学历按“培养方式+学历+学校”、"
        "工作按“单位名称+起始日期”对应，对应不上的作为新的一条加入。",
        "证件号码、手机号等号码列请设为“文本”格式：18 位号码存成数字会丢失末尾数字。",
        "日期写作 2024-01-05（也可 2024/1/5、20240105），或使用日期格式的单元格。",
        "代码列可填代码或名称，如 性别填 1 或 男、民族填 01 或 汉族；完整代码见“代码表”。",
        "请先“上传并检查”，核对检查结果后再“确认导入”。",
    ]
    row = 0
    for line in lines:
        sheet.write_string(row, 0, line)
        row += 1
    row += 1
    for c, title in enumerate(("列名", "必有列", "填写方式", "说明")):
        sheet.write_string(row, c, title, head)
    for col in COLUMNS:
        row += 1
        sheet.write_string(row, 0, col.header, wrap)
        sheet.write_string(row, 1, "是" if col.required else "", wrap)
        sheet.write_string(row, 2, KIND_TEXT.get(col.kind, "文本"), wrap)
        sheet.write_string(row, 3, _rule(col), wrap)


def template_csv() -> bytes:
    # UTF-8 with a byte-order mark: Excel on Windows then opens the Chinese header correctly.
    return ("\ufeff" + ",".join(c.header for c in COLUMNS) + "\r\n").encode("utf-8")


# -- the error list -------------------------------------------------------------------------------


ROW_HEADER, REASON_HEADER = "原行号", "错误原因"


def _reason(issues: Iterable[dict[str, str]]) -> str:
    return "；".join(f"{i['column']}：{i['message']}" for i in issues)


def error_rows(job: ImportJob, rejected: dict[int, list[dict[str, str]]]) -> Iterable[list[str]]:
    """[原行号, 错误原因, cells in template order…] of each rejected row, re-read from the upload."""
    source = open_source(load_file(job), job.file_format)
    for row_no, cells in source.rows:
        issues = rejected.get(row_no)
        if issues is not None:
            yield [str(row_no), _reason(issues), *(to_text(cells.get(c.key)) for c in COLUMNS)]


def error_file(job: ImportJob, rejected: dict[int, list[dict[str, str]]], fmt: str) -> bytes:
    headers = [ROW_HEADER, REASON_HEADER, *(c.header for c in COLUMNS)]
    rows = error_rows(job, rejected)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([csv_safe(v) for v in row])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "constant_memory": True, "strings_to_formulas": False}
    )
    sheet = book.add_worksheet("未导入的行")
    head = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    text = book.add_format({"num_format": "@"})
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 60)
    for i, col in enumerate(COLUMNS, start=2):
        sheet.set_column(i, i, col.width, text)
    for c, header in enumerate(headers):
        sheet.write_string(0, c, header, head)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)
    book.close()
    return buf.getvalue()
