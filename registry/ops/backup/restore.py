"""`registry restore`: into an EMPTY, migrated instance of the same database vendor only.

Order, so that a refusal changes nothing: the target is checked (empty), the whole archive is
decrypted and every member's SM3 compared with the manifest (the database member is staged in
a work directory, documents are only hashed), the manifest is checked against the target
(vendor, node, migration state, tables); only then are documents written (a second pass,
each re-hashed) and the database loaded in one transaction that also checks every table's
row count and appends the restore's audit event.
"""

from __future__ import annotations

import json
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from registry.audit.services import audit_append

from .create import FORMAT, FORMAT_VERSION, MANIFEST, MEMBERS_INDEX, STORAGE_PREFIX
from .database import (
    Progress,
    load,
    migration_filled_tables,
    target_migrations,
    target_nonempty_tables,
    target_tables,
)
from .stream import BackupError, EncryptedReader

DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MAX_MANIFEST = 64 * 2**20
BLOCK = 1 << 20
SPOOL = 8 * 2**20


def _quiet(_: str) -> None:
    return None


def _copy_hashing(src: IO[bytes], dst: IO[bytes] | None) -> tuple[str, int]:
    digest = hashes.Hash(hashes.SM3())
    size = 0
    while block := src.read(BLOCK):
        digest.update(block)
        size += len(block)
        if dst is not None:
            dst.write(block)
    return digest.finalize().hex(), size


def _mismatch(name: str) -> BackupError:
    return BackupError(
        "restore.digest_mismatch", f"备份内容与清单不符：{name} 的 SM3 摘要或大小不一致，已拒绝恢复"
    )


def _malformed(detail: str) -> BackupError:
    return BackupError("restore.malformed", f"备份文件结构不正确：{detail}")


def storage_name(member: str) -> str:
    """The storage name of a document member; a path that could leave the storage is refused."""
    name = member[len(STORAGE_PREFIX) :]
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise _malformed(f"不安全的文件名 {member!r}")
    return str(PurePosixPath(name))


@dataclass
class Verified:
    manifest: dict[str, Any]
    archive_id: bytes
    database: Path | None
    seen: Path  # what pass one computed, one JSON line a member, already compared with the index


def _open_tar(reader: EncryptedReader) -> tarfile.TarFile:
    try:
        return tarfile.open(fileobj=reader, mode="r|")  # type: ignore[call-overload, no-any-return]
    except tarfile.TarError as exc:
        raise _malformed("无法读取归档内容") from exc


def _compare_index(index: IO[bytes], seen_path: Path) -> tuple[str, int]:
    digest = hashes.Hash(hashes.SM3())
    count = 0
    with seen_path.open("rb") as seen:
        for line in iter(index.readline, b""):
            digest.update(line)
            count += 1
            mine = seen.readline()
            try:
                expected = json.loads(line)
            except ValueError as exc:
                raise _malformed("成员清单不是有效的 JSON") from exc
            if not mine or json.loads(mine) != expected:
                raise _mismatch(str(expected.get("name", "?")) if isinstance(expected, dict) else "?")
        extra = seen.readline()
        if extra:
            raise _malformed(f"{json.loads(extra)['name']} 不在成员清单中")
    return digest.finalize().hex(), count


def _verify_manifest(
    manifest: Any, index_sm3: str, index_count: int, database: dict[str, Any]
) -> dict[str, Any]:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _malformed("缺少有效的 manifest.json")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            "restore.format_version",
            f"备份格式版本 {manifest.get('format_version')} 不受本版本支持（支持 {FORMAT_VERSION}）",
        )
    members = manifest.get("members") or {}
    if members.get("sm3") != index_sm3 or members.get("count") != index_count:
        raise _mismatch(MEMBERS_INDEX)
    db = manifest.get("database") or {}
    if (
        db.get("member") != database["name"]
        or db.get("sm3") != database["sm3"]
        or db.get("size") != database["size"]
    ):
        raise _mismatch(database["name"])
    if not isinstance(manifest.get("tables"), dict) or not isinstance(manifest.get("migrations"), dict):
        raise _malformed("清单缺少表或迁移信息")
    return manifest


