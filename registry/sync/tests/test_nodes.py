"""Hub and provinces as separate processes over HTTP: real-time sync, faults, resync, reconciliation.

Each node has its own database: SQLite files, or fresh PostgreSQL databases when the suite runs on
PostgreSQL (DATABASE_URL), so ingest is exercised on both.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.ops.nodes import ClusterKeys, Node, make_hub, make_province

from .faulty import FaultyProxy

pytestmark = [pytest.mark.slow]


def _database(name: str) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield ""
        return
    import psycopg

    db = f"registry_node_{name}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    yield url.rsplit("/", 1)[0] + "/" + db
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    keys = ClusterKeys.load_or_create(tmp_path / "keys.json", ["440000"])
    hub_db, prov_db = _database("hub"), _database("gd")
    hub = make_hub(tmp_path, keys, database_url=next(hub_db))
    province = make_province(tmp_path, "440000", keys, hub, database_url=next(prov_db))
    hub.serve()
    try:
        yield hub, province
    finally:
        hub.stop()
        province.stop()
        for gen in (hub_db, prov_db):
            next(gen, None)


def _dump(node: Node) -> dict[str, dict]:
    out = node.python("from registry.sync.tests.churn import dump; dump()")
    return json.loads(out.strip().splitlines()[-1])


def _hub_counts(hub: Node) -> dict[str, object]:
    code = (
        "import json; from registry.hub.models import FeedCursor, InboxBatch; "
        "c = FeedCursor.objects.get(agency__code='440000'); "
        "r = sorted((b.applied_from, b.applied_to) for b in InboxBatch.objects.exclude(applied_from=None)); "
        "print(json.dumps({'last': c.last_applied_seq, 'applied': c.events_applied, 'stale': c.events_stale, "
        "'quarantined': c.events_quarantined, 'ranges': r}))"
    )
    return json.loads(hub.python(code).strip().splitlines()[-1])


def _outbox_head(node: Node) -> int:
    code = "from registry.audit.models import OutboxEvent as O; print(O.objects.count())"
    return int(node.python(code).strip().splitlines()[-1])


def test_change_in_province_reaches_hub_within_seconds(cluster):
    hub, province = cluster
    province.start("sync", "drain", "--forever", "--poll", "0.2", log="drain.log")
    province.python("from registry.sync.tests.churn import churn; churn('440000', 5, 1, people_count=3)")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _hub_counts_or_none(hub) != _outbox_head(province):
        time.sleep(0.5)
    assert _dump(hub) == _dump(province)


def _hub_counts_or_none(hub: Node) -> int | None:
    try:
        return int(_hub_counts(hub)["last"])  # type: ignore[call-overload]
    except (RuntimeError, ValueError, json.JSONDecodeError):
        return None


def test_faults_lose_nothing_and_apply_each_change_once(cluster, tmp_path):
    """Random changes; 20 % failed sends, 5 % duplicated, 25 % reordered; the drain killed 20 times."""
    hub, province = cluster
    proxy = FaultyProxy(hub.url, seed=2018)
    province.hub_url = proxy.url + "/hub/api/v1/"
    rng = random.Random(28)
    # 10,000 in the terms; `make test` runs 2,000 to keep the suite short on two cores, and
    # REGISTRY_FAULT_CHANGES=10000 runs the full size (the closing note of issue 5 records that run).
    changes = int(os.environ.get("REGISTRY_FAULT_CHANGES", "2000"))
    maker = province.start(
        "shell",
        "-c",
        f"from registry.sync.tests.churn import churn; churn('440000', {changes}, 5)",
        log="churn.log",
    )
    kills = 0
    try:
        # The drain runs alongside the writes and is killed at random moments, 20 times in all.
        while kills < 20 or maker.poll() is None:
            drain = province.start(
                "sync", "drain", "--forever", "--poll", "0.05", "--batch", "100", log="drain.log"
            )
            if kills < 20:
                time.sleep(rng.uniform(0.5, 4.0))
                os.killpg(drain.pid, signal.SIGKILL)  # no chance to tidy up
                drain.wait()
                kills += 1
            else:
                maker.wait(timeout=1800)
                os.killpg(drain.pid, signal.SIGTERM)
                drain.wait()
        assert maker.returncode == 0, (tmp_path / "440000" / "churn.log").read_text()[-3000:]
        # Let a last drain finish through the same faulty network.
        for _ in range(400):
            done = province.run("sync", "drain", "--batch", "100", check=False)
            if _outbox_head(province) == _hub_counts_or_none(hub) and done.returncode == 0:
                break
    finally:
        proxy.close()
    assert proxy.counts["reordered"] and proxy.counts["duplicated"] and proxy.counts["lost answer"]
    total = _outbox_head(province)
    counts = _hub_counts(hub)
    assert counts["last"] == total
    # Each seq 1..total was applied by exactly one batch, and counted once.
    ranges: list[tuple[int, int]] = counts["ranges"]  # type: ignore[assignment]
    covered = [seq for lo, hi in ranges for seq in range(lo, hi + 1)]
    assert sorted(covered) == list(range(1, total + 1))
    assert counts["applied"] == total and counts["stale"] == 0 and counts["quarantined"] == 0
    hub_records, province_records = _dump(hub), _dump(province)
    assert hub_records == province_records
    log = json.loads((tmp_path / "440000" / "churn.log").read_text().strip().splitlines()[-1])
    addresses = {r["identity"].get("address") for r in hub_records.values()}
    assert log["rolled_back"] and not addresses & set(log["rolled_back"])


def _resync_counts(out: str) -> tuple[int, int, int, int]:
    found = re.search(r"与枢纽一致 (\d+) 条.*报送 (\d+) 条，枢纽更新 (\d+) 条，未变 (\d+) 条", out)
    assert found, out
    in_step, sent, applied, unchanged = (int(g) for g in found.groups())
    return in_step, sent, applied, unchanged


def test_resync_twice_changes_nothing_the_second_time(cluster):
    hub, province = cluster
    province.run(
        "seed", "--people", "300", "--no-stats"
    )  # a bulk load: no outbox rows, the hub knows nothing yet
    assert _resync_counts(province.run("sync", "resync").stdout) == (0, 300, 300, 0)
    # The second run compares bucket digests and finds nothing to send.
    assert _resync_counts(province.run("sync", "resync").stdout) == (300, 0, 0, 0)
    # --all sends every record anyway; the hub applies none of them.
    assert _resync_counts(province.run("sync", "resync", "--all").stdout) == (0, 300, 0, 300)
    # A record changed behind the feed's back (no outbox row): only its bucket goes again.
    province.python(
        "from django.db.models import F; from registry.people.models import Person; "
        "p = Person.objects.order_by('id')[7]; "
        "Person.objects.filter(pk=p.pk).update(version=F('version') + 1, name='补报')"
    )
    in_step, sent, applied, unchanged = _resync_counts(province.run("sync", "resync").stdout)
    assert applied == 1 and unchanged == sent - 1 and in_step + sent == 300 and sent < 10
    assert _dump(hub) == _dump(province)


def test_reconciliation_finds_and_repairs_one_corrupted_record(tmp_path):
    """One record corrupted at the hub among 100,000 is found by bucket digests and repaired."""
    people = int(os.environ.get("REGISTRY_RECONCILE_PEOPLE", "100000"))
    keys = ClusterKeys.load_or_create(tmp_path / "keys.json", ["440000"])
    prov_db = _database("rgd")
    province = make_province_only(tmp_path, keys, next(prov_db))
    province.run("seed", "--people", str(people), "--no-stats", timeout=1800)
    # The hub starts as a copy of the province's database, as if a resync had just finished (the
    # resync's speed is measured in make bench; here the search for one bad record is under test).
    hub_url = _copy_database(province, tmp_path / "hub")
    try:
        hub = make_hub(tmp_path, keys, database_url=hub_url)
        province.hub_url = f"{hub.url}/hub/api/v1/"
        hub.serve()
        victim = (
            hub.python(
                "from registry.people.models import Person; p = Person.objects.order_by('?').first(); "
                "Person.objects.filter(pk=p.pk).update(version=p.version + 7, name='被篡改'); print(p.uid)"
            )
            .strip()
            .splitlines()[-1]
        )
        out = province.run("sync", "reconcile", timeout=900).stdout
        assert "差异 1 条已修复" in out, out
        show = f"from registry.people.models import Person; p = Person.objects.get(uid='{victim}'); "
        show += "print(p.version, p.name)"
        fixed = hub.python(show).strip().splitlines()[-1]
        mine = province.python(show).strip().splitlines()[-1]
        assert fixed == mine
        again = province.run("sync", "reconcile", timeout=900).stdout
        assert "差异 0 条" in again, again
        hub.stop()
    finally:
        province.stop()
        next(prov_db, None)
        if hub_url:
            _drop(hub_url)


def make_province_only(base: Path, keys: ClusterKeys, database_url: str) -> Node:
    node = Node("440000", "province", "440000", base / "440000", keys, database_url=database_url)
    node.run("migrate", "--verbosity", "0")
    node.run("agencies", "--province", "440000")
    return node


def _copy_database(province: Node, hub_dir: Path) -> str:
    """The province's database and data keys, copied for a hub node (SQLite file or PostgreSQL template)."""
    hub_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(province.var_dir / "local-keys.json", hub_dir / "local-keys.json")
    if not province.database_url:
        province.python(
            "from django.db import connection; connection.cursor().execute('PRAGMA wal_checkpoint(TRUNCATE)')"
        )
        shutil.copy(province.var_dir / "registry.sqlite3", hub_dir / "registry.sqlite3")
        return ""
    import psycopg

    source = province.database_url.rsplit("/", 1)[1]
    target = f"{source}_hub"
    server = province.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    return province.database_url.rsplit("/", 1)[0] + "/" + target


def _drop(url: str) -> None:
    import psycopg

    db = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
