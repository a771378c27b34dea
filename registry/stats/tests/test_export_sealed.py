"""xlsx exports at rest: sealed with SM4-GCM frames bound to the job, decrypted as they stream,
refused cleanly when damaged, and no plaintext left on disk whether the build succeeds or not."""

from __future__ import annotations

import io
import os
import stat
import struct
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.core import crypto
from registry.people.models import Person
from registry.people.snapshot import person_archive_no
from registry.stats import exports
from registry.stats.exports import MAGIC, SEALED, export_dir, export_rows
from registry.stats.models import ExportJob, ExportStatus
from registry.stats.services import export_build, export_request, exports_sweep

from .conftest import client_for


@pytest.fixture
def people(make_person: Any) -> list[Person]:
    return [make_person(code) for code in ("440106", "440106", "440104", "440203")]


@pytest.fixture
def admin(make_user: Any) -> Any:
    return make_user(Role.PROVINCE_ADMIN, "440000")


@pytest.fixture
def built(
    people: list[Person], admin: Any, django_capture_on_commit_callbacks: Any
) -> Callable[..., ExportJob]:
    """An xlsx export with full numbers, built by the task as in production (after commit)."""

    def build(**criteria: str) -> ExportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = export_request(actor=admin, criteria=criteria, summary="", fmt="xlsx", full_ids=True)
        job.refresh_from_db()
        assert job.status == ExportStatus.READY
        return job

    return build


def _files() -> list[str]:
    return sorted(p.name for p in export_dir().iterdir())


def _download(client: Any, job: ExportJob, **kwargs: Any) -> Any:
    return client.post(f"/stats/exports/{job.uid}/download/", **kwargs)


def _sheet(body: bytes) -> list[list[str]]:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(body)).get_sheet_by_index(0).to_python()
    return [[str(cell) for cell in row] for row in rows]


def _frame_ends(data: bytes) -> list[int]:
    ends, at = [], len(MAGIC)
    while at < len(data):
        length, _ = struct.unpack(">IB", data[at : at + 5])
        at += 5 + length
        ends.append(at)
    return ends


