"""`registry backup` / `registry restore` on the suite's database (SQLite, or PostgreSQL when
DATABASE_URL says so). Restores run as a separate `registry` process against a fresh, empty,
migrated database (a copy of a template migrated once per session), as an operator would."""

from __future__ import annotations

import io
import itertools
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from PIL import Image

from registry.audit.models import AuditEvent, OutboxEvent
from registry.documents.services import document_store
from registry.ops.backup import archive_verify, backup_create, prune_backups
from registry.ops.backup import create as create_module
from registry.ops.backup.stream import HEADER_BYTES, MAGIC
from registry.ops.synthetic import people as synthetic_people
from registry.orgs.models import Agency
from registry.people.models import Person
from registry.people.services import person_create, person_update
from registry.standard import SPEC_VERSION

REPO = Path(__file__).resolve().parents[3]
TIANHE, YUEXIU = "440106", "440104"
ON_POSTGRES = connection.vendor == "postgresql"
SETTINGS_MODULE = "registry_backup_test_settings"
SETTINGS_TEXT = """\
import os
from config.settings.test import *  # noqa: F403

# Documents on disk, in a directory of the test's own: the restore runs in another process.
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}  # noqa: F405
MEDIA_ROOT = os.environ["BACKUP_TEST_MEDIA_ROOT"]
"""


# --- raw access to a database, the same way for source and target ------------------------


def _pg_params(settings_dict: dict[str, Any], dbname: str | None = None) -> dict[str, Any]:
    params = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": dbname or settings_dict["NAME"],
    }
    return {k: v for k, v in params.items() if v is not None}


def _rows(where: str, sql: str) -> list[tuple[Any, ...]]:
    """Committed rows: `where` is an SQLite file or a PostgreSQL database name."""
    if not ON_POSTGRES:
        with closing(sqlite3.connect(where)) as db:
            return db.execute(sql).fetchall()
    with psycopg.connect(**_pg_params(connection.settings_dict, where)) as db:
        return db.execute(sql).fetchall()  # type: ignore[arg-type]


def _source() -> str:
    return str(connection.settings_dict["NAME"])


