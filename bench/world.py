"""The benchmark's world: a migrated database, the Guangdong agency tree, a province reviewer,
and the seeded people — the seed itself is benchmark 3, timed against a plain bulk_create."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import date
from itertools import cycle

from django.core.management import call_command
from django.db import connection, transaction

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.ops.seed import BATCH, seed_people
from registry.orgs.models import Agency, Level
from registry.orgs.services import agencies_sync
from registry.people.models import Education, Person, Status, Work

from .timing import Row

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
    baseline_people: int
    baseline_seconds: float
    education_per_person: float
    work_per_person: float

    def rows(self) -> list[Row]:
        app = self.people / self.seconds
        base = self.baseline_people / self.baseline_seconds
        return [
            Row(
                f"seed_people ({self.people:,} people; baseline {self.baseline_people:,})",
                f"{app:,.0f} people/s",
                f"{base:,.0f} people/s",
                f"{base / app:.1f}× slower",
            ),
            Row(
                "seed_people — total wall time",
                f"{self.seconds:.1f} s",
                f"{self.people / base:.1f} s (est.)",
                "",
            ),
        ]


class _Baseline:
    """Plain bulk_create of minimal Person rows (constant values, no SM4, no HMAC, no synthetic
    generation) with as many Education/Work rows per person as the seed made, in 2,000-row
    transactions like the seed. Runs between seed batches; the rows are deleted afterwards."""

    def __init__(self, province: Agency) -> None:
        counties = Agency.objects.filter(path__startswith=province.path, level=Level.COUNTY)
        self.agencies = cycle(list(counties.exclude(division_code="")))
        self.made = 0
        self.education_rows = 0
        self.work_rows = 0
        self.seconds = 0.0

    def batch(self, size: int, education_ratio: float, work_ratio: float) -> None:
        n_edu, n_work = round(size * education_ratio), round(size * work_ratio)
        start = time.perf_counter()
        people = []
        for _ in range(size):
            n = self.made
            self.made += 1
            people.append(
                Person(
                    archive_cipher=b"\x01" + bytes(46),
                    archive_index=f"{BASELINE_TAG}{n:049d}",
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
            )
        with transaction.atomic():
            Person.objects.bulk_create(people)
            Education.objects.bulk_create(
                Education(person=p, position=0, mode="1", school="某大学", education="21", major="会计学")
                for p in people[:n_edu]
            )
            Work.objects.bulk_create(
                Work(person=p, position=0, start_date=date(2012, 7, 1), unit_name="某某有限公司", post="01")
                for p in people[:n_work]
            )
        self.seconds += time.perf_counter() - start
        self.education_rows += n_edu
        self.work_rows += n_work

    def delete(self) -> None:
        like = BASELINE_TAG + "%"
        sub = "SELECT id FROM people_person WHERE archive_index LIKE %s"
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM people_education WHERE person_id IN ({sub})", [like])  # noqa: S608
            cur.execute(f"DELETE FROM people_work WHERE person_id IN ({sub})", [like])  # noqa: S608
            cur.execute("DELETE FROM people_person WHERE archive_index LIKE %s", [like])


def seed_benchmark(world: World, count: int) -> SeedResult:
    """Time seed_people(province, count); every few seed batches, run one baseline batch inside the
    progress callback. The callback's time is subtracted from the seed's, so both see the same noise."""
    batches = -(-count // BATCH)
    every = max(1, batches // 10)
    baseline = _Baseline(world.province)
    counts0 = (Person.objects.count(), Education.objects.count(), Work.objects.count())
    state = {"calls": 0, "outside": 0.0, "shown": 0}

    def progress(made: int, total: int) -> None:
        enter = time.perf_counter()
        state["calls"] += 1
        if state["calls"] % every == 0 or made >= total:
            seeded = made or 1
            edu = (Education.objects.count() - counts0[1] - baseline.education_rows) / seeded
            work = (Work.objects.count() - counts0[2] - baseline.work_rows) / seeded
            baseline.batch(BATCH, edu, work)
        if made - state["shown"] >= max(10_000, total // 10) or made >= total:
            state["shown"] = made
            print(f"  seeded {made:,}/{total:,}", file=sys.stderr, flush=True)
        state["outside"] += time.perf_counter() - enter

    start = time.perf_counter()
    made = seed_people(world.province, count, progress=progress)
    seconds = time.perf_counter() - start - state["outside"]
    baseline.delete()
    people = Person.objects.count() - counts0[0]
    return SeedResult(
        people=made,
        seconds=seconds,
        baseline_people=baseline.made,
        baseline_seconds=baseline.seconds,
        education_per_person=(Education.objects.count() - counts0[1]) / max(people, 1),
        work_per_person=(Work.objects.count() - counts0[2]) / max(people, 1),
    )
