"""Writing an export: the rows of a query, masked unless the requester may see full numbers;
CSV streamed straight from the database, xlsx written with constant memory to a private file.

A stored workbook is sealed (encrypted at rest) as `<uid>.xlsx.enc`: a clear magic, then frames
of at most FRAME_PLAIN plaintext bytes, each a 4-byte length, a 1-byte final flag and
`registry.core.crypto.encrypt` output. As in the backup container (registry/ops/backup/stream.py),
each frame's associated data binds the job's uid, the frame's index and the final flag, so a
changed byte, a reordered or dropped frame, a file cut short or a file moved under another job
all fail authentication. Memory stays bounded by a frame or two on both sides.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Generator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from django.conf import settings
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.core.crypto import NONCE_BYTES, TAG_BYTES, DecryptionError, decrypt, encrypt
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
SEALED = ".xlsx.enc"
BUILD_PREFIX = ".build-"
MAGIC = b"RGEX\x00\x01"  # registry export, container format 1
FRAME_PLAIN = 1 << 20
_FRAME_HEAD = struct.Struct(">IB")
_MIN_BLOB = 1 + NONCE_BYTES + TAG_BYTES

logger = logging.getLogger(__name__)


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
    """Write the job's workbook and seal it; returns (file name, rows). constant_memory flushes
    each row. The plaintext (workbook and xlsxwriter's own temporary files) lives only in a
    private directory that is removed whatever happens."""
    directory = export_dir()
    build = Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{job.uid}-", dir=directory))
    try:
        plain = build / "export.xlsx"
        rows = _workbook(job, plain, build, progress)
        name = f"{job.uid}{SEALED}"
        sealed = build / name
        with (
            open(plain, "rb") as source,
            open(os.open(sealed, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as target,
        ):
            _seal(source, target, job.uid)
        os.replace(sealed, directory / name)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return name, rows


def _workbook(job: ExportJob, path: Path, tmpdir: Path, progress: Callable[[int], None]) -> int:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(tmpdir)})
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
    return rows


def _frame_aad(uid: object, index: int, final: bool) -> bytes:
    return f"registry-export/1\x1f{uid}\x1f{index}\x1f{int(final)}".encode()


def _seal(source: BinaryIO, target: BinaryIO, uid: object) -> None:
    target.write(MAGIC)
    index, chunk = 0, source.read(FRAME_PLAIN)
    while True:
        # Read one frame ahead: the last frame carries the final flag, so a cut is detected.
        following = source.read(FRAME_PLAIN)
        final = not following
        blob = encrypt(chunk, aad=_frame_aad(uid, index, final))
        target.write(_FRAME_HEAD.pack(len(blob), int(final)) + blob)
        if final:
            return
        index, chunk = index + 1, following


def _frames(raw: BinaryIO, uid: object) -> Generator[bytes, None, None]:
    """The plaintext frames; each is authenticated before it is yielded. Raises DecryptionError."""
    if raw.read(len(MAGIC)) != MAGIC:
        raise DecryptionError("not a sealed export")
    index = 0
    while True:
        head = raw.read(_FRAME_HEAD.size)
        if len(head) < _FRAME_HEAD.size:
            raise DecryptionError(f"truncated before frame {index}")
        length, flag = _FRAME_HEAD.unpack(head)
        if not _MIN_BLOB <= length <= FRAME_PLAIN + _MIN_BLOB or flag not in (0, 1):
            raise DecryptionError(f"bad header of frame {index}")
        blob = raw.read(length)
        if len(blob) < length:
            raise DecryptionError(f"truncated in frame {index}")
        yield decrypt(blob, aad=_frame_aad(uid, index, flag == 1))
        if flag:
            if raw.read(1):
                raise DecryptionError("data after the final frame")
            return
        index += 1


class SealedReader:
    """A read-only file object over a sealed export (what FileResponse streams)."""

    def __init__(self, raw: BinaryIO, uid: object):
        self._raw = raw
        self._uid = uid
        self._frames = _frames(raw, uid)
        self._buf = b""
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(FRAME_PLAIN), b""))
        while self._pos >= len(self._buf):
            try:
                frame = next(self._frames, None)
            except DecryptionError:
                # Verified just before: the file changed under the open handle. The client gets a
                # cut-off download (short of Content-Length), never unauthenticated bytes.
                logger.error("sealed export %s failed authentication while streaming", self._uid)
                raise
            if frame is None:
                return b""
            self._buf, self._pos = frame, 0
        data = self._buf[self._pos : self._pos + n]
        self._pos += len(data)
        return data

    def close(self) -> None:
        self._frames.close()
        self._raw.close()


def is_sealed(job: ExportJob) -> bool:
    return job.file_name.endswith(SEALED)


def export_open(job: ExportJob) -> tuple[BinaryIO, int]:
    """The stored file, open, after every frame was authenticated; and its plaintext size.
    Raises FileNotFoundError, or DecryptionError if it was altered, cut short or swapped."""
    raw = open(export_file(job), "rb")  # noqa: SIM115 -- returned to the caller, who closes it
    try:
        size = sum(len(frame) for frame in _frames(raw, job.uid))
        raw.seek(0)
    except BaseException:
        raw.close()
        raise
    return raw, size


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


def sweep_files(keep: set[str], now: datetime) -> int:
    """Remove every file in the export directory no job still needs: sealed files of other jobs,
    build directories a killed worker left behind (or older than KEEP), and plaintext left from
    before exports were sealed (workbooks, and xlsxwriter's `tmp*` row files of a killed build).
    Returns how many were removed."""
    removed = 0
    for path in export_dir().iterdir():
        name = path.name
        try:
            if name.startswith(BUILD_PREFIX) and path.is_dir():
                uid = name[len(BUILD_PREFIX) :].rsplit("-", 1)[0]
                old = datetime.fromtimestamp(path.stat().st_mtime, tz=now.tzinfo) < now - KEEP
                if uid in keep and not old:
                    continue
                shutil.rmtree(path)
            elif name.endswith(SEALED):
                if name[: -len(SEALED)] in keep:
                    continue
                path.unlink()
            elif name.endswith(".xlsx") or (name.startswith("tmp") and path.is_file()):
                path.unlink()
            else:
                continue
        except FileNotFoundError:  # its build finished (or a download took it) meanwhile
            continue
        removed += 1
    return removed