@dataclass
class Target:
    where: str
    url: str
    media: Path
    env: dict[str, str]

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "registry.cli", *args],
            cwd=REPO,
            env={**self.env, "DATABASE_URL": self.url, "BACKUP_TEST_MEDIA_ROOT": str(self.media)},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return _rows(self.where, sql)

    def execute(self, sql: str) -> None:
        if ON_POSTGRES:
            with psycopg.connect(**_pg_params(connection.settings_dict, self.where), autocommit=True) as pg:
                pg.execute(sql)  # type: ignore[arg-type]
            return
        with closing(sqlite3.connect(self.where)) as db, db:
            db.execute(sql)

    def count(self, table: str) -> int:
        return int(self.rows(f'SELECT count(*) FROM "{table}"')[0][0])  # noqa: S608


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str], list[str]]]:
    """One empty database migrated by `registry migrate`, copied for every restore."""
    root = tmp_path_factory.mktemp("restore-template")
    (root / f"{SETTINGS_MODULE}.py").write_text(SETTINGS_TEXT)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "PYTHONPATH": os.pathsep.join([str(root), str(REPO)]),
        "BACKUP_TEST_MEDIA_ROOT": str(root / "media"),
    }
    if ON_POSTGRES:
        name = f"registry_bk_tpl_{os.getpid()}"
        url = _pg_url(name)
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    else:
        name = str(root / "template.sqlite3")
        url = f"sqlite:///{name}"
    done = subprocess.run(
        [sys.executable, "-m", "registry.cli", "migrate", "-v0"],
        cwd=REPO,
        env={**env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    copies: list[str] = []
    yield name, env, copies
    if ON_POSTGRES:
        # Dropped together at the end: each DROP DATABASE waits for a checkpoint.
        with _admin() as admin:
            for db in [*copies, name]:
                admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _admin() -> psycopg.Connection[Any]:
    return psycopg.connect(**_pg_params(connection.settings_dict, "postgres"), autocommit=True)


def _pg_url(name: str) -> str:
    return urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()


_copies = itertools.count(1)


@pytest.fixture
def fresh_target(_template: tuple[str, dict[str, str], list[str]], tmp_path: Path) -> Target:
    template, env, copies = _template
    media = tmp_path / "target-media"
    if not ON_POSTGRES:
        path = tmp_path / "target.sqlite3"
        with closing(sqlite3.connect(template)) as src, closing(sqlite3.connect(path)) as dst:
            src.backup(dst)
        return Target(str(path), f"sqlite:///{path}", media, env)
    name = f"registry_bk_{os.getpid()}_{next(_copies)}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    copies.append(name)
    return Target(name, _pg_url(name), media, env)


@pytest.fixture
def source_media(settings: Any, tmp_path: Path) -> Path:
    media = tmp_path / "source-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    return media


# --- writing through the services ------------------------------------------------------------


def _photo(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (36, 44), (seed * 37 % 256, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def _fakes(n: int, seed: int = 7) -> list[Any]:
    stream = synthetic_people(random.Random(seed), {TIANHE: "广州", YUEXIU: "广州"}, date(2026, 11, 1))
    return list(itertools.islice((f for f in stream if f.category == "1"), n))


def _create(agency: Agency, fake: Any) -> Person:
    return person_create(
        actor=None,
        agency=agency,
        identity={
            "document_type": "resident_id",
            "archive_no": fake.archive_no,
            "name": fake.name,
            "mobile": fake.mobile,
            "ethnicity": "01",
        },
        category="1",
        education=fake.education,
        work=fake.work,
    )


class Writer(threading.Thread):
    """Keeps creating people, updating them and storing their photos until told to stop."""

    def __init__(self, agency_code: str, fakes: list[Any]):
        super().__init__(daemon=True)
        self.agency_code, self.fakes = agency_code, fakes
        self.writes = 0
        self.error: BaseException | None = None
        self.halt = threading.Event()

    def run(self) -> None:
        try:
            agency = Agency.objects.get(code=self.agency_code)
            made: list[Person] = []
            fakes = iter(self.fakes)
            for step in itertools.count():
                if self.halt.is_set():
                    break
                if step % 3 == 2 and made:
                    person = made[step % len(made)]
                    person_update(
                        actor=None, person=person, changes={"identity": {"mobile": next(fakes).mobile}}
                    )
                elif step % 5 == 4 and made:
                    person = made[-1]
                    document_store(
                        actor=None, owner_uid=person.uid, kind="photo", files=[("p.jpg", _photo(step))]
                    )
                else:
                    made.append(_create(agency, next(fakes)))
                self.writes += 1
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()

    def wait_for(self, writes: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.writes < writes and self.error is None:
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.01)
        assert self.error is None, self.error


def _latest_versions(outbox: list[tuple[Any, ...]]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for _, person_uid, version, _ in sorted(outbox):
        versions[uuid.UUID(str(person_uid)).hex] = int(version)
    return versions


def _normalise(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(uuid.UUID(str(v)).hex if isinstance(v, uuid.UUID) else v for v in row) for row in rows]


# --- the required property: a backup taken under load restores to its own point in time ---


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_taken_while_writing_restores_the_state_at_its_snapshot(
    agency: Callable[[str], Agency], source_media: Path, fresh_target: Target, tmp_path: Path
) -> None:
    county = agency(TIANHE)
    fakes = _fakes(400)
    first = _create(county, fakes.pop())
    document_store(actor=None, owner_uid=first.uid, kind="photo", files=[("p.jpg", _photo(1))])
    outbox_before = OutboxEvent.objects.count()

    writer = Writer(TIANHE, fakes)
    writer.start()
    try:
        writer.wait_for(8)
        lines: list[str] = []
        result = backup_create(tmp_path / "backups", progress=lines.append)
        writer.wait_for(writer.writes + 8)  # and writes go on after the snapshot
    finally:
        writer.halt.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert any("快照完成" in line for line in lines)

    manifest = result.manifest
    audit_at = manifest["counters"]["audit"]["value"]
    outbox_at = manifest["counters"]["outbox"]["value"]
    assert outbox_at > outbox_before  # the snapshot fell among the writes ...
    assert OutboxEvent.objects.filter(seq__gt=outbox_at).exists()  # ... not after them

    declined = fresh_target.run("restore", str(result.path), stdin="no\n")
    assert declined.returncode != 0 and "输入 yes 继续" in declined.stdout and "已取消" in declined.stderr
    assert fresh_target.count("people_person") == 0

    done = fresh_target.run("restore", str(result.path), "--noinput")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "恢复完成" in done.stdout and "校验通过" in done.stdout
    verified = fresh_target.run("audit", "verify")
    assert verified.returncode == 0, verified.stderr + verified.stdout

    source, target = _source(), fresh_target
    audit_sql = "SELECT seq, action, hash FROM audit_auditevent WHERE seq <= {} ORDER BY seq"
    assert target.rows(audit_sql.format(audit_at)) == _rows(source, audit_sql.format(audit_at))
    after = target.rows(f"SELECT seq, action FROM audit_auditevent WHERE seq > {audit_at}")  # noqa: S608
    assert after == [(audit_at + 1, "ops.restore")]  # appended after the load, extending the chain

    outbox_sql = (
        "SELECT seq, person_uid, person_version, kind FROM audit_outboxevent WHERE seq <= {} ORDER BY seq"
    )
    source_outbox = _normalise(_rows(source, outbox_sql.format(outbox_at)))
    assert _normalise(target.rows(outbox_sql.format(outbox_at))) == source_outbox
    assert target.count("audit_outboxevent") == outbox_at

    # Every person exactly at the version the snapshot saw, and nobody created after it.
    restored = {uuid.UUID(str(u)).hex: v for u, v in target.rows("SELECT uid, version FROM people_person")}
    assert restored == _latest_versions(source_outbox)
    people_sql = "SELECT * FROM people_person ORDER BY id"
    unchanged = {uid for uid, v in restored.items() if Person.objects.get(uid=uid).version == v}
    assert unchanged
    source_people = [r for r in _normalise(_rows(source, people_sql)) if r[1] in unchanged]
    assert [r for r in _normalise(target.rows(people_sql)) if r[1] in unchanged] == source_people

    # Every document row of the snapshot has its blob back, byte for byte.
    stored = target.rows("SELECT storage_name FROM documents_document")
    assert len(stored) == manifest["tables"]["documents_document"] >= 1
    for (name,) in stored:
        assert (fresh_target.media / name).read_bytes() == (source_media / name).read_bytes()
    for table, expected in manifest["tables"].items():
        if table not in {"audit_auditevent", "audit_counter"}:  # the restore's own event is one more
            assert target.count(table) == expected, table


# --- what the archive says about itself ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_manifest_describes_the_snapshot_and_the_archive_hides_the_data(
    agency: Callable[[str], Agency], source_media: Path, tmp_path: Path
) -> None:
    fake = _fakes(1, seed=11)[0]
    person = _create(agency(YUEXIU), fake)
    document_store(actor=None, owner_uid=person.uid, kind="photo", files=[("p.jpg", _photo(3))])
    head = AuditEvent.objects.order_by("-seq").first()
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "b"), stdout=out)
    (path,) = (tmp_path / "b").iterdir()
    assert path.name.startswith("registry-backup-") and path.suffix == ".rbk"
    assert path.stat().st_mode & 0o777 == 0o600
    assert "备份完成" in out.getvalue() and "密钥" in out.getvalue()

    blob = path.read_bytes()
    assert fake.name.encode() not in blob and person.archive_masked.encode() not in blob

    manifest = archive_verify(path, tmp_path, stage_database=False).manifest
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["spec_version"] == SPEC_VERSION and manifest["app_version"]
    assert manifest["created_at"].endswith("Z") and manifest["key_id"] == "01"
    recorder = MigrationRecorder(connection).applied_migrations()
    latest: dict[str, str] = {}
    for app, name in recorder:
        latest[app] = max(latest.get(app, ""), name)
    assert manifest["migrations"] == latest
    assert manifest["tables"]["people_person"] == 1 and manifest["tables"]["documents_document"] == 1
    assert manifest["tables"]["orgs_agency"] == Agency.objects.count()
    assert manifest["counters"]["audit"] == {"value": head.seq, "digest": head.hash}
    assert manifest["documents"]["count"] == 1 and manifest["members"]["count"] == 2
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "ops.backup" and event.object_id == path.name and event.actor_id is None
    assert event.seq == head.seq + 1 and event.data["rows"] == sum(manifest["tables"].values())


@pytest.mark.django_db
def test_backup_task_runs_the_backup(tmp_path: Path) -> None:
    from registry.ops.backup.tasks import backup_task

    result = backup_task.enqueue(str(tmp_path), keep=3)
    assert Path(str(result.return_value)).parent == tmp_path


# --- refusals ----------------------------------------------------------------------------------


@pytest.fixture
def small_backup(db: Any, tmp_path: Path) -> Path:
    """A backup of the committed state (the agency tree); enough for the refusals."""
    return backup_create(tmp_path / "backups").path


def _verify(path: Path) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(path), verify_only=True, stdout=io.StringIO())
    return str(caught.value)


def test_verify_only_accepts_a_good_backup(small_backup: Path) -> None:
    out = io.StringIO()
    call_command("restore", str(small_backup), verify_only=True, stdout=out)
    assert "备份完好" in out.getvalue()


def test_wrong_key_is_refused(small_backup: Path, settings: Any) -> None:
    settings.REGISTRY_DATA_KEYS = ["01" + "55" * 16]
    assert "密钥" in _verify(small_backup)
    settings.REGISTRY_DATA_KEYS = ["09" + "55" * 16]
    message = _verify(small_backup)
    assert "编号为 01" in message and "REGISTRY_DATA_KEYS" in message


def test_truncated_backup_is_refused(small_backup: Path, tmp_path: Path) -> None:
    blob = small_backup.read_bytes()
    cut = tmp_path / "cut.rbk"
    # A cut exactly between frames is covered in test_backup_archive (this backup is one frame).
    for end in (HEADER_BYTES, len(blob) // 2, len(blob) - 1):
        cut.write_bytes(blob[:end])
        assert "不完整" in _verify(cut)


def test_restore_into_a_database_with_data_is_refused(small_backup: Path, make_person: Any) -> None:
    make_person()
    people, events = Person.objects.count(), AuditEvent.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(small_backup), interactive=False, stdout=io.StringIO())
    assert "不是空的" in str(caught.value) and "people_person" in str(caught.value)
    assert (Person.objects.count(), AuditEvent.objects.count()) == (people, events)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_damaged_backup_or_another_schema_is_refused_and_nothing_is_written(
    agency: Callable[[str], Agency], source_media: Path, fresh_target: Target, tmp_path: Path
) -> None:
    person = _create(agency(TIANHE), _fakes(1, seed=5)[0])
    document_store(actor=None, owner_uid=person.uid, kind="photo", files=[("p.jpg", _photo(9))])
    good = backup_create(tmp_path / "backups").path
    blob = bytearray(good.read_bytes())
    blob[-200] ^= 0x40  # in the last frame, after the documents: nothing may be written first
    bad = tmp_path / "tampered.rbk"
    bad.write_bytes(bytes(blob))

    assert "损坏或被改动" in _verify(bad)
    done = fresh_target.run("restore", str(bad), "--noinput")
    assert done.returncode != 0 and "损坏或被改动" in done.stderr

    # A target one migration behind the backup's code.
    sql = "DELETE FROM django_migrations WHERE app = 'talents' AND name = '0002_seed_programmes'"
    fresh_target.execute(sql)
    done = fresh_target.run("restore", str(good), "--noinput")
    assert done.returncode != 0 and "迁移状态" in done.stderr and "talents" in done.stderr

    for table in ("people_person", "orgs_agency", "documents_document", "audit_auditevent"):
        assert fresh_target.count(table) == 0, table
    assert not fresh_target.media.exists() or not any(fresh_target.media.rglob("*.bin"))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_count_that_disagrees_with_the_manifest_rolls_the_whole_load_back(
    agency: Callable[[str], Agency],
    source_media: Path,
    fresh_target: Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _create(agency(TIANHE), _fakes(1, seed=6)[0])
    real = create_module.take_snapshot

    def miscounted(*args: Any) -> Any:
        snap = real(*args)
        snap.tables["people_person"] += 1
        return snap

    monkeypatch.setattr(create_module, "take_snapshot", miscounted)
    path = backup_create(tmp_path / "backups").path
    done = fresh_target.run("restore", str(path), "--noinput")
    assert done.returncode != 0
    assert "people_person 有 1 行，备份清单记录为 2 行" in done.stderr and "已全部撤销" in done.stderr
    for table in ("people_person", "orgs_agency", "audit_auditevent", "audit_counter"):
        assert fresh_target.count(table) == 0, table
    assert fresh_target.count("talents_programme") > 0  # the migration's own rows are back too


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump is used on PostgreSQL only")
def test_missing_pg_dump_is_a_clear_error(db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError) as caught:
        call_command("backup", output=str(tmp_path / "b"), stdout=io.StringIO())
    assert "找不到 pg_dump" in str(caught.value)
    assert not [p for p in (tmp_path / "b").iterdir() if not p.name.startswith(".")]


# --- retention ---------------------------------------------------------------------------------


def _fake_backup(directory: Path, stamp: str) -> Path:
    path = directory / f"registry-backup-{stamp}.rbk"
    path.write_bytes(MAGIC + b"\x00" * 40)
    return path


def test_retention_keeps_the_newest_and_never_touches_other_files(
    db: Any, settings: Any, tmp_path: Path
) -> None:
    out = tmp_path / "backups"
    out.mkdir()
    old = [_fake_backup(out, f"2020010{d}T000000Z") for d in (1, 2, 3)]
    bystanders = [
        out / "notes.txt",
        out / "registry-backup-20200104T000000Z.rbk",  # our name, not our content
        out / ".registry-backup-20200105T000000Z.rbk.partial",
        out / "registry-backup-20200106T000000Z.rbk.bak",
        out / "REGISTRY-BACKUP-20200107T000000Z.RBK",
    ]
    for path in bystanders:
        path.write_bytes(b"not a backup")
    (out / "registry-backup-20200108T000000Z.rbk").symlink_to(old[0])
    (out / "registry-backup-20200109T000000Z.rbk.d").mkdir()

    settings.REGISTRY_BACKUP_KEEP = 2
    out_text = io.StringIO()
    call_command("backup", output=str(out), stdout=out_text)
    assert not old[0].exists() and not old[1].exists() and old[2].exists()
    assert "已删除过期备份：registry-backup-20200101T000000Z.rbk" in out_text.getvalue()
    assert all(p.exists() for p in bystanders)
    assert (out / "registry-backup-20200108T000000Z.rbk").is_symlink()
    newest = max(p for p in out.glob("registry-backup-2*Z.rbk") if not p.is_symlink())
    assert newest.read_bytes().startswith(MAGIC) and newest not in old

    assert prune_backups(out, keep=1) == [old[2]]
    assert newest.exists() and all(p.exists() for p in bystanders)

    with pytest.raises(CommandError, match="至少为 1"):
        call_command("backup", output=str(out), keep=0, stdout=io.StringIO())


def test_a_failed_backup_prunes_nothing_and_leaves_no_partial_file(
    db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "backups"
    out.mkdir()
    old = [_fake_backup(out, f"2020010{d}T000000Z") for d in (1, 2, 3)]

    def broken(tar: Any, *args: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr("registry.ops.backup.create._add", broken)
    with pytest.raises(OSError, match="disk full"):
        call_command("backup", output=str(out), keep=1, stdout=io.StringIO())
    assert sorted(out.iterdir()) == old
    assert not AuditEvent.objects.filter(action="ops.backup").exists()


def test_default_keep_is_fourteen(db: Any, settings: Any, tmp_path: Path) -> None:
    if hasattr(django_settings, "REGISTRY_BACKUP_KEEP"):
        del settings.REGISTRY_BACKUP_KEEP
    out = tmp_path / "backups"
    out.mkdir()
    for day in range(1, 21):
        _fake_backup(out, f"202001{day:02d}T000000Z")
    backup_create(out)
    assert len(list(out.glob("*.rbk"))) == 14