def archive_verify(
    path: Path, workdir: Path, progress: Progress = _quiet, *, stage_database: bool
) -> Verified:
    """Decrypt everything and compare every member with the manifest; writes only into `workdir`."""
    seen_path = workdir / "seen.jsonl"
    database: dict[str, Any] | None = None
    staged: Path | None = None
    index: tuple[str, int] | None = None
    manifest: dict[str, Any] | None = None
    documents = 0
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise BackupError("restore.unreadable", f"无法读取备份文件 {path}：{exc.strerror}") from exc
    with raw, seen_path.open("w", encoding="utf-8") as seen:
        reader = EncryptedReader(raw)
        tar = _open_tar(reader)
        try:
            for member in tar:
                if manifest is not None:
                    raise _malformed("manifest.json 之后还有内容")
                if not member.isreg():
                    raise _malformed(f"{member.name!r} 不是普通文件")
                fh = tar.extractfile(member)
                assert fh is not None
                if member.name == MANIFEST:
                    if index is None or database is None:
                        raise _malformed("manifest.json 出现得过早")
                    body = fh.read(MAX_MANIFEST + 1)
                    if len(body) > MAX_MANIFEST:
                        raise _malformed("manifest.json 过大")
                    try:
                        parsed = json.loads(body)
                    except ValueError as exc:
                        raise _malformed("manifest.json 不是有效的 JSON") from exc
                    manifest = _verify_manifest(parsed, index[0], index[1], database)
                elif member.name == MEMBERS_INDEX:
                    if index is not None or database is None:
                        raise _malformed("成员清单的位置不对")
                    seen.flush()
                    index = _compare_index(fh, seen_path)
                elif index is not None:
                    raise _malformed(f"{member.name!r} 出现在成员清单之后")
                elif member.name in DATABASE_MEMBERS.values():
                    if database is not None or documents:
                        raise _malformed("数据库必须是第一个且唯一的成员")
                    staged = workdir / member.name if stage_database else None
                    progress("  校验数据库……")
                    if staged is not None:
                        with staged.open("wb") as out:
                            digest, size = _copy_hashing(fh, out)
                    else:
                        digest, size = _copy_hashing(fh, None)
                    database = {"name": member.name, "size": size, "sm3": digest}
                    seen.write(json.dumps(database, sort_keys=True) + "\n")
                elif member.name.startswith(STORAGE_PREFIX) and database is not None:
                    storage_name(member.name)
                    digest, size = _copy_hashing(fh, None)
                    seen.write(
                        json.dumps({"name": member.name, "size": size, "sm3": digest}, sort_keys=True) + "\n"
                    )
                    documents += 1
                    if documents % 1000 == 0:
                        progress(f"  已校验证明材料 {documents} 个")
                else:
                    raise _malformed(f"未知的成员 {member.name!r}")
        except tarfile.TarError as exc:
            raise _malformed("归档内容损坏") from exc
        reader.drain()
    if manifest is None:
        raise _malformed("缺少 manifest.json")
    return Verified(manifest=manifest, archive_id=reader.archive_id, database=staged, seen=seen_path)


def _check_target(manifest: dict[str, Any], tables: list[str]) -> None:
    vendor = manifest["database"].get("vendor")
    if vendor != connection.vendor:
        raise BackupError(
            "restore.vendor",
            f"备份来自 {VENDOR_NAMES.get(vendor, vendor)} 数据库，本实例使用 "
            f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)}：恢复只支持同一种数据库，"
            "不能在 SQLite 与 PostgreSQL 之间恢复",
        )
    for key, label in (("role", "REGISTRY_ROLE"), ("agency_code", "REGISTRY_AGENCY_CODE")):
        theirs, mine = manifest.get(key), getattr(settings, label)
        if theirs != mine:
            raise BackupError(
                "restore.node",
                f"备份属于 {label}={theirs} 的节点，本实例配置为 {label}={mine}：请使用相同的节点配置恢复",
            )
    mine = target_migrations()
    theirs = manifest["migrations"]
    if mine != theirs:
        diffs = [
            f"{app}：备份为 {theirs.get(app, '（无）')}，本实例为 {mine.get(app, '（无）')}"
            for app in sorted(set(mine) | set(theirs))
            if mine.get(app) != theirs.get(app)
        ]
        raise BackupError(
            "restore.migrations",
            "本实例的数据库迁移状态与备份不同，拒绝恢复。请安装与备份相同的应用版本"
            f"（{manifest.get('app_version')}）并运行 registry migrate。差异：" + "；".join(diffs[:10]),
        )
    if set(tables) != set(manifest["tables"]):
        only_theirs = sorted(set(manifest["tables"]) - set(tables))
        only_mine = sorted(set(tables) - set(manifest["tables"]))
        raise BackupError(
            "restore.tables",
            f"本实例的数据表与备份不同（仅备份有：{', '.join(only_theirs) or '无'}；"
            f"仅本实例有：{', '.join(only_mine) or '无'}）",
        )


