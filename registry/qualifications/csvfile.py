"""The agency's CSV upload of verified 专业技术资格: the file format and its import.

File format (专业技术资格批量登记文件)
======================================

- A CSV text file (comma-separated, as Excel saves it: "CSV UTF-8" or plain "CSV", which is
  GB18030/GBK on Chinese Windows; both are read), named ``*.csv``. At most 2 MB and
  `batch.MAX_ROWS` data rows.
- The first line is the header. Columns are found by their header names, so their order is
  free; unknown columns are ignored. Required and optional columns are listed in `COLUMNS`
  (the upload page prints the same table and offers a template).
- One line per qualification of one person: 证件号码, 姓名 (must match the registered name),
  级别 (code ``1``–``4`` or 初级/中级/副高级/正高级, or the title such as 会计师), 资格名称 (may be
  left empty: it follows from 级别), 取得方式 (code ``1``–``4`` or 考试/评审/考评结合/认定),
  取得日期, 证书编号或批文号, and optionally 发证机关, 聘任职务, 聘任日期, 证件类型, 国籍.
- 日期 as ``2018-09-01`` (also ``2018/9/1``, ``2018.9.1``, ``20180901``, ``2018年9月1日``).
- 证件号码 must be stored as text in Excel (a leading apostrophe is removed).

Rules: those of `batch.qualification_batch_add` — all or nothing. One bad row and nothing is
written; every row's errors are reported with the file's line number (the header is line 1), the
column and the reason. People not registered and people outside the uploader's agencies get the
same message. A certificate already on file is refused, so uploading the same file twice enters
nothing the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile

from registry.core import csvfile
from registry.core.csvfile import Column
from registry.core.errors import DomainError
from registry.standard.codes import load_table

from . import batch
from .models import Qualification

MAX_BYTES = 2 * 1024 * 1024
ROW_FIELD = re.compile(r"^rows\.(\d+)\.(\w+)")
DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")


COLUMNS = (
    Column(
        "证件号码", "archive_no", True, "档案号，即身份证号等；请设为文本格式", ("身份证号", "身份证号码")
    ),
    Column("姓名", "name", True, "须与该证件号码登记的姓名一致"),
    Column("级别", "level", True, "代码 1–4 或名称：初级、中级、副高级、正高级（也可填会计师等职称）"),
    Column("资格名称", "title", False, "可不填，按级别自动填写（如“会计师”）"),
    Column("取得方式", "route", True, "代码 1–4 或名称：考试、评审、考评结合、认定"),
    Column("取得日期", "obtained_on", True, "如 2018-09-01；不能晚于今天"),
    Column(
        "证书编号或批文号",
        "certificate_no",
        True,
        "考试取得填证书管理号；已登记的编号不能重复登记",
        ("证书编号",),
    ),
    Column("发证机关", "issuer", False, "如 广东省人力资源和社会保障厅"),
    Column("聘任职务", "appointed_title", False, "已聘任的填写"),
    Column("聘任日期", "appointed_on", False, "填写时须同时填写聘任职务，且不早于取得日期"),
    Column("证件类型", "document_type", False, "不填为居民身份证；也可为港澳台居民居住证、护照等"),
    Column("国籍", "nationality", False, "护照须填写三字母国家代码，如 USA"),
)
TEMPLATE_HEADER = ",".join(c.header for c in COLUMNS[:10])  # 证件类型、国籍: only when needed
HEADERS = {c.key: c.header for c in COLUMNS} | {"number": "证件号码"}
ACCEPTED = {
    "level": "级别应填代码 1–4 或 初级、中级、副高级、正高级",
    "route": "取得方式应填代码 1–4 或 考试、评审、考评结合、认定",
}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    @property
    def text(self) -> str:
        where = f"第 {self.line} 行" + (f"（{self.column}）" if self.column else "")
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class Outcome:
    rows: int
    created: list[Qualification]
    errors: list[RowError]

    @property
    def people(self) -> int:
        return len({q.person_id for q in self.created})


def _file_error(code: str, message: str) -> DomainError:
    return DomainError.single(f"qualification.{code}", "file", message)


def _codes(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in load_table(table):
        out[e.code] = out[e.name] = e.code
        if "title" in e.extra:
            out[str(e.extra["title"])] = e.code
    if table == "qualification_level":
        out["会计员"] = "1"  # before the 2019 reform
    return out


def _date(value: str) -> str:
    m = DATE.match(value)
    if m is None:
        return value  # the standard says what is wrong
    y, mo, d = (int(g) for g in (m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)))
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return value


def parse(data: bytes) -> tuple[list[dict[str, str]], list[int]]:
    """The data rows as the service's row dicts, and their line numbers; file-level problems raise."""
    levels, routes = _codes("qualification_level"), _codes("qualification_route")
    doc_types = {e.name: e.code for e in load_table("document_type")}
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    for line, v in csvfile.read(data, COLUMNS, "qualification"):
        if len(rows) >= batch.MAX_ROWS:
            raise _file_error("too_many_rows", f"每个文件不超过 {batch.MAX_ROWS} 行，请分成几个文件上传")
        v["level"] = levels.get(v["level"], v["level"])
        v["route"] = routes.get(v["route"], v["route"])
        for key in ("obtained_on", "appointed_on"):
            if v.get(key):
                v[key] = _date(v[key])
        if "document_type" in v:
            v["document_type"] = doc_types.get(v["document_type"], v["document_type"])
        rows.append(v)
        lines.append(line)
    if not rows:
        raise _file_error("file_no_rows", "文件只有表头，没有数据行")
    return rows, lines


