"""Batch reports of 继续教育 credits from providers and employers: the file format and the import.

File format (继续教育学分批量报送文件)
======================================

- A CSV text file (comma-separated, as Excel saves it: "CSV UTF-8" or plain "CSV", which is
  GB18030/GBK on Chinese Windows; both are read). At most 5 MB and 10 000 data rows.
- The first line is the header. Columns are found by their header names, so their order is
  free; unknown columns are ignored. Required and optional columns are listed in `COLUMNS`
  (the upload page prints the same table and offers a template).
- One line per activity of one person. Codes or names are accepted: 形式 ``1``–``9`` or the
  code table's name or a short name (面授, 网络, 考试, 学术会议, 学历教育, 研究课题, 论文,
  书籍, 其他); 科目类别 ``1``/专业 or ``2``/公需; 本人角色 主持/第一作者/独著 or 参与/其他作者.
- 日期 as ``2025-03-15`` (also ``2025/3/15``, ``2025.3.15``, ``20250315``, ``2025年3月15日``).
- 证件号码 must be stored as text in Excel (a leading apostrophe is removed), not as a number.

Rules (the same as every route, `validation.check_entry`): the number must pass the 档案号
rules; the person must be registered and managed by the uploader's agency; the name must match;
credits must agree with the conversions (e.g. a conference 10 a day); no future dates; no year
after its late-registration close date.

Outcome per row: created, unchanged (the same activity is already registered: same person,
date, form, subject, credits and provider — so uploading the same file again changes nothing),
or rejected with its line number, column and reason. A row repeated within the file is rejected
naming the line it repeats. Valid rows are written even when other rows are rejected; a file
that cannot be read at all (empty, no header, missing columns, not text) writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from registry.accounts.roles import Perm
from registry.accounts.selectors import visible_agencies
from registry.core import csvfile
from registry.core.crypto import sm3_hex
from registry.core.csvfile import Column
from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.services import archive_index_for, person_journal
from registry.standard.codes import load_table
from registry.standard.errors import FieldError
from registry.standard.identity import check_identity

from . import config
from .config import rules_for
from .models import Batch, Route
from .rules import FIRST, OTHER_ROLE
from .services import ce_record, live_duplicate, require_active
from .validation import Checked, check_entry, parse_entry

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000


COLUMNS = (
    Column(
        "证件号码", "archive_no", True, "档案号，即身份证号等；请设为文本格式", ("身份证号", "身份证号码")
    ),
    Column("姓名", "name", True, "须与登记的姓名一致"),
    Column("日期", "held_on", True, "活动日期（结业、考试通过、会议、发表或出版日期），如 2025-03-15"),
    Column(
        "形式",
        "form",
        True,
        "代码 1–9 或名称：面授、网络、考试、学术会议、学历教育、研究课题、论文、书籍、其他",
    ),
    Column("科目类别", "subject", True, "专业 或 公需（代码 1 或 2）", ("科目",)),
    Column("学分", "credits", True, "最多一位小数；须与折算规则一致"),
    Column("举办单位", "provider", True, "培训机构、主办单位或用人单位名称", ("主办单位", "培训机构")),
    Column("年度", "year", False, "可不填；填写时须与日期所在年度一致"),
    Column("学时", "hours", False, "按学时折算的形式（如网络培训）可填写"),
    Column("天数", "days", False, "按天折算的形式（如面授培训、学术会议）可填写，可为半天 0.5"),
    Column("本人角色", "role", False, "研究课题、论文、书籍：主持/第一作者/独著 或 参与/其他作者"),
    Column("项目名称", "title", False, "培训班、课程、课题、论文或书籍名称"),
    Column("证件类型", "document_type", False, "不填为居民身份证；也可为港澳台居民居住证、护照等"),
    Column("国籍", "nationality", False, "护照须填写三字母国家代码，如 USA"),
)
HEADER = ",".join(c.header for c in COLUMNS)
FORM_ALIASES = {
    "面授": "1",
    "面授培训": "1",
    "网络": "2",
    "网络培训": "2",
    "考试": "3",
    "学术会议": "4",
    "会议": "4",
    "学历教育": "5",
    "学位教育": "5",
    "研究课题": "6",
    "课题": "6",
    "论文": "7",
    "书籍": "8",
    "著作": "8",
    "其他": "9",
}
SUBJECT_ALIASES = {"专业": "1", "专业科目": "1", "公需": "2", "公需科目": "2"}
ROLE_ALIASES = {
    **dict.fromkeys(("主持", "主持人", "第一作者", "独著", "独立作者", "独立", FIRST), FIRST),
    **dict.fromkeys(("参与", "参与人", "其他作者", "其他", "合著", OTHER_ROLE), OTHER_ROLE),
}
FIELD_COLUMNS = {c.key: c.header for c in COLUMNS} | {"record": "", "person": "", "number": "证件号码"}
NAME_NOISE = str.maketrans({c: "" for c in " \u3000·•・．.\u00b7"})


def _code(value: str, table: str, aliases: dict[str, str]) -> str:
    names = {e.name: e.code for e in load_table(table)}
    return aliases.get(value) or names.get(value) or value


def read_rows(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column key: text}) for each data row; the file-level checks raise first."""
    return csvfile.read(data, COLUMNS, "ce")


@dataclass
class _Row:
    line: int
    person: Person
    checked: Checked