def test_stored_file_is_ciphertext_and_download_gives_the_query_rows(
    built: Callable[..., ExportJob], people: list[Person], admin: Any
) -> None:
    job = built()
    assert job.file_name == f"{job.uid}{SEALED}" and _files() == [job.file_name]
    path = export_dir() / job.file_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    assert data.startswith(MAGIC) and b"PK\x03\x04" not in data
    numbers = [person_archive_no(p) for p in people]
    assert not any(n.encode() in data for n in numbers)
    expected = [exports.HEADERS, *export_rows(job)]

    response = _download(client_for(admin), job)
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert response["Content-Length"] == str(len(body))
    assert response["Content-Disposition"].startswith('attachment; filename="people-')
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Cache-Control"] == "private, no-store"
    rows = _sheet(body)
    assert rows == expected and sorted(r[2] for r in rows[1:]) == sorted(numbers)
    assert _files() == []  # taken once, gone from disk
    actions = list(
        AuditEvent.objects.filter(object_id=str(job.uid)).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["stats.export_request", "stats.export_build", "stats.export_download"]


def test_the_build_is_memory_bounded_and_frames_stay_small(
    built: Callable[..., ExportJob], admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    options: list[dict[str, Any]] = []
    real_workbook = exports.xlsxwriter.Workbook

    def workbook(path: str, opts: dict[str, Any]) -> Any:
        options.append(opts)
        return real_workbook(path, opts)

    sizes: list[int] = []
    real_encrypt = crypto.encrypt

    def encrypt(plaintext: bytes, aad: bytes = b"") -> bytes:
        sizes.append(len(plaintext))
        return real_encrypt(plaintext, aad)

    monkeypatch.setattr(exports.xlsxwriter, "Workbook", workbook)
    monkeypatch.setattr(exports, "encrypt", encrypt)
    monkeypatch.setattr(exports, "FRAME_PLAIN", 512)
    job = built()
    assert len(options) == 1 and options[0]["constant_memory"] is True
    assert Path(options[0]["tmpdir"]).parent == export_dir()  # its own build directory
    assert len(sizes) > 3 and max(sizes) <= 512
    assert len(_frame_ends((export_dir() / job.file_name).read_bytes())) == len(sizes)
    response = _download(client_for(admin), job)
    assert _sheet(b"".join(response.streaming_content))[1:] == list(export_rows(job))


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "flipped byte": _flip,
    "cut short": lambda data: data[: len(data) - 100],
    "last frame dropped": lambda data: data[: _frame_ends(data)[-2]],
    "frames reordered": lambda data: (
        data[: len(MAGIC)]
        + data[_frame_ends(data)[0] : _frame_ends(data)[1]]
        + data[len(MAGIC) : _frame_ends(data)[0]]
        + data[_frame_ends(data)[1] :]
    ),
    "trailing bytes": lambda data: data + b"\x00",
    "not sealed": lambda data: b"PK\x03\x04" + data,
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_is_refused_with_a_message_and_audited(
    damage: str, built: Callable[..., ExportJob], admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "FRAME_PLAIN", 512)
    job = built()
    path = export_dir() / job.file_name
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    response = _download(client_for(admin), job, follow=True)
    assert response.status_code == 200 and not getattr(response, "streaming", False)
    assert "导出文件校验未通过" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and job.error == "damaged"
    assert _files() == []
    event = AuditEvent.objects.get(object_id=str(job.uid), action="stats.export_damaged")
    assert event.actor_id == admin.pk and event.data["error"]
    assert not AuditEvent.objects.filter(object_id=str(job.uid), action="stats.export_download").exists()


def test_a_file_moved_under_another_job_does_not_decrypt(built: Callable[..., ExportJob], admin: Any) -> None:
    first, second = built(agency="440100"), built(agency="440203")
    (export_dir() / second.file_name).write_bytes((export_dir() / first.file_name).read_bytes())
    response = _download(client_for(admin), second, follow=True)
    assert "导出文件校验未通过" in response.content.decode()
    assert AuditEvent.objects.filter(object_id=str(second.uid), action="stats.export_damaged").exists()
    assert _download(client_for(admin), first).status_code == 200


def test_a_failed_build_leaves_no_plaintext(
    people: list[Person], admin: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 1
    job = export_request(actor=admin, criteria={}, summary="", fmt="xlsx", full_ids=True)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.APPROVED)
    seen: list[tuple[str, int, list[str]]] = []
    real_rows = exports.export_rows

    def rows_then_fail(job: ExportJob) -> Iterator[list[str]]:
        yield from real_rows(job)
        seen.extend((p.name, stat.S_IMODE(p.stat().st_mode), os.listdir(p)) for p in export_dir().iterdir())
        raise RuntimeError("database went away")

    monkeypatch.setattr(exports, "export_rows", rows_then_fail)
    with pytest.raises(RuntimeError):
        export_build(uid=job.uid)
    # While it ran, the workbook lived in a private build directory of its own.
    [(name, mode, inside)] = seen
    assert name.startswith(f".build-{job.uid}-") and mode == 0o700 and inside  # xlsxwriter's row files
    assert _files() == []
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.file_name == ""


def test_a_workbook_from_before_sealing_is_expired_not_served(
    people: list[Person], admin: Any, settings: Any
) -> None:
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 1
    jobs = [export_request(actor=admin, criteria={}, summary="", fmt="xlsx") for _ in range(2)]
    for job in jobs:
        name = f"{job.uid}.xlsx"
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.READY, file_name=name)
        (export_dir() / name).write_bytes(b"PK\x03\x04 plaintext workbook")
    client = client_for(admin)
    response = _download(client, jobs[0], follow=True)
    assert not getattr(response, "streaming", False) and "导出文件已不存在" in response.content.decode()
    assert exports_sweep() == 1  # the other one, at once rather than after a day
    assert _files() == []
    for job in jobs:
        job.refresh_from_db()
        assert job.status == ExportStatus.EXPIRED
        assert not AuditEvent.objects.filter(object_id=str(job.uid), action="stats.export_download").exists()


def test_sweep_removes_left_over_build_directories_and_orphans(
    built: Callable[..., ExportJob], people: list[Person], admin: Any, settings: Any
) -> None:
    job = built()
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 1
    running = export_request(actor=admin, criteria={}, summary="", fmt="xlsx")
    ExportJob.objects.filter(pk=running.pk).update(status=ExportStatus.RUNNING)
    live = export_dir() / f".build-{running.uid}-abc123"
    dead = export_dir() / ".build-00000000-0000-0000-0000-000000000000-xyz789"
    for directory in (live, dead):
        directory.mkdir(mode=0o700)
        (directory / "export.xlsx").write_bytes(b"PK\x03\x04")
    orphan = export_dir() / f"00000000-0000-0000-0000-000000000001{SEALED}"
    orphan.write_bytes(MAGIC)
    (export_dir() / "tmpk2j4h1x0").write_bytes(b"<row>")  # a killed pre-sealing build's row file
    assert exports_sweep() == 3
    assert _files() == sorted([job.file_name, live.name])
    # A build that has run longer than a day is taken for a killed worker's leftovers.
    old = (timezone.now() - timedelta(days=2)).timestamp()
    os.utime(live, (old, old))
    assert exports_sweep() == 1 and _files() == [job.file_name]


def test_the_reader_returns_only_authenticated_frames(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The file changing under the open handle after the check: the stream stops, logged, before
    any byte of the bad frame."""
    monkeypatch.setattr(exports, "FRAME_PLAIN", 100)
    plain = bytes(range(256)) * 2
    sealed = io.BytesIO()
    exports._seal(io.BytesIO(plain), sealed, "job-1")
    data = sealed.getvalue()
    second = _frame_ends(data)[0] + 30
    damaged = data[:second] + bytes([data[second] ^ 1]) + data[second + 1 :]
    reader = exports.SealedReader(io.BytesIO(damaged), "job-1")
    assert reader.read(1000) == plain[:100]
    with pytest.raises(crypto.DecryptionError):
        reader.read(1000)
    assert "failed authentication while streaming" in caplog.text
    assert exports.SealedReader(io.BytesIO(data), "job-1").read() == plain
    with pytest.raises(crypto.DecryptionError):
        exports.SealedReader(io.BytesIO(data), "job-2").read()
