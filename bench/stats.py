"""Statistics benchmark: the dashboard (cells of one agency) against a plain GROUP BY over the person
table giving the same figures, at growing sizes, plus the cost the write listener adds to a write.

`stats_benchmark(world, sizes=...)` expects the world of bench.world with people already seeded
(seed_people); it rebuilds the statistics, then grows the people table to each size and times both
paths. Run on its own: `python -m bench.stats [--sizes 100000,200000,500000,1000000]`.

Growing to a million through seed_people would take ~8 minutes on SQLite, so the larger sizes are
made by copying the seeded people in SQL: each copy gets a new uid and archive index ("z01…" in
place of the first three characters of the HMAC, which is hex and never starts with "z"), and its
accounting work periods and approved qualifications are copied too. The copies' facts rows are
copied from their originals and every cell is scaled to match: k + 1 copies of the originals hold
exactly (k + 1) times their counts. This is the "bulk load, then `registry stats rebuild`" path
done arithmetically, and `stats verify` still passes on the result (checked with --verify).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from .timing import Samples, interleave, ms, say

DEFAULT_SIZES = (100_000, 200_000, 500_000, 1_000_000)
COPY = "z"  # archive_index prefix of copies


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _columns(model: Any, skip: Sequence[str]) -> list[str]:
    return [str(f.column) for f in model._meta.concrete_fields if not f.primary_key and f.column not in skip]


def _uuid_sql() -> str:
    from django.db import connection

    return "gen_random_uuid()" if connection.vendor == "postgresql" else "lower(hex(randomblob(16)))"


def _originals() -> int:
    from registry.people.models import Person

    return Person.objects.exclude(archive_index__startswith=COPY).count()


def _copy_people(generation: int) -> int:
    """One more copy of every original person (and what their facts read). Returns rows added."""
    from django.db import connection, transaction

    from registry.people.models import Person, Work
    from registry.qualifications.models import Qualification
    from registry.stats.models import Cell, PersonFacts

    tag = f"{COPY}{generation:02d}"
    q = connection.ops.quote_name
    person_cols = _columns(Person, ("uid", "archive_index", "user_id"))
    join = (
        "JOIN people_person p1 ON p1.id = src.person_id "
        f"JOIN people_person p2 ON p2.archive_index = '{tag}' || substr(p1.archive_index, 4) "
        f"WHERE p1.archive_index NOT LIKE '{COPY}%%'"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cols = ", ".join(q(c) for c in person_cols)
        cur.execute(
            f"INSERT INTO people_person ({cols}, uid, archive_index, user_id) "  # noqa: S608
            f"SELECT {cols}, {_uuid_sql()}, '{tag}' || substr(archive_index, 4), NULL "
            f"FROM people_person WHERE archive_index NOT LIKE '{COPY}%%'"
        )
        added = cur.rowcount
        work_cols = _columns(Work, ("person_id",))
        cols = ", ".join(q(c) for c in work_cols)
        src_cols = ", ".join(f"src.{q(c)}" for c in work_cols)
        cur.execute(
            f"INSERT INTO people_work ({cols}, person_id) SELECT {src_cols}, p2.id "  # noqa: S608
            f"FROM people_work src {join} AND src.is_accounting"
        )
        qual_cols = _columns(Qualification, ("person_id", "uid", "certificate_no"))
        cols = ", ".join(q(c) for c in qual_cols)
        src_cols = ", ".join(f"src.{q(c)}" for c in qual_cols)
        cur.execute(
            f"INSERT INTO qualifications_qualification ({cols}, person_id, uid, certificate_no) "  # noqa: S608
            f"SELECT {src_cols}, p2.id, {_uuid_sql()}, '{tag}' || src.certificate_no "
            f"FROM qualifications_qualification src {join} AND src.status = 'approved'"
        )
        fact_cols = _columns(PersonFacts, ("person_id",))
        cols = ", ".join(q(c) for c in fact_cols)
        src_cols = ", ".join(f"src.{q(c)}" for c in fact_cols)
        cur.execute(
            f"INSERT INTO stats_personfacts (person_id, {cols}) SELECT p2.id, {src_cols} "  # noqa: S608
            f"FROM stats_personfacts src {join}"
        )
        # generation copies exist now besides the originals: n = generation × C0 before this one.
        cells = Cell._meta.db_table
        cur.execute(f"SELECT COUNT(*) FROM {cells} WHERE n %% %s <> 0", [generation])  # noqa: S608
        assert cur.fetchone()[0] == 0, "cells are not a multiple of the originals' counts"
        cur.execute(f"UPDATE {cells} SET n = n + n / %s", [generation])  # noqa: S608
    return added


def _grow_to(size: int) -> None:
    from registry.people.models import Person

    originals = _originals()
    while Person.objects.count() + originals <= size:
        generation = Person.objects.filter(archive_index__startswith=COPY).count() // originals + 1
        _copy_people(generation)


def _baseline_sql(province: Any, today: date) -> list[tuple[str, str, list[Any]]]:
    """Plain GROUP BY queries over people_person giving the same figures as the dashboard's charts
    of agency, status, sex, education and age (collected people of the province's subtree)."""
    prefix = province.path
    subtree = "JOIN orgs_agency a ON a.id = p.agency_id WHERE a.path LIKE %s"
    child = f"substr(a.path, 1, {len(prefix) + 7})"
    bands = [("<20", 0, 19), ("20-29", 20, 29), ("30-39", 30, 39), ("40-49", 40, 49), ("50-59", 50, 59)]
    bands.append(("60+", 60, 200))
    cases = ", ".join(
        "SUM(CASE WHEN p.birth_date > %s AND p.birth_date <= %s THEN 1 ELSE 0 END)" for _ in bands
    )
    age_params: list[Any] = []
    for _, low, high in bands:
        age_params += [_years_ago(today, high + 1), _years_ago(today, low)]
    like = prefix + "%"
    # Fixed SQL text built from constants and the agency path length; values go as parameters.
    return [
        (
            "children",
            f"SELECT {child}, COUNT(*) FROM people_person p {subtree} AND p.status = %s GROUP BY {child}",  # noqa: S608
            [like, "collected"],
        ),
        ("status", f"SELECT p.status, COUNT(*) FROM people_person p {subtree} GROUP BY p.status", [like]),  # noqa: S608
        (
            "sex",
            f"SELECT p.sex, COUNT(*) FROM people_person p {subtree} AND p.status = %s GROUP BY p.sex",  # noqa: S608
            [like, "collected"],
        ),
        (
            "education",
            f"SELECT p.highest_education, COUNT(*) FROM people_person p {subtree} AND p.status = %s "  # noqa: S608
            "GROUP BY p.highest_education",
            [like, "collected"],
        ),
        (
            "age",
            f"SELECT {cases} FROM people_person p {subtree} AND p.status = %s",  # noqa: S608
            [*age_params, like, "collected"],
        ),
    ]


def _same_answer(board: Any, results: dict[str, list[tuple[Any, ...]]], province: Any) -> None:
    from registry.orgs.models import Agency

    names = {a.path: a.short_name for a in Agency.objects.filter(parent=province)}
    children = {names[path]: n for path, n in results["children"] if n and path in names}
    assert {b.label: b.value for b in board.chart("children").bars} == children, "children differ"
    statuses = {b.link.split("status=")[-1].split("&")[0]: b.value for b in board.chart("status").bars}
    assert statuses == dict(results["status"]), "statuses differ"
    sexes = dict(results["sex"])
    assert sorted(b.value for b in board.chart("sex").bars) == sorted(v for v in sexes.values() if v)
    education = sorted(v for v in dict(results["education"]).values() if v)
    assert sorted(b.value for b in board.chart("education").bars) == education, "education differs"
    assert [b.value for b in board.chart("age").bars] == [int(v or 0) for v in results["age"][0]], (
        "ages differ"
    )


def _write_cost(world: Any, runs: int) -> list[str]:
    """A status change there and back (every pair of the person moves: the listener's worst
    case), with the statistics listener and without it."""
    from django.db import transaction

    from registry.people import hooks
    from registry.people.models import Person
    from registry.people.services import person_set_state

    people = list(Person.objects.filter(status="collected").order_by("-id")[: runs * 2 + 10])

    def toggle(i: int) -> None:
        person = people[i % len(people)]
        for status in ("pending", "collected"):
            with transaction.atomic():
                person_set_state(
                    actor=world.reviewer, person=person, status=status, action="bench.toggle", data={}
                )

    saved = list(hooks.WRITE_LISTENERS)

    def without(i: int) -> None:
        hooks.WRITE_LISTENERS.clear()
        try:
            toggle(i + runs)
        finally:
            hooks.WRITE_LISTENERS.extend(saved)

    a, b = interleave(toggle, without, runs=runs, warmup=2)
    per = (a.median - b.median) / 2
    return [
        f"write: status change and back (2 writes) with the statistics listener {ms(a.median)} "
        f"(p95 {ms(a.p95)}), without it {ms(b.median)} (p95 {ms(b.p95)}): {ms(per)} per write for the "
        "facts and the cell increments of four agency levels"
    ]


def stats_benchmark(
    world: Any,
    sizes: Sequence[int] = DEFAULT_SIZES,
    runs: int = 20,
    warmup: int = 3,
    verify: bool = False,
) -> list[str]:
    """Time the province dashboard against the plain GROUP BY at each size; returns the report
    lines (also written to stdout as they come)."""
    from django.db import connection
    from django.test import Client

    from registry.accounts.models import User
    from registry.people.models import Person
    from registry.stats.aggregates import stats_rebuild, stats_verify
    from registry.stats.dashboard import dashboard

    lines: list[str] = []

    def out(text: str) -> None:
        lines.append(text)
        say(text)

    province = world.province
    actor = User.objects.get(pk=world.reviewer.pk)
    client = Client()
    client.force_login(actor)
    start = time.perf_counter()
    people, cells = stats_rebuild()
    out(f"stats rebuild: {people:,} people, {cells:,} cells in {time.perf_counter() - start:.1f} s")
    if verify:
        start = time.perf_counter()
        report = stats_verify()
        assert report.ok, report.problems[:5]
        out(f"stats verify: no difference ({time.perf_counter() - start:.1f} s)")
    out(_write_cost(world, runs=max(10, runs))[0])
    out("")
    out(
        f"{'people':>10}  {'dashboard (selector)':>22}  {'dashboard page':>16}  "
        f"{'GROUP BY (5 queries)':>22}  {'ratio':>7}"
    )
    for size in sorted(sizes):
        if Person.objects.count() < size:
            say(f"  growing to {size:,} people …", err=True)
            _grow_to(size)
            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    for table in ("people_person", "stats_cell", "stats_personfacts"):
                        cur.execute(f"VACUUM ANALYZE {table}")
        total = Person.objects.count()
        today = date.today()
        queries = _baseline_sql(province, today)

        def app(_: int) -> Any:
            actor.__dict__.pop("_membership_cache", None)
            return dashboard(actor, province, "collected")

        def base(
            _: int, queries: list[tuple[str, str, list[Any]]] = queries
        ) -> dict[str, list[tuple[Any, ...]]]:
            results = {}
            with connection.cursor() as cur:
                for name, sql, params in queries:
                    cur.execute(sql, params)
                    results[name] = cur.fetchall()
            return results

        def page(_: int) -> None:
            response = client.get("/stats/", {"agency": province.code})
            assert response.status_code == 200

        _same_answer(app(0), base(0), province)
        a, b = interleave(app, base, runs=runs, warmup=warmup)
        p, _ = interleave(page, lambda _: None, runs=max(5, runs // 2), warmup=1)
        out(f"{total:>10,}  {_pair(a):>22}  {_pair(p):>16}  {_pair(b):>22}  {b.median / a.median:>6.1f}×")
        if verify and size != sorted(sizes)[0]:
            start = time.perf_counter()
            report = stats_verify()
            assert report.ok, report.problems[:5]
            out(f"{'':>10}  stats verify after growing: no difference ({time.perf_counter() - start:.1f} s)")
    out("")
    out("dashboard = registry.stats.dashboard.dashboard(province reviewer, 440000, collected): all eleven")
    out("  charts (agency, status, sex, age, education, qualification, talent, credit, CE, category, trend)")
    out("  from the cells of ONE agency; page = GET /stats/ with template, tables and chart data.")
    out("GROUP BY = five plain queries over people_person for the five charts the person table can answer")
    out("  (child agency, status, sex, education, age band), asserted equal to the dashboard's figures;")
    out("  the other six charts would need joins to the module tables on top. Times are medians (p95).")
    return lines


def _pair(s: Samples) -> str:
    return f"{ms(s.median)} ({ms(s.p95)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.stats", description=__doc__)
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--verify", action="store_true", help="run stats verify at each size (slow)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    var_dir = tempfile.mkdtemp(prefix="registry-bench-stats-")
    os.environ["REGISTRY_VAR_DIR"] = var_dir
    os.makedirs(os.path.join(var_dir, "static"), exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    from registry.ops.seed import seed_people

    from .world import build_world

    try:
        world = build_world()
        say(f"seeding {sizes[0]:,} people …", err=True)
        started = time.perf_counter()
        seed_people(world.province, sizes[0])
        say(f"  seeded in {time.perf_counter() - started:.0f} s", err=True)
        say("== statistics: dashboard from cells vs GROUP BY over people_person ==")
        stats_benchmark(world, sizes=sizes, runs=args.runs, verify=args.verify)
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