def _errors(line: int, exc: DomainError) -> list[dict[str, Any]]:
    return [
        {"row": line, "column": FIELD_COLUMNS.get(e.field, e.field), "code": e.code, "message": e.message}
        for e in exc.errors
    ]


class _Reader:
    """Checks rows one by one against the people the actor may edit."""

    def __init__(self, actor: Any) -> None:
        self.agencies = visible_agencies(actor, Perm.EDIT_PEOPLE)
        self.today = config.today()
        self.seen: dict[tuple[Any, ...], int] = {}

    def person(self, values: dict[str, str]) -> Person:
        number = values.get("archive_no", "")
        doc_type = _code(values.get("document_type", ""), "document_type", {}) or "resident_id"
        result = check_identity(doc_type, number, values.get("nationality") or None)
        if not result.valid or result.archive_no is None or result.document_type is None:
            errors = [
                FieldError(e.code, "archive_no" if e.field == "number" else e.field, e.message)
                for e in result.errors
            ]
            if "E+" in number.upper():
                errors.append(
                    FieldError(
                        "ce.id_as_number",
                        "archive_no",
                        "证件号码被 Excel 存成了数字，请将该列设为文本后重新填写",
                    )
                )
            raise DomainError(errors)
        index = archive_index_for(result.document_type.value, result.archive_no, result.nationality)
        person = (
            Person.objects.select_related("agency")
            .filter(archive_index=index, agency__in=self.agencies)
            .first()
        )
        if person is None:
            raise DomainError.single(
                "ce.person_not_found",
                "archive_no",
                "未找到该人员：证件号码未在本系统登记，或不属于您管理的机构",
            )
        if person.name.translate(NAME_NOISE) != values.get("name", "").translate(NAME_NOISE):
            raise DomainError.single("ce.name_mismatch", "name", "姓名与该证件号码登记的姓名不一致")
        require_active(person)
        return person

    def row(self, line: int, values: dict[str, str]) -> _Row:
        person = self.person(values)
        data = {
            **values,
            "form": _code(values.get("form", ""), "ce_form", FORM_ALIASES),
            "subject": _code(values.get("subject", ""), "ce_subject", SUBJECT_ALIASES),
            "role": ROLE_ALIASES.get(values.get("role", ""), values.get("role", "")),
        }
        if not values.get("provider"):
            raise DomainError.single("ce.provider_required", "provider", "请填写举办单位")
        checked = check_entry(
            parse_entry(data), route=Route.BATCH, rules=rules_for(person.agency), today=self.today
        )
        key = (person.pk, *checked.key)
        if key in self.seen:
            raise DomainError.single("ce.duplicate_row", "record", f"与第 {self.seen[key]} 行重复")
        self.seen[key] = line
        return _Row(line, person, checked)


def _read(file: UploadedFile | tuple[str, bytes]) -> tuple[str, bytes]:
    if isinstance(file, tuple):
        return file
    file.seek(0)
    return file.name or "", file.read(MAX_BYTES + 1)


def ce_batch_import(*, actor: Any, file: UploadedFile | tuple[str, bytes]) -> Batch:
    """Check every row, then write the valid new ones person by person (one transaction and one
    journal entry each). Returns the batch with its counts and each rejected row's errors."""
    if not visible_agencies(actor, Perm.EDIT_PEOPLE).exists():
        raise Forbidden("batch import")
    name, data = _read(file)
    if len(data) > MAX_BYTES:
        raise DomainError.single(
            "ce.file_too_large", "file", f"文件超过 {MAX_BYTES // 1024 // 1024} MB，请分成几个文件上传"
        )
    reader = _Reader(actor)
    good: list[_Row] = []
    errors: list[dict[str, Any]] = []
    count = 0
    for line, values in read_rows(data):
        count += 1
        if count > MAX_ROWS:
            raise DomainError.single(
                "ce.too_many_rows", "file", f"每个文件不超过 {MAX_ROWS} 行，请分成几个文件上传"
            )
        try:
            good.append(reader.row(line, values))
        except DomainError as exc:
            errors += _errors(line, exc)
    if count == 0:
        raise DomainError.single("ce.file_no_rows", "file", "文件只有表头，没有数据行")
    batch = Batch.objects.create(uploaded_by=actor, file_name=name[:100], sha=sm3_hex(data), rows=count)
    created = unchanged = 0
    by_person: dict[int, list[_Row]] = {}
    for row in good:
        by_person.setdefault(row.person.pk, []).append(row)
    for rows in by_person.values():
        made, same = _write_person(actor, rows, batch)
        created, unchanged = created + made, unchanged + same
    rejected = len({e["row"] for e in errors})
    Batch.objects.filter(pk=batch.pk).update(
        created=created, unchanged=unchanged, rejected=rejected, errors=errors
    )
    batch.refresh_from_db()
    return batch


@transaction.atomic
def _write_person(actor: Any, rows: list[_Row], batch: Batch) -> tuple[int, int]:
    person = Person.objects.select_for_update().select_related("agency").get(pk=rows[0].person.pk)
    made = 0
    for row in rows:
        if live_duplicate(person, row.checked) is None:  # else: registered before — unchanged
            ce_record(
                actor=actor, person=person, checked=row.checked, action="ce.batch", batch=batch, journal=False
            )
            made += 1
    if made:
        person_journal(actor, person, "ce.batch", {"batch": str(batch.uid), "entries": made})
    return made, len(rows) - made
