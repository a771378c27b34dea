"""Keeping the cells equal to a recount, in the writing transaction; rebuilding and verifying them.

A person write calls `person_facts_refresh` (through people.hooks' write listener) after the
record changed: the person's old facts are locked, new facts computed from the records, and the
difference added to the cells of the person's agency and every ancestor with one
INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n. The increment happens in the database,
so concurrent writers on PostgreSQL add up instead of overwriting each other; keys are sorted
so two writers lock shared cells in the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from registry.core.rows import rewrite_rows
from registry.orgs.models import Agency
from registry.people.models import Person

from .facts import FACT_FIELDS, facts_for, pairs, same_facts
from .models import Cell, PersonFacts

Key = tuple[int, str, str, str]  # agency_id, dim, value, status
CHUNK = 2000
FLUSH = 200_000  # cell keys held in memory by a rebuild before they are added to the table


def _ancestors(agency_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """Each agency with its ancestors (itself included), from the materialised paths."""
    paths = dict(Agency.objects.filter(pk__any=set(agency_ids)).values_list("pk", "path"))
    codes = {code for path in paths.values() for code in path.strip("/").split("/")}
    ids = dict(Agency.objects.filter(code__any=codes).values_list("code", "pk"))
    return {pk: tuple(ids[c] for c in path.strip("/").split("/") if c in ids) for pk, path in paths.items()}


def all_ancestors() -> dict[int, tuple[int, ...]]:
    ids = dict(Agency.objects.values_list("code", "pk"))
    return {
        pk: tuple(ids[c] for c in path.strip("/").split("/") if c in ids)
        for pk, path in Agency.objects.values_list("pk", "path")
    }


def add_facts(deltas: Counter[Key], facts: PersonFacts, sign: int, up: dict[int, tuple[int, ...]]) -> None:
    mine = pairs(facts)
    status = facts.status
    for agency_id in up[facts.agency_id]:
        for dim, value in mine:
            deltas[(agency_id, dim, value, status)] += sign


def _difference(
    old: PersonFacts | None, new: PersonFacts | None, up: dict[int, tuple[int, ...]]
) -> Counter[Key]:
    deltas: Counter[Key] = Counter()
    if old is not None and new is not None and (old.agency_id, old.status) == (new.agency_id, new.status):
        before, after = pairs(old), pairs(new)
        for agency_id in up[new.agency_id]:
            for dim, value in after - before:
                deltas[(agency_id, dim, value, new.status)] += 1
            for dim, value in before - after:
                deltas[(agency_id, dim, value, new.status)] -= 1
        return deltas
    if old is not None:
        add_facts(deltas, old, -1, up)
    if new is not None:
        add_facts(deltas, new, +1, up)
    return deltas


def cells_add(deltas: Counter[Key]) -> None:
    """Add the deltas to the cells in the database (creating missing cells), in key order."""
    rows = [(*key, n) for key, n in sorted(deltas.items()) if n]
    table = Cell._meta.db_table
    if connection.vendor == "postgresql" and rows:
        # Five arrays instead of 5×N placeholders: the driver need not parse a long statement.
        columns = [list(c) for c in zip(*rows, strict=True)]
        sql = (
            f"INSERT INTO {table} (agency_id, dim, value, status, n) "  # noqa: S608
            "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[]) "
            f"ON CONFLICT (agency_id, dim, value, status) DO UPDATE SET n = {table}.n + excluded.n"
        )
        with connection.cursor() as cur:
            cur.execute(sql, columns)
        return
    for i in range(0, len(rows), 500):
        part = rows[i : i + 500]
        marks = ", ".join(["(%s, %s, %s, %s, %s)"] * len(part))
        sql = (
            f"INSERT INTO {table} (agency_id, dim, value, status, n) VALUES {marks} "  # noqa: S608
            f"ON CONFLICT (agency_id, dim, value, status) DO UPDATE SET n = {table}.n + excluded.n"
        )
        with connection.cursor() as cur:
            cur.execute(sql, [v for row in part for v in row])


def person_facts_refresh(person_ids: Sequence[int]) -> None:
    """Bring these people's facts and the cells up to date. Runs in the writer's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("statistics follow a write inside the writer's transaction")
    ids = sorted(set(person_ids))
    old = {f.person_id: f for f in PersonFacts.objects.select_for_update().filter(person_id__any=ids)}
    new = facts_for(ids)
    changed = [pid for pid in ids if not (pid in old and pid in new and same_facts(old[pid], new[pid]))]
    if not changed:
        return
    agencies = {f.agency_id for f in [*old.values(), *new.values()]}
    up = _ancestors(agencies)
    deltas: Counter[Key] = Counter()
    for pid in changed:
        if pid in old:
            deltas.update(_difference(old[pid], new.get(pid), up))
        else:  # a new person (the bulk paths' usual case): only additions
            add_facts(deltas, new[pid], +1, up)
    cells_add(deltas)
    gone = [pid for pid in changed if pid not in new]
    if gone:
        PersonFacts.objects.filter(person_id__any=gone).delete()
    rewrite_rows([new[pid] for pid in changed if pid in new and pid in old], FACT_FIELDS)
    PersonFacts.objects.bulk_create([new[pid] for pid in changed if pid in new and pid not in old])


