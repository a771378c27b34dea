"""`python -m bench [--people N | --quick]`: build a fresh database, seed it, and time the hot paths.

Without DATABASE_URL the benchmark makes its own SQLite database in a temporary directory and
removes it afterwards. With DATABASE_URL it uses (and writes to) that database.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time

from .timing import say


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--people", type=int, default=100_000, help="people to seed (default 100000)")
    parser.add_argument("--quick", action="store_true", help="seed 10,000 people instead")
    parser.add_argument("--lookups", type=int, default=500, help="archive numbers to look up (default 500)")
    parser.add_argument("--page-runs", type=int, default=30, help="timed requests per list page (default 30)")
    parser.add_argument(
        "--records",
        type=int,
        default=None,
        help="collections to submit and approve (default 200; 50 with --quick)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="ANALYZE SQLite after seeding too (PostgreSQL always gets VACUUM ANALYZE, like autovacuum)",
    )
    return parser.parse_args(argv)


def _environment(var_dir: str) -> None:
    os.environ["REGISTRY_VAR_DIR"] = var_dir
    os.makedirs(os.path.join(var_dir, "static"), exist_ok=True)  # STATIC_ROOT, or WhiteNoise warns
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "0"  # DEBUG would record every query and skew the timings
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    if os.environ.get("DATABASE_URL"):
        say(
            "WARNING: DATABASE_URL is set — the benchmark migrates it and WRITES people, a user and "
            "agencies into that database.",
            err=True,
        )


def _machine() -> list[str]:
    from django.db import connection

    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if connection.vendor == "sqlite":
        import sqlite3

        db = f"SQLite {sqlite3.sqlite_version} (temporary file, WAL)"
    else:
        db = f"{connection.vendor} {getattr(connection, 'pg_version', '')}"
    return [
        f"machine: {platform.machine()}, {cores} cores ({usable} usable), {platform.platform()}",
        f"python {platform.python_version()}, database {db}, load average {load}",
        "note: this machine is shared and noisy; project and baseline runs are interleaved so noise",
        "      hits both, but compare ratios rather than absolute times, and rerun before concluding.",
    ]


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    count = 10_000 if args.quick else args.people
    var_dir = tempfile.mkdtemp(prefix="registry-bench-")
    _environment(var_dir)
    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)  # one INFO line per force_login otherwise
    from django.db.models import Max

    from registry.people.models import Person

    from .cases import list_benchmark, lookup_benchmark
    from .collection import collection_benchmark
    from .timing import print_table
    from .world import build_world, seed_benchmark, settle_statistics

    try:
        started = time.perf_counter()
        world = build_world()
        min_id = Person.objects.aggregate(m=Max("id"))["m"] or 0
        say(f"seeding {count:,} people …", err=True)
        seed = seed_benchmark(world, count)
        stats_note = settle_statistics(sqlite_too=args.analyze)
        say("timing lookups and list pages …", err=True)
        lookup_rows, lookup_notes = lookup_benchmark(world, min_id, args.lookups, warmup=20)
        list_rows, list_notes = list_benchmark(world, runs=args.page_runs, warmup=3)
        total = Person.objects.count()
        say("timing 信息采集: submit → approve and the review queue …", err=True)
        records = args.records or (50 if args.quick else 200)
        collection_rows, collection_explain, collection_notes = collection_benchmark(
            world, records=records, runs=args.page_runs, warmup=3, analyze=args.analyze
        )
        say()
        say(f"== registry benchmarks: {count:,} people seeded ({total:,} in people_person) ==")
        for line in _machine():
            say(line)
        say()
        print_table([*lookup_rows, *list_rows, *seed.rows(), *collection_rows])
        say()
        say(
            f"seed made {seed.education_per_person:.2f} education and {seed.work_per_person:.2f} work rows "
            "per person; the baseline inserts the same per person."
        )
        say("app lookup = people_filtered(province reviewer, archive_no) evaluated, incl. HMAC-SM3 and")
        say("  the membership query a fresh request makes; baseline = SELECT id … WHERE archive_index = %s.")
        say(stats_note)
        say("list page = GET /people/ through django.test.Client (full middleware, template render);")
        say("  baseline = the same page's SELECT … ORDER BY id DESC LIMIT 50 and SELECT COUNT(*), bare SQL.")
        for line in collection_explain:
            say(line)
        say()
        say("== queries and plans ==")
        for line in [*lookup_notes, *list_notes, *collection_notes]:
            say(line)
        say()
        say(f"total benchmark time {time.perf_counter() - started:.0f} s")
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            say(f"kept {var_dir}", err=True)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
