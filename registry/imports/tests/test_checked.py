"""The dry run's validated records, kept for the commit: used, checked again, never trusted blindly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from registry.accounts.roles import Role
from registry.imports import runner, writes
from registry.imports.columns import BY_KEY
from registry.imports.models import ImportJob
from registry.imports.selectors import rejected_rows
from registry.imports.services import import_job_confirm
from registry.imports.testing import csv_bytes
from registry.orgs.models import Agency
from registry.people.models import Person
from registry.standard import record as std_record

pytestmark = pytest.mark.django_db

Rows = Callable[..., list[dict[str, Any]]]
Run = Callable[..., ImportJob]


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user(Role.CITY_REVIEWER, "440100")


def _commit(job: ImportJob, staff: Any) -> ImportJob:
    return runner.commit_job(import_job_confirm(actor=staff, job=job, start=False).pk)


def _rows_read_again(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The row numbers the commit parses from the file's cells."""
    parsed: list[int] = []
    real = writes.parse_row

    def counted(n: int, *args: Any) -> Any:
        parsed.append(n)
        return real(n, *args)

    monkeypatch.setattr(writes, "parse_row", counted)
    return parsed


def _issues(job: ImportJob) -> dict[int, set[tuple[str, str]]]:
    return {r.row_no: {(i["column"], i["code"]) for i in r.issues} for r in rejected_rows(job)}


def test_the_commit_writes_the_kept_records_and_then_deletes_them(
    rows: Rows, run: Run, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = rows(3, "440106")
    job = run(csv_bytes(data), actor=staff)
    with default_storage.open(job.checked_name, "rb") as fh:
        kept = fh.read()
    assert kept and not any(r["证件号码"].encode() in kept or r["姓名"].encode() in kept for r in data)
    parsed = _rows_read_again(monkeypatch)
    name = job.checked_name
    job = _commit(job, staff)
    assert (job.created, job.rejected) == (3, 0) and parsed == []  # no cell read a second time
    assert job.checked_name == "" and Person.objects.filter(name__in=[r["姓名"] for r in data]).count() == 3
    assert not default_storage.exists(name)


def test_an_agency_closed_after_the_dry_run_refuses_its_rows_at_commit(
    rows: Rows, run: Run, staff: Any
) -> None:
    job = run(csv_bytes(rows(2, "440106") + rows(1, "440104")), actor=staff)
    assert job.planned_create == 3
    Agency.objects.filter(code="440106").update(is_active=False)
    job = _commit(job, staff)
    assert (job.created, job.rejected) == (1, 2)
    header = BY_KEY["agency_code"].header
    assert _issues(job) == {n: {(header, "imports.agency_unknown")} for n in (2, 3)}


def test_a_code_withdrawn_after_the_dry_run_is_refused_by_column(
    rows: Rows, run: Run, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept record is validated through the standard again: what it refuses now is not written,
    and the row is read again so the refusal names the column."""
    job = run(csv_bytes(rows(2, "440106")), actor=staff)
    real = std_record.load_table

    class Without:
        def __init__(self, table: Any) -> None:
            self.table = table

        def contains(self, code: str) -> bool:
            return code != "01" and bool(self.table.contains(code))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.table, name)

    monkeypatch.setattr(
        std_record, "load_table", lambda name: Without(real(name)) if name == "ethnicity" else real(name)
    )
    job = _commit(job, staff)
    assert (job.created, job.rejected) == (0, 2)
    assert _issues(job) == {n: {("民族", "standard.value_error")} for n in (2, 3)}


@pytest.mark.parametrize("damage", ["gone", "altered"])
def test_without_readable_kept_records_the_commit_reads_the_file_again(
    damage: str, rows: Rows, run: Run, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = rows(3, "440106")
    job = run(csv_bytes(data), actor=staff)
    with default_storage.open(job.checked_name, "rb") as fh:
        kept = bytearray(fh.read())
    default_storage.delete(job.checked_name)
    if damage == "altered":
        kept[-1] ^= 1  # the last frame's tag no longer authenticates
        assert default_storage.save(job.checked_name, ContentFile(bytes(kept))) == job.checked_name
    parsed = _rows_read_again(monkeypatch)
    job = _commit(job, staff)
    assert (job.created, job.rejected) == (3, 0) and parsed == [2, 3, 4]
    assert Person.objects.filter(name__in=[r["姓名"] for r in data]).count() == 3


def test_kept_records_serve_a_commit_whose_chunks_differ_from_the_dry_runs(
    rows: Rows, run: Run, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "CHUNK", 2)
    job = run(csv_bytes(rows(7, "440106")), actor=staff)
    monkeypatch.setattr(runner, "CHUNK", 3)
    parsed = _rows_read_again(monkeypatch)
    job = _commit(job, staff)
    assert (job.created, job.rejected, parsed) == (7, 0, [])