def on_person_written(person: Person) -> None:
    person_facts_refresh([person.pk])


# Rebuild and verify ---------------------------------------------------------------------------


def _chunks() -> Iterable[list[int]]:
    last = 0
    while True:
        ids = list(Person.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _lock_out_writers() -> None:
    """On PostgreSQL, writers wait at their listener until we commit (and we wait for those that
    already passed it), so nobody adds to a cell we are recounting. SQLite has one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {PersonFacts._meta.db_table} IN EXCLUSIVE MODE")


def recount(progress: Callable[[int], None] | None = None) -> tuple[dict[int, PersonFacts], Counter[Key]]:
    """Facts and cells as the records say, computed from scratch."""
    up = all_ancestors()
    facts: dict[int, PersonFacts] = {}
    cells: Counter[Key] = Counter()
    for ids in _chunks():
        chunk = facts_for(ids)
        for f in chunk.values():
            add_facts(cells, f, +1, up)
        facts.update(chunk)
        if progress:
            progress(len(facts))
    return facts, cells


def stats_rebuild(progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Recompute every fact and cell (after a bulk load that bypassed the services). Returns
    (people, cells). Cells are added in flushes of at most FLUSH keys, so memory stays bounded
    whatever the number of people."""
    with transaction.atomic():
        _lock_out_writers()
        PersonFacts.objects.all().delete()
        Cell.objects.all().delete()
        up = all_ancestors()
        cells: Counter[Key] = Counter()
        people = 0
        for ids in _chunks():
            chunk = list(facts_for(ids).values())
            for f in chunk:
                add_facts(cells, f, +1, up)
            PersonFacts.objects.bulk_create(chunk, batch_size=CHUNK)
            people += len(chunk)
            if len(cells) > FLUSH:
                cells_add(cells)
                cells.clear()
            if progress:
                progress(people)
        cells_add(cells)
    return people, Cell.objects.count()


@dataclass
class VerifyReport:
    people: int = 0
    cells: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def stats_verify(limit: int = 50) -> VerifyReport:
    """Recount from the records and compare with the stored facts and cells."""
    report = VerifyReport()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cur:  # one snapshot for the stored rows and the records
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        facts, expected = recount()
        report.people = len(facts)
        stored_facts = {f.person_id: f for f in PersonFacts.objects.all().iterator(chunk_size=CHUNK)}
        codes = dict(Agency.objects.values_list("pk", "code"))
        problems: list[str] = []
        missing = [pid for pid in facts if pid not in stored_facts]
        extra = [pid for pid in stored_facts if pid not in facts]
        differing = [
            pid for pid, f in facts.items() if pid in stored_facts and not same_facts(f, stored_facts[pid])
        ]
        if missing:
            problems.append(f"{len(missing)} 名人员没有统计口径记录（如 id {missing[:5]}）")
        if extra:
            problems.append(f"{len(extra)} 条统计口径记录对应的人员已不存在（如 id {extra[:5]}）")
        if differing:
            problems.append(f"{len(differing)} 名人员的统计口径与档案不一致（如 id {differing[:5]}）")
        stored: dict[Key, int] = {}
        for agency_id, dim, value, status, n in Cell.objects.values_list(
            "agency_id", "dim", "value", "status", "n"
        ).iterator(chunk_size=10_000):
            stored[(agency_id, dim, value, status)] = n
        report.cells = len(stored)
        wrong = 0
        for key in sorted(set(stored) | set(expected)):
            have, want = stored.get(key, 0), expected.get(key, 0)
            if have != want:
                wrong += 1
                if wrong <= limit:
                    agency_id, dim, value, status = key
                    problems.append(
                        f"统计单元不一致：机构 {codes.get(agency_id, agency_id)} {dim}={value!r} "
                        f"状态 {status}：存储 {have}，重新计数 {want}"
                    )
        if wrong > limit:
            problems.append(f"……共 {wrong} 个统计单元不一致")
        report.problems = problems
    return report