def _row_errors(exc: DomainError, rows: list[dict[str, str]], lines: list[int]) -> list[RowError]:
    out: list[RowError] = []
    table = load_table("qualification_level")
    unknown_level = {f"rows.{i}.level" for i, row in enumerate(rows) if not table.contains(row["level"])}
    for e in exc.errors:
        m = ROW_FIELD.match(e.field)
        if m is None:  # not about a row: the file as a whole
            raise _file_error(e.code.split(".")[-1], e.message) from exc
        i, key = int(m.group(1)), m.group(2)
        if key == "title" and f"rows.{i}.level" in unknown_level and not rows[i].get("title"):
            continue  # the title follows from the level: its error says it all
        message = e.message
        if key in ACCEPTED and e.code == "standard.value_error":
            message = f"无法识别“{rows[i][key]}”：{ACCEPTED[key]}"
        elif key in ("archive_no", "number") and "E+" in rows[i]["archive_no"].upper():
            message += "（证件号码被 Excel 存成了数字，请将该列设为文本后重新填写）"
        out.append(RowError(lines[i], HEADERS.get(key, ""), message))
    return sorted(out, key=lambda r: r.line)


def read_upload(file: UploadedFile) -> bytes:
    """The file's bytes, refusing what is not a CSV file or is too large."""
    if not (file.name or "").lower().endswith(".csv"):
        raise _file_error("file_type", "请上传 CSV 文件（.csv）：在 Excel 中“另存为 CSV UTF-8”或“CSV”")
    if (file.size or 0) > MAX_BYTES:
        raise _file_error("file_too_large", f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请分成几个文件上传")
    file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _file_error("file_too_large", f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请分成几个文件上传")
    return data


def qualification_csv_import(*, actor: object, data: bytes) -> Outcome:
    """Parse the file and enter every row through `qualification_batch_add`, all or nothing.
    Row errors come back in the outcome (nothing written); file errors and Forbidden raise."""
    rows, lines = parse(data)
    try:
        created = batch.qualification_batch_add(actor=actor, rows=rows, lines=lines)
    except DomainError as exc:
        return Outcome(len(rows), [], _row_errors(exc, rows, lines))
    return Outcome(len(rows), list(created), [])
