"""The database half of a backup: a consistent snapshot taken while the node serves, and its
loading into an empty instance. Both vendors answer the same questions (tables, row counts,
counters, migration state, document names) from the SAME snapshot the data comes from.

SQLite: the online backup API copies the file in one step, holding one read transaction;
in WAL mode writers go on meanwhile. PostgreSQL: a REPEATABLE READ transaction exports its
snapshot; `pg_dump --snapshot` dumps exactly that snapshot while we count in it.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.backends.postgresql.client import DatabaseClient

from registry.audit.models import Counter
from registry.documents.models import Document

from .stream import BackupError

Progress = Callable[[str], None]

# Tables a fresh `registry migrate` fills by itself: Django's bookkeeping and reference data
# seeded by data migrations. A target with rows anywhere else is not empty. An app that adds
# a data migration adds its model here.
MIGRATION_FILLED_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
MIGRATION_SEEDED_MODELS = ("talents.Programme",)

_PG_TABLES = """
    SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    ORDER BY c.relname
"""
_SQLITE_TABLES = (
    "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
)
_COUNT_MARK = "registry-restore-count"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select(columns: str, table: str, tail: str = "", schema: str = "") -> str:
    """Table names come from the database's own catalogue or our models, quoted; never from input."""
    prefix = f"{schema}." if schema else ""
    return f"SELECT {columns} FROM {prefix}{quote(table)}{tail}"  # noqa: S608


def migration_filled_tables() -> frozenset[str]:
    from django.apps import apps

    seeded = set()
    for label in MIGRATION_SEEDED_MODELS:
        try:
            seeded.add(apps.get_model(label)._meta.db_table)
        except LookupError:
            continue
    return MIGRATION_FILLED_TABLES | seeded


