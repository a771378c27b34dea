"""`registry backup`: one encrypted archive holding a consistent database snapshot, the uploaded
documents that snapshot refers to, and a manifest; then retention.

Archive members, in order: the database (`database.sqlite3` or `database.pgdump`), every
document as `storage/<storage name>`, `members.jsonl` (name, size and SM3 of each member
above, one a line so millions of documents never sit in memory) and `manifest.json`.
"""

from __future__ import annotations

import json
import os
import re
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from registry.audit.services import audit_append
from registry.standard import SPEC_VERSION

from .database import Progress, Snapshot, take_snapshot
from .stream import MAGIC, BackupError, EncryptedWriter

FORMAT = "registry-backup"
FORMAT_VERSION = 1
STORAGE_PREFIX = "storage/"
MEMBERS_INDEX = "members.jsonl"
MANIFEST = "manifest.json"
DEFAULT_KEEP = 14
BACKUP_NAME = re.compile(r"^registry-backup-\d{8}T\d{6}Z\.rbk$")
MISSING_LISTED = 1000


def _quiet(_: str) -> None:
    return None


def app_version() -> str:
    try:
        return metadata.version("accountant-registry")
    except metadata.PackageNotFoundError:
        return "unknown"


def backup_name(at: datetime) -> str:
    return f"registry-backup-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}.rbk"


class _Hashing:
    """Passes reads through and digests exactly the bytes that went into the archive."""

    def __init__(self, fh: IO[bytes]):
        self._fh = fh
        self._hash = hashes.Hash(hashes.SM3())
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.finalize().hex()


def _add(tar: tarfile.TarFile, name: str, fh: IO[bytes], size: int, mtime: float) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    hashing = _Hashing(fh)
    tar.addfile(info, hashing)  # reads exactly `size` bytes or raises
    return {"name": name, "size": size, "sm3": hashing.hexdigest()}


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"


@dataclass
class BackupResult:
    path: Path
    size: int
    sm3: str
    manifest: dict[str, Any]
    pruned: list[Path] = field(default_factory=list)


def _write_archive(
    writer: EncryptedWriter, snap: Snapshot, started: datetime, workdir: Path, progress: Progress
) -> dict[str, Any]:
    mtime = started.timestamp()
    index_path = workdir / MEMBERS_INDEX
    missing: list[str] = []
    stored = stored_bytes = 0
    with (
        tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar,  # type: ignore[call-overload]
        index_path.open("w", encoding="utf-8") as index,
    ):
        with snap.path.open("rb") as fh:
            database = _add(tar, snap.member, fh, snap.path.stat().st_size, mtime)
        index.write(_line(database))
        progress(f"数据库已写入备份（{database['size'] / 2**20:.1f} MB）")
        assert snap.documents is not None
        with snap.documents.open(encoding="utf-8") as names:
            for line in names:
                name = line.rstrip("\n")
                try:
                    size = default_storage.size(name)
                    blob = default_storage.open(name, "rb")
                except FileNotFoundError:
                    # A row whose blob is gone is a fault of the live system, not of the backup:
                    # record it and go on, so one lost file does not cost the whole backup.
                    missing.append(name)
                    continue
                with blob:
                    entry = _add(tar, STORAGE_PREFIX + name, blob, size, mtime)
                index.write(_line(entry))
                stored += 1
                stored_bytes += size
                if stored % 1000 == 0:
                    progress(f"  证明材料 {stored}/{snap.document_count}")
        progress(f"证明材料已写入备份：{stored} 个（{stored_bytes / 2**20:.1f} MB）")
        index.close()
        with index_path.open("rb") as fh:
            members = _add(tar, MEMBERS_INDEX, fh, index_path.stat().st_size, mtime)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": started.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "app_version": app_version(),
            "spec_version": SPEC_VERSION,
            "role": settings.REGISTRY_ROLE,
            "agency_code": settings.REGISTRY_AGENCY_CODE,
            "key_id": settings.REGISTRY_DATA_KEYS[0][:2],
            "database": {
                "vendor": snap.vendor,
                "server_version": snap.server_version,
                "member": snap.member,
                "size": database["size"],
                "sm3": database["sm3"],
            },
            "migrations": snap.migrations,
            "tables": snap.tables,
            "counters": snap.counters,
            "documents": {
                "count": stored,
                "bytes": stored_bytes,
                "missing_count": len(missing),
                "missing": missing[:MISSING_LISTED],
            },
            "members": {"index": MEMBERS_INDEX, "count": stored + 1, "sm3": members["sm3"]},
        }
        body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), mtime, 0o600
        with tempfile.TemporaryFile() as fh:
            fh.write(body)
            fh.seek(0)
            tar.addfile(info, fh)
    return manifest


def backup_create(output: Path, *, keep: int | None = None, progress: Progress = _quiet) -> BackupResult:
    keep = int(getattr(settings, "REGISTRY_BACKUP_KEEP", DEFAULT_KEEP)) if keep is None else keep
    if keep < 1:
        raise BackupError("backup.keep", "保留的备份数至少为 1")
    if not settings.REGISTRY_DATA_KEYS:
        raise BackupError("backup.no_key", "没有配置数据密钥 REGISTRY_DATA_KEYS，无法加密备份")
    output.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    name = backup_name(started)
    final = output / name
    if final.exists():
        raise BackupError("backup.exists", f"{final} 已存在：同一秒内只能生成一个备份，请稍后再试")
    partial = output / f".{name}.partial"
    # The work files (the database copy) go next to the backups: that volume is sized for them.
    with tempfile.TemporaryDirectory(dir=output, prefix=".registry-backup-work-") as tmp:
        snap = take_snapshot(Path(tmp), progress)
        rows = sum(snap.tables.values())
        progress(f"快照完成：{len(snap.tables)} 个表，{rows} 行，证明材料 {snap.document_count} 个")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw:
                writer = EncryptedWriter(raw)
                manifest = _write_archive(writer, snap, started, Path(tmp), progress)
                writer.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, final)
            _fsync_dir(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    result = BackupResult(path=final, size=writer.size, sm3=writer.sm3(), manifest=manifest)
    documents = manifest["documents"]
    with transaction.atomic():
        audit_append(
            actor=None,
            action="ops.backup",
            object_type="backup",
            object_id=name,
            data={
                "size": result.size,
                "sm3": result.sm3,
                "vendor": snap.vendor,
                "rows": rows,
                "documents": documents["count"],
                "documents_missing": documents["missing_count"],
                "audit_seq": snap.counters.get("audit", {}).get("value", 0),
                "outbox_seq": snap.counters.get("outbox", {}).get("value", 0),
            },
        )
    result.pruned = prune_backups(output, keep=keep, current=final)
    return result


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_backup(path: Path) -> bool:
    """Named like one of ours, a regular file (not a link) and starting with our header."""
    if not BACKUP_NAME.match(path.name) or path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def prune_backups(directory: Path, *, keep: int, current: Path | None = None) -> list[Path]:
    """Delete all but the newest `keep` backups in `directory`; nothing else is ever touched."""
    if keep < 1:
        raise BackupError("backup.keep", "保留的备份数至少为 1")
    backups = sorted((p for p in directory.iterdir() if is_backup(p)), key=lambda p: p.name, reverse=True)
    doomed = [p for p in backups[keep:] if current is None or p.resolve() != current.resolve()]
    for path in doomed:
        path.unlink()
    return doomed
