"""The benchmark's world: a migrated database, the Guangdong agency tree, a province reviewer,
and the seeded people — the seed itself is benchmark 3, timed against a plain bulk_create
and a raw executemany."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date
from itertools import cycle
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.ops.seed import BATCH, seed_people
from registry.orgs.models import Agency, Level
from registry.orgs.services import agencies_sync
from registry.people.models import Education, Person, Status, Work

from .timing import Row, say

PROVINCE = "440000"
BASELINE_TAG = "bench-baseline-"  # archive_index prefix of baseline rows; never a hex HMAC


@dataclass
class World:
    province: Agency
    reviewer: User


def build_world() -> World:
    call_command("migrate", verbosity=0, interactive=False)
    agencies_sync(PROVINCE)
    province = Agency.objects.get(code=PROVINCE)
    reviewer, _ = User.objects.get_or_create(username="bench_province_reviewer", defaults={"is_active": True})
    membership_grant(user=reviewer, agency=province, role=Role.PROVINCE_REVIEWER)
    return World(province=province, reviewer=reviewer)


@dataclass
class SeedResult:
    people: int
    seconds: float
    orm_people: int
    orm_seconds: float
    raw_people: int
    raw_seconds: float
    education_per_person: float
    work_per_person: float

    def rows(self) -> list[Row]:
        app = self.people / self.seconds
        orm = self.orm_people / self.orm_seconds
        raw = self.raw_people / self.raw_seconds
        return [
            Row(
                f"seed_people {self.people:,} vs bulk_create {self.orm_people:,}",
                f"{app:,.0f} people/s",
                f"{orm:,.0f} people/s",
                f"{orm / app:.1f}× slower",
            ),
            Row(
                f"seed_people {self.people:,} vs raw executemany {self.raw_people:,}",
                f"{app:,.0f} people/s",
                f"{raw:,.0f} people/s",
                f"{raw / app:.1f}× slower",
            ),
            Row(
                "seed_people — wall time (baselines: estimated)",
                f"{self.seconds:.1f} s",
                f"{self.people / orm:.1f} s / {self.people / raw:.1f} s",
                "",
            ),
        ]


class _Baselines:
    """Minimal people with constant values (no SM4, no HMAC, no synthetic generation) and as many
    Education/Work rows per person as the seed made, in 2,000-person transactions like the seed:
    once through Person.objects.bulk_create, once as a raw executemany of the same columns.
    They run between seed batches; their rows are deleted afterwards."""

    def __init__(self, province: Agency) -> None:
        counties = Agency.objects.filter(path__startswith=province.path, level=Level.COUNTY)
        self.agencies = cycle(list(counties.exclude(division_code="")))
        self.made = {"orm": 0, "raw": 0}
        self.seconds = {"orm": 0.0, "raw": 0.0}
        self.education_rows = 0
        self.work_rows = 0

    def run(self, size: int, education_ratio: float, work_ratio: float) -> None:
        n_edu, n_work = round(size * education_ratio), round(size * work_ratio)
        kinds = ["orm", "raw"] if self.made["orm"] <= self.made["raw"] else ["raw", "orm"]
        for kind in kinds:
            first = self.made[kind]
            start = time.perf_counter()
            with transaction.atomic():
                (self._orm if kind == "orm" else self._raw)(kind, first, size, n_edu, n_work)
            self.seconds[kind] += time.perf_counter() - start
            self.made[kind] += size
            self.education_rows += n_edu
            self.work_rows += n_work

    def _person(self, kind: str, n: int) -> Person:
        return Person(
            archive_cipher=b"\x01" + bytes(46),
            archive_index=f"{BASELINE_TAG}{kind}-{n:045d}",
            archive_masked="4401**********123X",
            document_type="resident_id",
            nationality="CHN",
            name="张三",
            sex="2",
            birth_date=date(1990, 1, 1),
            region_code="440106",
            ethnicity="01",
            mobile="13800000000",
            category="1",
            agency=next(self.agencies),
            status=Status.COLLECTED,
            highest_education="21",
            version=1,
        )

    @staticmethod
    def _education(person: Person) -> Education:
        return Education(person=person, position=0, mode="1", school="某大学", education="21", major="会计学")

    @staticmethod
    def _work(person: Person) -> Work:
        return Work(
            person=person, position=0, start_date=date(2012, 7, 1), unit_name="某某有限公司", post="01"
        )

    def _orm(self, kind: str, first: int, size: int, n_edu: int, n_work: int) -> None:
        people = [self._person(kind, n) for n in range(first, first + size)]
        Person.objects.bulk_create(people)
        Education.objects.bulk_create(self._education(p) for p in people[:n_edu])
        Work.objects.bulk_create(self._work(p) for p in people[:n_work])

    def _raw(self, kind: str, first: int, size: int, n_edu: int, n_work: int) -> None:
        """INSERT … VALUES (%s, …) executemany with every column the ORM writes, values prepared once."""
        template = self._person(kind, first)
        template.created_at = template.updated_at = timezone.now()
        fields, person_sql, person_row = _prepared(template)
        at = {f.attname: i for i, f in enumerate(fields)}
        uid = connection.vendor != "sqlite"
        rows = []
        for n in range(first, first + size):
            row = list(person_row)
            row[at["uid"]] = uuid.uuid4() if uid else uuid.uuid4().hex
            row[at["archive_index"]] = f"{BASELINE_TAG}{kind}-{n:045d}"
            row[at["agency_id"]] = next(self.agencies).pk
            rows.append(row)
        with connection.cursor() as cur:
            cur.executemany(person_sql, rows)
            low, high = rows[0][at["archive_index"]], rows[-1][at["archive_index"]]
            cur.execute(
                "SELECT id FROM people_person WHERE archive_index >= %s AND archive_index <= %s ORDER BY id",
                [low, high],
            )
            ids = [r[0] for r in cur.fetchall()]
            assert len(ids) == size, (len(ids), size)
            for make, count in ((self._education, n_edu), (self._work, n_work)):
                child_fields, child_sql, child_row = _prepared(make(template))
                person_at = [f.attname for f in child_fields].index("person_id")
                cur.executemany(
                    child_sql,
                    [[*child_row[:person_at], pk, *child_row[person_at + 1 :]] for pk in ids[:count]],
                )

    def delete(self) -> None:
        like = BASELINE_TAG + "%"
        sub = "SELECT id FROM people_person WHERE archive_index LIKE %s"
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM people_education WHERE person_id IN ({sub})", [like])  # noqa: S608
            cur.execute(f"DELETE FROM people_work WHERE person_id IN ({sub})", [like])  # noqa: S608
            cur.execute("DELETE FROM people_person WHERE archive_index LIKE %s", [like])


def _prepared(obj: Person | Education | Work) -> tuple[list[Field[Any, Any]], str, list[Any]]:
    """The concrete non-pk columns of obj's table, its INSERT statement and obj's values for the database."""
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
    cols = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {obj._meta.db_table} ({cols}) VALUES ({marks})"  # noqa: S608
    return fields, sql, [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]


def seed_benchmark(world: World, count: int) -> SeedResult:
    """Time seed_people(province, count); every few seed batches, run one baseline batch inside the
    progress callback. The callback's time is subtracted from the seed's, so both see the same noise."""
    batches = -(-count // BATCH)
    every = max(1, batches // 10)
    baseline = _Baselines(world.province)
    counts0 = (Person.objects.count(), Education.objects.count(), Work.objects.count())
    state = {"calls": 0, "outside": 0.0, "shown": 0}

    def progress(made: int, total: int) -> None:
        enter = time.perf_counter()
        state["calls"] += 1
        if state["calls"] % every == 0 or made >= total:
            seeded = made or 1
            edu = (Education.objects.count() - counts0[1] - baseline.education_rows) / seeded
            work = (Work.objects.count() - counts0[2] - baseline.work_rows) / seeded
            baseline.run(BATCH, edu, work)
        if made - state["shown"] >= max(10_000, total // 10) or made >= total:
            state["shown"] = made
            say(f"  seeded {made:,}/{total:,}", err=True)
        state["outside"] += time.perf_counter() - enter

    start = time.perf_counter()
    made = seed_people(world.province, count, progress=progress)
    seconds = time.perf_counter() - start - state["outside"]
    baseline.delete()
    people = Person.objects.count() - counts0[0]
    return SeedResult(
        people=made,
        seconds=seconds,
        orm_people=baseline.made["orm"],
        orm_seconds=baseline.seconds["orm"],
        raw_people=baseline.made["raw"],
        raw_seconds=baseline.seconds["raw"],
        education_per_person=(Education.objects.count() - counts0[1]) / max(people, 1),
        work_per_person=(Work.objects.count() - counts0[2]) / max(people, 1),
    )


def settle_statistics(*, sqlite_too: bool) -> str:
    """Bring planner statistics to where a running node would have them, and say what was done.

    PostgreSQL's autovacuum analyses new tables within a minute or so, and the deleted baseline rows
    would otherwise leave dead tuples behind; on SQLite seed_people itself ends with ANALYZE, so
    by default nothing more is done (--analyze runs it again after the baselines)."""
    tables = ["orgs_agency", "accounts_membership", "people_person", "people_education", "people_work"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in tables:
                cur.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
        return "planner statistics: VACUUM ANALYZE after seeding (what autovacuum does on a live node)."
    if connection.vendor == "sqlite" and sqlite_too:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        return "planner statistics: ANALYZE again after the baselines (--analyze)."
    return "planner statistics: the ANALYZE that seed_people runs at the end of its load."