def latest_migrations(rows: Iterable[tuple[str, str]]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in rows:
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


@dataclass
class Snapshot:
    vendor: str
    member: str
    path: Path
    server_version: str
    tables: dict[str, int] = field(default_factory=dict)
    counters: dict[str, dict[str, Any]] = field(default_factory=dict)
    migrations: dict[str, str] = field(default_factory=dict)
    documents: Path | None = None  # one storage name a line, sorted
    document_count: int = 0


def take_snapshot(workdir: Path, progress: Progress) -> Snapshot:
    if connection.vendor == "sqlite":
        return _sqlite_snapshot(workdir, progress)
    if connection.vendor == "postgresql":
        return _pg_snapshot(workdir, progress)
    raise BackupError(
        "backup.vendor", f"不支持备份 {connection.vendor} 数据库（只支持 SQLite 和 PostgreSQL）"
    )


def _write_names(path: Path, names: Iterator[tuple[Any, ...]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for (name,) in names:
            fh.write(f"{name}\n")
            count += 1
    return count


def _sqlite_file() -> Path:
    name = str(connection.settings_dict["NAME"] or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        raise BackupError("backup.memory_db", "内存中的 SQLite 数据库无法备份（请使用数据库文件）")
    path = Path(name)
    if not path.is_file():
        raise BackupError("backup.no_db_file", f"找不到数据库文件 {path}")
    return path


def _sqlite_snapshot(workdir: Path, progress: Progress) -> Snapshot:
    source = _sqlite_file()
    copy = workdir / "database.sqlite3"
    progress(f"正在复制 SQLite 数据库快照（{source.stat().st_size / 2**20:.1f} MB）……")
    # A connection of our own, never Django's: the snapshot must see committed data only,
    # whatever transaction the caller is in.
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)  # pages=-1: one step, one read transaction, hence one consistent state
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file in the archive
    snap = Snapshot(
        vendor="sqlite", member="database.sqlite3", path=copy, server_version=sqlite3.sqlite_version
    )
    with closing(sqlite3.connect(copy)) as db:
        for (table,) in db.execute(_SQLITE_TABLES.format(schema="main")).fetchall():
            snap.tables[table] = db.execute(select("count(*)", table)).fetchone()[0]
        snap.counters = _counters(db.execute(select("name, value, digest", Counter._meta.db_table)))
        snap.migrations = latest_migrations(db.execute("SELECT app, name FROM django_migrations"))
        snap.documents = workdir / "documents.txt"
        snap.document_count = _write_names(
            snap.documents,
            db.execute(select("storage_name", Document._meta.db_table, " ORDER BY storage_name")),
        )
    return snap


def _counters(rows: Iterable[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    return {str(name): {"value": int(value), "digest": str(digest or "")} for name, value, digest in rows}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"backup.no_{name}",
            f"找不到 {name}：请安装与数据库服务器同版本或更新的 PostgreSQL 客户端程序"
            f"（Debian：apt-get install postgresql-client），并确保 {name} 在 PATH 中",
        )
    return path


def _pg_command(tool: str, parameters: list[str]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments exactly as `dbshell` builds them; the password goes in the environment."""
    args, env = DatabaseClient.settings_to_cmd_args_env(connection.settings_dict, parameters)
    return [tool, *args[1:]], {**os.environ, **(env or {})}


def _pg_connect() -> psycopg.Connection[Any]:
    params = connection.get_connection_params()
    return psycopg.connect(**params, autocommit=True)


def _tail(path: Path, limit: int = 2000) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text.strip()[-limit:]


def _pg_snapshot(workdir: Path, progress: Progress) -> Snapshot:
    pg_dump = _tool("pg_dump")
    out = workdir / "database.pgdump"
    errors = workdir / "pg_dump.err"
    with _pg_connect() as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot_id = str(conn.execute("SELECT pg_catalog.pg_export_snapshot()").fetchone()[0])  # type: ignore[index]
        version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        tables = conn.execute(_PG_TABLES).fetchall()
        args, env = _pg_command(
            pg_dump,
            [
                "--no-password",
                "--format=custom",
                "--data-only",
                "--no-owner",
                "--no-privileges",
                "--strict-names",
                f"--snapshot={snapshot_id}",
                f"--file={out}",
                *(f"--table={quote(schema)}.{quote(name)}" for schema, name in tables),
            ],
        )
        progress(f"正在用 pg_dump 导出 PostgreSQL 快照（{len(tables)} 个表）……")
        with errors.open("wb") as err:
            # The exporting transaction stays open until pg_dump is done: it holds the snapshot.
            dump = subprocess.Popen(  # noqa: S603
                args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
            )
            try:
                snap = Snapshot(
                    vendor="postgresql", member="database.pgdump", path=out, server_version=version
                )
                for _, table in tables:
                    row = conn.execute(select("count(*)", table)).fetchone()
                    snap.tables[table] = int(row[0]) if row else 0
                snap.counters = _counters(conn.execute(select("name, value, digest", Counter._meta.db_table)))
                snap.migrations = latest_migrations(
                    conn.execute("SELECT app, name FROM django_migrations").fetchall()
                )
                snap.documents = workdir / "documents.txt"
                with conn.cursor(name="registry_backup_documents") as cur:
                    cur.execute(select("storage_name", Document._meta.db_table, " ORDER BY storage_name"))
                    snap.document_count = _write_names(snap.documents, iter(cur))
            finally:
                code = dump.wait()
        conn.execute("ROLLBACK")
    if code != 0:
        raise BackupError("backup.pg_dump_failed", f"pg_dump 失败（退出码 {code}）：{_tail(errors)}")
    return snap


# --- the target of a restore: Django's own connection --------------------------------------


def target_tables() -> list[str]:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(_SQLITE_TABLES.format(schema="main"))
            return [r[0] for r in cur.fetchall()]
        cur.execute(_PG_TABLES)
        return [r[1] for r in cur.fetchall()]


def target_nonempty_tables(tables: Iterable[str]) -> list[str]:
    allowed = migration_filled_tables()
    found = []
    with connection.cursor() as cur:
        for table in tables:
            if table in allowed:
                continue
            cur.execute(select("1", table, " LIMIT 1"))
            if cur.fetchone() is not None:
                found.append(table)
    return found


def target_migrations() -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT app, name FROM django_migrations")
        return latest_migrations(cur.fetchall())


def load(staged: Path, tables: dict[str, int], progress: Progress, after: Callable[[], None]) -> None:
    """Replace every table's rows with the backup's, check the counts, then run `after` (the
    audit event); on SQLite all of it is one transaction."""
    if connection.vendor == "sqlite":
        _sqlite_load(staged, tables, progress, after)
    else:
        _pg_load(staged, tables, progress, after)


def _columns(cur: Any, schema: str, table: str) -> list[str]:
    cur.execute(f"PRAGMA {schema}.table_info({quote(table)})")
    return [row[1] for row in cur.fetchall()]


def _count_mismatch(table: str, found: int, expected: int) -> BackupError:
    return BackupError(
        "restore.count_mismatch",
        f"恢复后表 {table} 有 {found} 行，备份清单记录为 {expected} 行：已全部撤销，数据库未改变",
    )


def _sqlite_load(staged: Path, tables: dict[str, int], progress: Progress, after: Callable[[], None]) -> None:
    progress("正在载入数据库（单一事务）……")
    with connection.cursor() as cur:
        # ATTACH is refused inside a transaction, so it comes before the atomic block.
        cur.execute("ATTACH DATABASE %s AS registry_backup", [str(staged)])
    try:
        with transaction.atomic(), connection.cursor() as cur:
            for table in tables:
                mine, theirs = _columns(cur, "main", table), _columns(cur, "registry_backup", table)
                if sorted(mine) != sorted(theirs):
                    raise BackupError(
                        "restore.schema_mismatch",
                        f"表 {table} 的列与备份不同：本实例的数据库结构与备份不一致",
                    )
            for table in tables:
                cur.execute(f"DELETE FROM main.{quote(table)}")  # noqa: S608
            for table, expected in tables.items():
                cols = ", ".join(quote(c) for c in _columns(cur, "main", table))
                if expected >= 100_000:
                    progress(f"  载入 {table}（{expected:,} 行）……")
                copy = select(cols, table, schema="registry_backup")
                cur.execute(f"INSERT INTO main.{quote(table)} ({cols}) {copy}")
            # Next ids as they were at the source (rows deleted there keep their numbers used).
            cur.execute("DELETE FROM main.sqlite_sequence")
            copy = select("name, seq", "sqlite_sequence", schema="registry_backup")
            cur.execute(f"INSERT INTO main.sqlite_sequence (name, seq) {copy}")
            progress("正在核对每个表的记录数……")
            for table, expected in tables.items():
                cur.execute(select("count(*)", table, schema="main"))
                found = cur.fetchone()[0]
                if found != expected:
                    raise _count_mismatch(table, found, expected)
            after()
    finally:
        with connection.cursor() as cur:
            cur.execute("DETACH DATABASE registry_backup")


_COUNT_ERROR = re.compile(_COUNT_MARK + r":([^:\s]+):(\d+):(\d+)")


def _pg_load(staged: Path, tables: dict[str, int], progress: Progress, after: Callable[[], None]) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    names = ", ".join(quote(t) for t in tables)
    # Everything in ONE transaction (psql --single-transaction): emptying, loading, counting.
    # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so load order does not matter
    # and no superuser is needed to disable triggers.
    prologue = f"TRUNCATE TABLE {names} RESTART IDENTITY;\n"
    checks = "\n".join(
        f"  {select('count(*)', t)} INTO n;\n"
        f"  IF n <> {int(expected)} THEN\n"
        f"    RAISE EXCEPTION '{_COUNT_MARK}:%:%:%', {_literal(t)}, n, {int(expected)};\n"
        "  END IF;"
        for t, expected in tables.items()
    )
    # pg_restore's script empties search_path; RESET gives back the connection's own.
    epilogue = f"\nRESET search_path;\nDO $registry$\nDECLARE n bigint;\nBEGIN\n{checks}\nEND\n$registry$;\n"
    args, env = _pg_command(
        psql,
        [
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            "-f",
            "-",
        ],
    )
    workdir = staged.parent
    restore_err, psql_err = workdir / "pg_restore.err", workdir / "psql.err"
    progress("正在载入数据库（pg_restore | psql，单一事务）……")
    with restore_err.open("wb") as rerr, psql_err.open("wb") as perr:
        script = subprocess.Popen(  # noqa: S603
            [pg_restore, "--data-only", "--no-owner", "--no-privileges", "--file=-", str(staged)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=rerr,
        )
        runner = subprocess.Popen(  # noqa: S603
            args, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=perr
        )
        assert script.stdout is not None and runner.stdin is not None
        try:
            runner.stdin.write(prologue.encode())
            shutil.copyfileobj(script.stdout, runner.stdin, 1 << 20)
            runner.stdin.write(epilogue.encode())
        except BrokenPipeError:
            pass  # psql stopped at an error; its exit code and message say which
        finally:
            with suppress(BrokenPipeError):
                runner.stdin.close()
            script.stdout.close()
        script_code, runner_code = script.wait(), runner.wait()
    if script_code != 0:
        raise BackupError(
            "restore.pg_restore_failed", f"pg_restore 失败（退出码 {script_code}）：{_tail(restore_err)}"
        )
    if runner_code != 0:
        message = _tail(psql_err)
        match = _COUNT_ERROR.search(message)
        if match:
            raise _count_mismatch(match.group(1), int(match.group(2)), int(match.group(3)))
        raise BackupError(
            "restore.psql_failed", f"载入数据库失败，已全部撤销（psql 退出码 {runner_code}）：{message}"
        )
    with transaction.atomic():
        after()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
