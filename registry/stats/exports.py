"""Writing an export: the rows of a query, masked unless the requester may see full numbers;
CSV streamed straight from the database, xlsx written with constant memory to a private file."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.orgs.models import Agency
from registry.people.models import Person
from registry.people.snapshot import person_archive_no
from registry.qualifications.selectors import highest_level_texts
from registry.standard.codes import load_table

from .models import ExportJob
from .query import query_queryset

HEADERS = [
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "人员类别",
    "最高学历",
    "最高专业技术资格",
    "管理机构",
    "状态",
    "采集完成时间",
]
CHUNK = 1000
KEEP = timedelta(hours=24)  # a built file not downloaded within a day is removed
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_dir() -> Path:
    path = Path(getattr(settings, "REGISTRY_EXPORT_DIR", "") or Path(settings.VAR_DIR) / "exports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def defuse(value: str) -> str:
    """A cell a spreadsheet would run as a formula is shown as text (CSV injection)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def full_numbers_allowed(job: ExportJob) -> bool:
    """Asked for, and still allowed to the requester over every agency of the export's scope."""
    if not job.full_ids:
        return False
    agencies = list(Agency.objects.filter(code__in=job.scope))
    return bool(agencies) and all(
        actor_has_perm(job.requested_by, Perm.VIEW_FULL_ID, agency) for agency in agencies
    )


def _labels() -> dict[str, dict[str, str]]:
    return {
        name: dict(load_table(name).choices(include_retired=True))
        for name in ("document_type", "sex", "person_category", "education")
    }


def export_rows(job: ExportJob) -> Iterator[list[str]]:
    """The job's rows in id order, read in keyset chunks (constant memory whatever the size)."""
    qs = query_queryset(job.requested_by, job.params).filter(id__lte=job.max_person_id)
    full = full_numbers_allowed(job)
    labels = _labels()
    statuses = dict(Person._meta.get_field("status").choices or [])
    last = 0
    while True:
        people = list(qs.filter(id__gt=last).order_by("id").select_related("agency")[:CHUNK])
        if not people:
            return
        levels = highest_level_texts(people)
        for p in people:
            collected = (
                timezone.localtime(p.collected_at).strftime("%Y-%m-%d %H:%M") if p.collected_at else ""
            )
            yield [
                defuse(str(v))
                for v in (
                    p.name,
                    labels["document_type"].get(p.document_type, p.document_type),
                    person_archive_no(p) if full else p.archive_masked,
                    labels["sex"].get(p.sex, p.sex),
                    p.birth_date.isoformat(),
                    labels["person_category"].get(p.category, p.category),
                    labels["education"].get(p.highest_education, p.highest_education),
                    levels.get(p.pk, ""),
                    p.agency.name,
                    statuses.get(p.status, p.status),
                    collected,
                )
            ]
        last = people[-1].pk


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(job: ExportJob) -> Iterator[str]:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(HEADERS)
    for row in export_rows(job):
        yield writer.writerow(row)


def xlsx_write(job: ExportJob, progress: Callable[[int], None]) -> tuple[str, int]:
    """Write the job's workbook; returns (file name, rows). constant_memory flushes each row."""
    directory = export_dir()
    name = f"{job.uid}.xlsx"
    path = directory / name
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(directory)})
    try:
        sheet = workbook.add_worksheet("人员信息")
        bold = workbook.add_format({"bold": True})
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 14)
        sheet.set_column(2, 2, 22)
        sheet.set_column(4, 4, 12)
        sheet.set_column(6, 8, 18)
        sheet.set_column(10, 10, 17)
        for col, title in enumerate(HEADERS):
            sheet.write_string(0, col, title, bold)
        rows = 0
        for rows, values in enumerate(export_rows(job), start=1):
            for col, value in enumerate(values):
                sheet.write_string(rows, col, value)  # strings only: nothing is read as a formula
            if rows % CHUNK == 0:
                progress(rows)
    finally:
        workbook.close()
    os.chmod(path, 0o600)
    return name, rows


def export_file(job: ExportJob) -> Path:
    return export_dir() / job.file_name


def remove_file(job: ExportJob) -> bool:
    if not job.file_name:
        return False
    try:
        export_file(job).unlink()
    except FileNotFoundError:
        return False
    return True
