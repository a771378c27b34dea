"""Benchmark 5, 批量导入: a synthetic file of N people imported through the import job (dry run,
then commit), beside two baselines — reading the same file only, and a bare bulk_create of the
same Person, Education and Work rows — and the re-import of the same file (all unchanged).

`import_benchmark(rows)` expects Django set up (as `python -m bench` does) and returns the lines
to print; progress goes to stderr. Standalone: `python -m bench.imports [--rows N] [--keep]` makes
its own SQLite database in a temporary directory (or uses DATABASE_URL, like `python -m bench`).
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import os
import pickle
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

from .timing import Row, print_table, say

CHUNK = 2000
T = TypeVar("T")


@contextmanager
def _batch_statistics() -> Iterator[str]:
    """The statistics listener refreshes one person per call (several queries each); the import
    writes a thousand at a time. Until people.hooks offers the batch notification `people_written`
    that `registry.imports.journal` uses when present (docs/adr/0012-bulk-import.md), install it
    here: statistics' own `person_facts_refresh` over the chunk, other listeners per person."""
    from registry.people import hooks

    if hasattr(hooks, "people_written"):
        yield "statistics: people.hooks.people_written (batch) as the tree has it"
        return
    from registry.stats.aggregates import on_person_written, person_facts_refresh

    def people_written(persons: list[Any]) -> None:
        if on_person_written in hooks.WRITE_LISTENERS:
            person_facts_refresh([p.pk for p in persons])
        for listener in hooks.WRITE_LISTENERS:
            if listener is not on_person_written:
                for person in persons:
                    listener(person)

    hooks.people_written = people_written  # type: ignore[attr-defined]
    try:
        yield "statistics: one batch refresh per chunk (proposed hooks.people_written, set by the bench)"
    finally:
        del hooks.people_written  # type: ignore[attr-defined]


def _peak_mib() -> float:
    # ru_maxrss is in KiB on Linux: the process's peak resident set so far.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_now_mib() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def _forked(work: Callable[[], T]) -> tuple[T, float, float]:
    """Run `work` in a forked child and return (its result, the child's peak RSS, the parent's RSS
    at the fork, which the child starts with). ru_maxrss never goes down, so measuring the import
    in this process would report the benchmark's own earlier peaks (file generation) instead."""
    from django.db import connections

    connections.close_all()  # the child opens its own
    base = _rss_now_mib()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        try:
            outcome: tuple[str, Any] = ("ok", work())
        except BaseException as exc:
            outcome = ("error", repr(exc))
        with os.fdopen(write_end, "wb") as out:
            pickle.dump((outcome, _peak_mib()), out)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as inp:
        (status, value), peak = pickle.load(inp)  # noqa: S301 -- our own child's answer
    os.waitpid(pid, 0)
    if status != "ok":
        raise RuntimeError(f"benchmark child failed: {value}")
    return value, peak, base


def _fakes(rows: int, seed: int) -> Iterator[Any]:
    from registry.ops.synthetic import people
    from registry.orgs.models import Agency, Level
    from registry.standard.codes import divisions

    counties = Agency.objects.filter(path__startswith="/000000/440000/", level=Level.COUNTY).exclude(
        division_code=""
    )
    table = divisions()
    names = {
        a.code: table.label(table.city_of(a.division_code) or "440000").removesuffix("市") for a in counties
    }
    stream = people(random.Random(seed), names, date.today())
    seen: set[str] = set()
    made = 0
    for fake in stream:
        if fake.archive_no in seen:
            continue
        seen.add(fake.archive_no)
        yield fake
        made += 1
        if made >= rows:
            return


def _csv_file(rows: int, seed: int) -> bytes:
    from registry.imports.columns import COLUMNS
    from registry.imports.testing import row_for

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    heads = [c.header for c in COLUMNS]
    writer.writerow(heads)
    for fake in _fakes(rows, seed):
        row = row_for(fake, fake.county)
        writer.writerow(["" if row.get(h) is None else str(row.get(h)) for h in heads])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_file(rows: int, seed: int) -> bytes:
    from registry.imports.testing import row_for, xlsx_bytes

    return xlsx_bytes((row_for(f, f.county) for f in _fakes(rows, seed)), constant_memory=True)


def _read_only(data: bytes, fmt: str) -> tuple[float, int]:
    """Baseline 1: open the file and walk every cell, as the import's reader does, nothing else."""
    from registry.imports.reader import open_source

    start = time.perf_counter()
    n = sum(1 for _ in open_source(data, fmt).rows)
    return time.perf_counter() - start, n