def _restore_documents(path: Path, verified: Verified, progress: Progress) -> int:
    """Second pass: each document is re-hashed before it is stored under its original name."""
    count = verified.manifest["documents"]["count"]
    if not count:
        return 0
    written = 0
    with path.open("rb") as raw, verified.seen.open(encoding="utf-8") as seen:
        reader = EncryptedReader(raw)
        if reader.archive_id != verified.archive_id:
            raise BackupError("restore.replaced", "备份文件在校验之后被替换，已停止恢复")
        tar = _open_tar(reader)
        seen.readline()  # the database's line
        for member in tar:
            if not member.name.startswith(STORAGE_PREFIX):
                if member.name == MEMBERS_INDEX:
                    break
                continue
            expected = json.loads(seen.readline())
            fh = tar.extractfile(member)
            assert fh is not None
            name = storage_name(member.name)
            with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
                digest, size = _copy_hashing(fh, spool)  # type: ignore[arg-type]
                if expected != {"name": member.name, "size": size, "sm3": digest}:
                    raise _mismatch(member.name)
                if default_storage.exists(name):
                    with default_storage.open(name, "rb") as present:
                        if _copy_hashing(present, None) != (digest, size):
                            raise BackupError(
                                "restore.storage_conflict",
                                f"文件存储中已有同名但内容不同的文件 {name}：请使用空的文件存储恢复",
                            )
                else:
                    spool.seek(0)
                    saved = default_storage.save(name, File(spool, name=PurePosixPath(name).name))
                    if saved != name:
                        raise BackupError(
                            "restore.storage_name", f"文件存储把 {name} 存成了 {saved}，已停止恢复"
                        )
            written += 1
            if written % 1000 == 0:
                progress(f"  已恢复证明材料 {written}/{count}")
    if written != count:
        raise _malformed(f"证明材料数量为 {written}，清单为 {count}")
    return written


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    rows: int
    documents: int


def restore_archive(
    path: Path,
    *,
    confirm: Callable[[dict[str, Any]], bool] | None = None,
    progress: Progress = _quiet,
    workdir: Path | None = None,
) -> RestoreResult:
    if connection.vendor not in DATABASE_MEMBERS:
        raise BackupError("restore.vendor", f"不支持恢复到 {connection.vendor} 数据库")
    tables = target_tables()
    if not set(migration_filled_tables()) & set(tables):
        raise BackupError("restore.not_migrated", "目标数据库尚未建立数据表：请先运行 registry migrate")
    busy = target_nonempty_tables(tables)
    if busy:
        raise BackupError(
            "restore.not_empty",
            f"目标数据库不是空的（{'、'.join(busy[:8])}{' 等' if len(busy) > 8 else ''} 已有数据），"
            "拒绝恢复："
            "恢复只能在新建并已运行 registry migrate、尚未载入任何数据的实例上进行",
        )
    with tempfile.TemporaryDirectory(prefix="registry-restore-", dir=workdir) as tmp:
        progress(f"正在解密并校验备份文件 {path.name}……")
        verified = archive_verify(path, Path(tmp), progress, stage_database=True)
        manifest = verified.manifest
        rows = sum(int(n) for n in manifest["tables"].values())
        progress(f"校验通过：创建于 {manifest['created_at']}，{len(manifest['tables'])} 个表，{rows} 行")
        _check_target(manifest, tables)
        if confirm is not None and not confirm(manifest):
            raise BackupError("restore.cancelled", "已取消，未作任何改动")
        documents = _restore_documents(path, verified, progress)
        if documents:
            progress(f"证明材料已恢复：{documents} 个")
        assert verified.database is not None
        counters = manifest.get("counters", {})

        def journal() -> None:
            # Appended after the load: the restored chain is the backup's, and this event extends it.
            audit_append(
                actor=None,
                action="ops.restore",
                object_type="backup",
                object_id=path.name,
                data={
                    "created_at": manifest["created_at"],
                    "vendor": connection.vendor,
                    "rows": rows,
                    "documents": documents,
                    "audit_seq": counters.get("audit", {}).get("value", 0),
                    "outbox_seq": counters.get("outbox", {}).get("value", 0),
                },
            )

        try:
            load(verified.database, manifest["tables"], progress, journal)
        except BackupError as exc:
            if documents:
                raise BackupError(
                    exc.code,
                    f"{exc.message}。已写入的 {documents} 个证明材料文件没有对应记录："
                    "可直接重试恢复（相同的文件会跳过），或用 documents_sweep 清理",
                ) from exc
            raise
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # ids may differ from those cached before the load
    return RestoreResult(manifest=manifest, rows=rows, documents=documents)
