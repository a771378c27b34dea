"""Batch entry of verified qualifications by an agency: every row is checked first; one bad row
and nothing is written. The CSV upload (`csvfile.py`) feeds this service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import visible_agencies
from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.services import archive_index_for, person_journal
from registry.standard import record as std
from registry.standard.errors import FieldError
from registry.standard.identity import check_identity

from .models import EXAM_ROUTE, Qualification, QualificationStatus, Source
from .rules import FIELDS, check_qualification, duplicate_errors
from .services import create_row, lock_person, refuse_closed

PERSON_FIELDS = ("archive_no", "document_type", "nationality", "name")
ROW_FIELDS = frozenset((*FIELDS, *PERSON_FIELDS))
MAX_ROWS = 2000
NOT_FOUND = "未找到该证件号码的已登记人员，或该人员不属于本机构管理"
ALREADY = "证书编号已登记，不能重复登记（本文件可能已上传过）"
NAME_NOISE = str.maketrans(dict.fromkeys(" \u3000·•・．.\u00b7", ""))


def _find_person(actor: Any, row: Mapping[str, Any], prefix: str) -> Person:
    doc_type = str(row.get("document_type") or "resident_id").strip()
    nationality = str(row.get("nationality") or "").strip() or None
    result = check_identity(doc_type, str(row.get("archive_no") or ""), nationality)
    if not result.valid or result.archive_no is None or result.document_type is None:
        raise DomainError(
            FieldError(e.code, prefix + ("archive_no" if e.field == "number" else e.field), e.message)
            for e in result.errors
        )
    index = archive_index_for(result.document_type.value, result.archive_no, result.nationality)
    person = (
        Person.objects.select_related("agency")
        .filter(archive_index=index, agency__in=visible_agencies(actor, Perm.EDIT_PEOPLE))
        .first()
    )
    if person is None:
        raise DomainError.single("qualification.person_not_found", prefix + "archive_no", NOT_FOUND)
    if "name" in row and person.name.translate(NAME_NOISE) != str(row["name"] or "").translate(NAME_NOISE):
        raise DomainError.single(
            "qualification.name_mismatch", prefix + "name", "姓名与该证件号码登记的姓名不一致"
        )
    return person


def _check_rows(
    actor: Any, rows: Sequence[Mapping[str, Any]], lines: Sequence[int]
) -> tuple[list[tuple[Person, std.Qualification]], list[FieldError]]:
    planned: list[tuple[Person, std.Qualification]] = []
    errors: list[FieldError] = []
    seen: dict[tuple[int | None, str], int] = {}  # (person or None for exam certificates, number) → row
    for i, row in enumerate(rows):
        prefix = f"rows.{i}."
        unknown = sorted(set(row) - ROW_FIELDS)
        if unknown:
            errors += [
                FieldError("qualification.unknown_column", prefix + k, "不允许的数据项") for k in unknown
            ]
            continue
        try:
            person = _find_person(actor, row, prefix)
            refuse_closed(person, prefix + "archive_no")
            item = check_qualification(person, row, prefix)
        except DomainError as exc:
            errors += exc.errors
            continue
        number = item.certificate_no or ""
        keys = [(person.pk, number)] + ([(None, number)] if item.route == EXAM_ROUTE else [])
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            errors.append(
                FieldError(
                    "qualification.duplicate_row",
                    prefix + "certificate_no",
                    f"与第 {lines[first]} 行的证书编号重复",
                )
            )
            continue
        dup = duplicate_errors(person, item, prefix)
        if dup:  # already on file: the same message whoever holds it
            errors += [FieldError(e.code, e.field, ALREADY) for e in dup]
            continue
        seen.update(dict.fromkeys(keys, i))
        planned.append((person, item))
    return planned, errors


def qualification_batch_add(
    *, actor: Any, rows: Sequence[Mapping[str, Any]], lines: Sequence[int] | None = None
) -> list[Qualification]:
    """Verified qualifications for people the agency manages, all or nothing. Each row names the
    person by `archive_no` (with `document_type` and `nationality` for other documents; `name`,
    when given, must match). `lines` numbers the rows in messages (a file's line numbers); errors
    name their row as `rows.<index>.<field>`."""
    if not visible_agencies(actor, Perm.EDIT_PEOPLE).exists():
        raise Forbidden("batch entry")
    if not rows:
        raise DomainError.single("qualification.batch_empty", "rows", "没有可登记的数据行")
    if len(rows) > MAX_ROWS:
        raise DomainError.single(
            "qualification.batch_too_large",
            "rows",
            f"每批最多 {MAX_ROWS} 行，本批 {len(rows)} 行，请分批登记",
        )
    created: list[Qualification] = []
    with transaction.atomic():
        numbers = list(lines) if lines is not None else list(range(1, len(rows) + 1))
        if len(numbers) != len(rows):
            raise ValueError("lines must number every row")
        planned, errors = _check_rows(actor, rows, numbers)
        if errors:
            raise DomainError(errors)
        by_person: dict[int, list[std.Qualification]] = {}
        people = {}
        for person, item in planned:
            by_person.setdefault(person.pk, []).append(item)
            people[person.pk] = person
        now = timezone.now()
        for pk in sorted(by_person):  # lock in one order: two batches never wait on each other
            locked = lock_person(people[pk])
            refuse_closed(locked)
            items = by_person[pk]
            for item in items:
                created.append(
                    create_row(
                        locked,
                        item,
                        source=Source.AGENCY,
                        status=QualificationStatus.APPROVED,
                        created_by_id=getattr(actor, "pk", None),
                        decided_at=now,
                    )
                )
            person_journal(
                actor,
                locked,
                "qualification.batch_add",
                {"count": len(items), "levels": sorted({i.level for i in items})},
            )
    return created