def _bulk_baseline(rows: int, seed: int) -> float:
    """Baseline 2: the same people as bare Person/Education/Work rows, bulk_create in 2,000-person
    transactions: no validation, no encryption, no history, audit or outbox. Deleted afterwards."""
    from django.db import transaction

    from registry.orgs.models import Agency
    from registry.people.models import Education, Person, Status, Work

    agencies = {a.code: a for a in Agency.objects.filter(path__startswith="/000000/440000/")}
    fakes = _fakes(rows, seed)
    elapsed = 0.0
    made = 0
    while True:
        batch = [f for _, f in zip(range(CHUNK), fakes, strict=False)]
        if not batch:
            break
        start = time.perf_counter()
        with transaction.atomic():
            people = [
                Person(
                    archive_cipher=b"\x01" + bytes(46),
                    archive_index=f"bench-import-baseline-{made + i:040d}",
                    archive_masked="4401**********123X",
                    document_type="resident_id",
                    nationality="CHN",
                    name=f.name,
                    sex=f.sex,
                    birth_date=f.birth_date,
                    region_code=f.archive_no[:6],
                    ethnicity="01",
                    mobile=f.mobile,
                    category=f.category,
                    agency=agencies[f.county],
                    status=Status.COLLECTED,
                    highest_education=str(f.education[0]["education"]),
                    version=1,
                )
                for i, f in enumerate(batch)
            ]
            Person.objects.bulk_create(people)
            Education.objects.bulk_create(
                Education(person=p, position=0, **f.education[0]) for p, f in zip(people, batch, strict=True)
            )
            Work.objects.bulk_create(
                Work(person=p, position=0, **f.work[0]) for p, f in zip(people, batch, strict=True) if f.work
            )
        elapsed += time.perf_counter() - start
        made += len(batch)
    with transaction.atomic():
        doomed = Person.objects.filter(archive_index__startswith="bench-import-baseline-")
        Education.objects.filter(person__in=doomed).delete()
        Work.objects.filter(person__in=doomed).delete()
        doomed.delete()
    return elapsed


