"""Benchmarks 1 and 2: lookup by archive number, and the staff list page, each against bare SQL."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.accounts.models import User
from registry.people.models import Person
from registry.people.selectors import AGE_BANDS, PeopleFilter, people_filtered
from registry.people.services import archive_index_for
from registry.people.snapshot import person_archive_no

from .timing import Row, interleave, timing_row
from .world import World

PAGE_COLUMNS = "id, uid, name, archive_masked, sex, birth_date, highest_education, agency_id, status"


def _fresh_actor(user: User) -> User:
    # Memberships are cached on the user object; a real request starts without that cache.
    user.__dict__.pop("_membership_cache", None)
    return user


def lookup_benchmark(world: World, min_id: int, lookups: int, warmup: int) -> tuple[list[Row], list[str]]:
    ids = list(Person.objects.filter(id__gt=min_id).values_list("id", flat=True))
    chosen = random.Random(28).sample(ids, min(lookups, len(ids)))
    people = Person.objects.filter(id__in=chosen).only("id", "uid", "archive_cipher")
    sample = [(p.id, person_archive_no(p)) for p in people]
    random.Random(2018).shuffle(sample)
    indexes = [archive_index_for("resident_id", number, None) for _, number in sample]
    actor = User.objects.get(pk=world.reviewer.pk)
    sql = "SELECT id FROM people_person WHERE archive_index = %s"

    def app(i: int) -> list[Person]:
        qs = people_filtered(_fresh_actor(actor), PeopleFilter(archive_no=sample[i % len(sample)][1]))
        return list(qs)

    def base(i: int) -> list[tuple[int]]:
        with connection.cursor() as cur:
            cur.execute(sql, [indexes[i % len(indexes)]])
            return cur.fetchall()

    for i, (pid, _) in enumerate(sample):  # both paths must find the same single person
        assert [p.id for p in app(i)] == [pid] == [r[0] for r in base(i)], pid
    a, b = interleave(app, base, runs=len(sample), warmup=warmup)
    notes = [f"lookup by archive number ({len(sample)} numbers, each once per path):"]
    notes += _plans(lambda: app(0)) + _plans(lambda: base(0))
    return timing_row(f"lookup by archive number (n={len(sample)})", a, b), notes


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def list_benchmark(world: World, runs: int, warmup: int) -> tuple[list[Row], list[str]]:
    client = Client()
    client.force_login(world.reviewer)
    first = client.get("/people/")
    assert first.status_code == 200, first.status_code
    match = re.search(rb"after=(\d+)", first.content)
    assert match, "the first page has no next-page link"
    after = int(match.group(1))
    low, high = AGE_BANDS["30-39"]
    today = date.today()
    band = [_years_ago(today, high + 1), _years_ago(today, low)]
    cases: list[tuple[str, str, str, list[Any], str, list[Any]]] = [
        ("list page 1", "/people/", "", [], "", []),
        (
            "list filtered sex=2&age_band=30-39",
            "/people/?sex=2&age_band=30-39",
            "WHERE sex = %s AND birth_date > %s AND birth_date <= %s",
            ["2", *band],
            "WHERE sex = %s AND birth_date > %s AND birth_date <= %s",
            ["2", *band],
        ),
        (f"list page 2 (after={after})", f"/people/?after={after}", "WHERE id < %s", [after], "", []),
    ]
    rows: list[Row] = []
    notes: list[str] = []
    for name, url, where, params, count_where, count_params in cases:

        def app(_: int, url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        def base(
            _: int,
            where: str = where,
            params: list[Any] = params,
            cw: str = count_where,
            cp: list[Any] = count_params,
        ) -> None:
            with connection.cursor() as cur:
                page_sql = f"SELECT {PAGE_COLUMNS} FROM people_person {where} ORDER BY id DESC LIMIT 50"  # noqa: S608
                cur.execute(page_sql, params)
                cur.fetchall()
                cur.execute(f"SELECT COUNT(*) FROM people_person {cw}", cp)  # noqa: S608
                cur.fetchall()

        page = client.get(url).content
        shown = page.count(b'class="archive-no"')
        assert shown == 50, (url, shown)
        a, b = interleave(app, base, runs=runs, warmup=warmup)
        rows += timing_row(name, a, b)
        notes.append(f"{name}: GET {url}")
        notes += _plans(lambda url=url: client.get(url))  # type: ignore[misc]
    return rows, notes


def _plans(fn: Callable[[], object]) -> list[str]:
    """The queries fn runs, and for each query on people_person the database's plan."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    out = [f"  {len(ctx.captured_queries)} queries"]
    for q in ctx.captured_queries:
        sql = q["sql"]
        out.append(f"  SQL  {_short(sql)}  [{float(q['time']) * 1000:.1f} ms]")
        if "people_person" in sql and sql.lstrip().upper().startswith("SELECT"):
            out += [f"       plan: {line}" for line in _explain(sql)]
    return out


def _explain(sql: str) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cur:
        cur.execute(prefix + sql)
        result = cur.fetchall()
    if connection.vendor == "sqlite":
        return [str(r[-1]) for r in result]
    return [str(r[0]) for r in result]


def _short(sql: str, limit: int = 300) -> str:
    sql = " ".join(sql.replace('"', "").split())
    sql = re.sub(r"^SELECT (?!COUNT).{60,}? FROM", "SELECT … FROM", sql)  # long column lists
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"