class _Progress:
    def __init__(self, label: str) -> None:
        self.label, self.shown = label, 0

    def __call__(self, done: int, total: int) -> None:
        if done - self.shown >= max(10_000, total // 5) or (done >= total and done != self.shown):
            self.shown = done
            say(f"  {self.label} {done:,}/{total:,}", err=True)


@dataclass
class Outcome:
    dry: float = 0.0
    commit: float = 0.0
    cpu: float = 0.0  # process CPU seconds of dry run + commit: what the shared machine's load inflates least
    dry_cpu: float = 0.0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    rejected: int = 0


def _job(data: bytes, name: str, *, commit: bool, batch_statistics: bool = True) -> Outcome:
    from registry.imports.runner import commit_job, validate_job
    from registry.imports.services import import_job_confirm, import_job_create
    from registry.orgs.models import Agency

    province = Agency.objects.get(code="440000")
    job = import_job_create(actor=None, agency=province, file_name=name, data=data, start=False)
    with _batch_statistics() if batch_statistics else nullcontext(""):
        cpu = time.process_time()
        start = time.perf_counter()
        job = validate_job(job.pk, progress=_Progress("dry run"))
        out = Outcome(dry=time.perf_counter() - start, dry_cpu=time.process_time() - cpu)
        if job.error_message:
            raise RuntimeError(job.error_message)
        out.create, out.update = job.planned_create, job.planned_update
        out.unchanged, out.rejected = job.planned_unchanged, job.planned_rejected
        if commit:
            job = import_job_confirm(actor=None, job=job, start=False)
            start = time.perf_counter()
            job = commit_job(job.pk, progress=_Progress("commit"))
            out.commit = time.perf_counter() - start
            out.create, out.update, out.unchanged, out.rejected = (
                job.created,
                job.updated,
                job.unchanged,
                job.rejected,
            )
        out.cpu = time.process_time() - cpu
    return out


def import_benchmark(rows: int = 100_000, *, seed: int = 2026) -> list[str]:
    from bench.world import build_world
    from registry.audit.models import AuditEvent, OutboxEvent
    from registry.people.models import Person

    build_world()
    lines: list[str] = []
    say(f"import: writing a {rows:,}-row CSV file …", err=True)
    start = time.perf_counter()
    data = _csv_file(rows, seed)
    made_csv = time.perf_counter() - start
    gc.collect()
    people0, audit0, outbox0 = Person.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count()
    say("import: reading the file only (baseline) …", err=True)
    read_s, read_n = _read_only(data, "csv")
    say("import: dry run + commit (in a child process, for its peak RSS) …", err=True)
    with _batch_statistics() as stats_note:
        pass  # only its note: _job installs it in the child
    job, peak_csv, base_csv = _forked(partial(_job, data, "bench.csv", commit=True))
    dry_s, commit_s = job.dry, job.commit
    new_people = Person.objects.count() - people0
    new_audit, new_outbox = AuditEvent.objects.count() - audit0, OutboxEvent.objects.count() - outbox0
    say("import: bare bulk_create of the same rows (baseline) …", err=True)
    bulk_s = _bulk_baseline(rows, seed)
    say("import: re-importing the same file (expect all unchanged) …", err=True)
    versions = Person.objects.filter(version__gt=1).count()
    again = _job(data, "bench-again.csv", commit=False)
    again_s = again.dry
    bumped = Person.objects.filter(version__gt=1).count() - versions
    say(f"import: writing the same {rows:,} people as xlsx and checking it …", err=True)
    xlsx = _xlsx_file(rows, seed)
    csv_mib = len(data) / 2**20
    del data
    gc.collect()
    xread_s, _ = _read_only(xlsx, "xlsx")
    xjob, peak_xlsx, base_xlsx = _forked(partial(_job, xlsx, "bench.xlsx", commit=False))
    xdry_s = xjob.dry
    sample = min(2000, rows)
    say(f"import: {sample:,} more people, statistics listener per person as the tree has it …", err=True)
    plain = _job(_csv_file(sample, seed + 1), "bench-per-person.csv", commit=True, batch_statistics=False)
    per_person = (plain.dry + plain.commit) / sample
    total = dry_s + commit_s
    budget = 90 * rows / 100_000
    verdict = "met" if total <= budget else "NOT met"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    cores = len(os.sched_getaffinity(0))
    table = [
        Row(
            f"import {rows:,} new people (CSV): dry run + commit",
            f"{total:.1f} s",
            f"{read_s:.1f} s read only",
            f"{total / read_s:.1f}×",
        ),
        Row(
            "  dry run (read, validate, plan)",
            f"{dry_s:.1f} s",
            f"{read_s:.1f} s read only",
            f"{dry_s / read_s:.1f}×",
        ),
        Row(
            "  commit (check again, write, audit, outbox)",
            f"{commit_s:.1f} s",
            f"{bulk_s:.1f} s bare bulk_create",
            f"{commit_s / bulk_s:.1f}×",
        ),
        Row("  throughput", f"{rows / total:,.0f} rows/s", f"{rows / bulk_s:,.0f} rows/s bulk", ""),
        Row(
            "re-import same CSV: dry run (all unchanged)",
            f"{again_s:.1f} s",
            f"{read_s:.1f} s read only",
            f"{again_s / read_s:.1f}×",
        ),
        Row(
            "same people as xlsx: dry run",
            f"{xdry_s:.1f} s",
            f"{xread_s:.1f} s read only",
            f"{xdry_s / xread_s:.1f}×",
        ),
    ]
    buf = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, buf
    try:
        print_table(table)
    finally:
        sys.stdout = real_stdout
    lines += buf.getvalue().rstrip("\n").split("\n")
    lines += [
        f"file: CSV {csv_mib:.1f} MiB ({made_csv:.1f} s to generate), "
        f"xlsx {len(xlsx) / 2**20:.1f} MiB; {read_n:,} data rows",
        f"outcome: created {job.create:,}, updated {job.update}, unchanged {job.unchanged}, "
        f"rejected {job.rejected}; +{new_people:,} people, +{new_audit:,} audit events, "
        f"+{new_outbox:,} outbox rows",
        f"re-import: unchanged {again.unchanged:,}, update {again.update}, "
        f"create {again.create}, rejected {again.rejected}; versions bumped: {bumped}",
        f"xlsx dry run: unchanged {xjob.unchanged:,}, rejected {xjob.rejected}",
        f"peak RSS (ru_maxrss of the importing child): CSV dry run + commit {peak_csv:.0f} MiB "
        f"(+{peak_csv - base_csv:.0f} MiB over the {base_csv:.0f} MiB it forked with); xlsx dry run "
        f"{peak_xlsx:.0f} MiB (+{peak_xlsx - base_xlsx:.0f} MiB: calamine holds the whole sheet)",
        f"budget: {rows:,} rows in ≤ {budget:.0f} s → {verdict} ({total:.1f} s wall, "
        f"{job.cpu:.1f} s CPU of the importing process: dry run {job.dry_cpu:.1f} s, commit "
        f"{job.cpu - job.dry_cpu:.1f} s; load average {load} on {cores} cores)",
        stats_note,
        f"per-person statistics listener (the tree today): {sample:,} rows took "
        f"{plain.dry + plain.commit:.1f} s "
        f"({per_person * 1000:.1f} ms a row) → about {per_person * rows:.0f} s for {rows:,}",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    from .__main__ import _environment

    var_dir = tempfile.mkdtemp(prefix="registry-bench-imports-")
    _environment(var_dir)
    import django

    django.setup()
    try:
        for line in import_benchmark(args.rows):
            say(line)
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
