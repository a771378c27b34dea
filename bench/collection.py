"""Benchmark 4, 信息采集: submit-to-approve through the services, per record, and the review queue
page at 10,000 pending applications — each beside the bare SQL the path minimally needs.

Runs after the other benchmarks, in the same database: it registers its own accountants, adds a
county reviewer, and tops the province's review queue up to 10,000 with seed_people and bulk_create."""

from __future__ import annotations

import io
import random
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max, Min, Model
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from PIL import Image

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.audit.models import AuditEvent, OutboxEvent
from registry.collection import services
from registry.collection.models import OPEN_STATES, Collection, CollectionStatus
from registry.collection.proofs import required_proofs
from registry.core.deadlines import add_working_days
from registry.core.errors import DomainError
from registry.core.models import Decision
from registry.documents.services import document_store
from registry.ops.seed import seed_people
from registry.ops.synthetic import people
from registry.orgs.models import Agency
from registry.people.models import Person, Status
from registry.people.services import person_update

from .cases import _explain, _fresh_actor, _short
from .timing import Row, Samples, interleave, ms, say, timing_row
from .world import World

COUNTY = "440106"  # 天河区: the prepared accountants work there and its reviewer approves them
QUEUE_PENDING = 10_000
QUEUE_PAGE = 100  # registry.collection.views_review.QUEUE_PAGE
SKIP_ON_REGISTER = {"collection.already_registered", "account.mobile_taken"}


# ---------------------------------------------------------------------------------------------
# shared helpers


class _Insert:
    """INSERT of every concrete non-pk column of a model, values adapted by the model's fields."""

    def __init__(self, model: type[Model]) -> None:
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        cols = ", ".join(connection.ops.quote_name(str(f.column)) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {model._meta.db_table} ({cols}) VALUES ({marks})"  # noqa: S608

    def params(self, values: dict[str, Any]) -> list[Any]:
        return [f.get_db_prep_save(values[f.attname], connection) for f in self.fields]


def _county_reviewer(county: Agency) -> User:
    user, _ = User.objects.get_or_create(username="bench_county_reviewer", defaults={"is_active": True})
    membership_grant(user=user, agency=county, role=Role.COUNTY_REVIEWER)
    return user


def _plans(
    fn: Callable[[], object], tables: tuple[str, ...]
) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Like cases._plans, for SELECTs on any of `tables`; also returns (sql, plan) of those."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    out = [f"  {len(ctx.captured_queries)} queries"]
    explained: list[tuple[str, list[str]]] = []
    for q in ctx.captured_queries:
        sql = q["sql"]
        out.append(f"  SQL  {_short(sql)}  [{float(q['time']) * 1000:.1f} ms]")
        if any(t in sql for t in tables) and sql.lstrip().upper().startswith("SELECT"):
            plan = _explain(sql)
            explained.append((sql, plan))
            out += [f"       plan: {line}" for line in plan]
    return out, explained


# ---------------------------------------------------------------------------------------------
# 1. submit → approve, per record


def _pngs() -> dict[str, tuple[str, bytes]]:
    """One small PNG per proof kind (a different colour each, so no two proofs are the same file)."""
    colours = ["white", "lightgrey", "beige", "lavender", "honeydew", "mintcream", "azure"]
    out = {}
    for (kind, _), colour in zip(required_proofs("1"), colours, strict=False):
        buf = io.BytesIO()
        Image.new("RGB", (120, 90), colour).save(buf, "PNG")
        out[kind] = (f"{kind}.png", buf.getvalue())
    return out


def _prepare_ready(count: int, county: Agency) -> list[User]:
    """`count` accountants ready to submit, made through the services as the portal makes them:
    register, accept the pledge, education and work in the county, every proof, agency chosen.

    Password hashing is switched to a fast hasher while registering (Argon2 costs ~0.2 s a person
    and is not on the timed path); the passwords are random and made unusable afterwards."""
    rng = random.Random(4401)
    stream = (f for f in people(rng, {county.code: "广州"}, date.today()) if f.category == "1")
    pngs = _pngs()
    ready: list[User] = []
    shown = 0
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        while len(ready) < count:
            fake = next(stream)
            try:
                user = services.accountant_register(
                    document_type="resident_id",
                    archive_no=fake.archive_no,
                    nationality=None,
                    name=fake.name,
                    mobile=f"177{rng.randrange(10**8):08d}",
                    email="bench@example.com",
                    password=secrets.token_urlsafe(18),
                )
            except DomainError as exc:
                if {e.code for e in exc.errors} & SKIP_ON_REGISTER:
                    continue  # the number or mobile is already on file (seeded, or an earlier run)
                raise
            services.collection_accept_pledge(actor=user, client_address="127.0.0.1")
            person = Person.objects.get(user=user)
            work = [{**fake.work[0], "unit_region": county.code}]
            person_update(
                actor=user,
                person=person,
                changes={"education": fake.education, "work": work, "identity": {"ethnicity": "01"}},
            )
            for kind, _ in required_proofs("1"):
                document_store(actor=user, owner_uid=person.uid, kind=kind, files=[pngs[kind]])
            services.collection_choose_agency(actor=user, agency_code=county.code)
            ready.append(user)
            if len(ready) - shown >= max(50, count // 4) or len(ready) == count:
                shown = len(ready)
                say(f"  prepared {len(ready)}/{count} accountants", err=True)
    User.objects.filter(pk__in=[u.pk for u in ready]).update(password=make_password(None))
    return ready


@dataclass
class _BaseRecord:
    collection_id: int
    collection_uid: uuid.UUID
    person_id: int
    person_uid: uuid.UUID
    version: int


class _SubmitApproveBaseline:
    """The writes the two transactions minimally make, as raw SQL on a prepared record: per
    transaction one conditional UPDATE of the collection's status, one INSERT into the decision
    log, one UPDATE of the person's status and version, one INSERT of an audit event and one of an
    outbox row with a payload as long as the project's (random bytes). No reads, no validation,
    no SM3 chain, no SM4, no counter rows: audit and outbox rows take negative sequence numbers
    (deleted afterwards) so the node's hash chain and change feed stay untouched."""

    def __init__(self, county: Agency, actor: User, payload_size: int) -> None:
        self.county = county
        self.actor = actor
        self.actor_name = str(actor)
        self.payload_size = payload_size
        self.payload = secrets.token_bytes(payload_size)
        self.records: list[_BaseRecord] = []
        self.originals: list[tuple[Any, ...]] = []
        self.collection_ids: list[int] = []
        self.decision = _Insert(Decision)
        self.audit = _Insert(AuditEvent)
        self.outbox = _Insert(OutboxEvent)
        self.seq = 0

    def prepare(self, count: int) -> None:
        """Draft collections for `count` seeded people with no open collection (drafts first)."""
        open_ids = Collection.objects.filter(status__in=OPEN_STATES).values("person_id")
        pool = Person.objects.filter(user__isnull=True).exclude(id__in=open_ids)
        chosen = list(pool.filter(status=Status.DRAFT).order_by("id")[:count])
        if len(chosen) < count:
            chosen += list(pool.exclude(status=Status.DRAFT).order_by("id")[: count - len(chosen)])
        assert len(chosen) == count, f"only {len(chosen)} seeded people for the baseline"
        self.originals = [
            (p.status, p.agency_id, p.version, p.updated_at, p.collected_at, p.id) for p in chosen
        ]
        made = Collection.objects.bulk_create(Collection(person=p, agency=p.agency) for p in chosen)
        if any(c.pk is None for c in made):  # backends without RETURNING on bulk insert
            made = list(Collection.objects.filter(person__in=chosen, status=CollectionStatus.DRAFT))
        by_person = {c.person_id: c for c in made}
        for p in chosen:
            c = by_person[p.id]
            self.records.append(_BaseRecord(c.pk, c.uid, p.id, p.uid, p.version))
        self.collection_ids = [c.pk for c in made]
        low = min(
            AuditEvent.objects.aggregate(m=Min("seq"))["m"] or 0,
            OutboxEvent.objects.aggregate(m=Min("seq"))["m"] or 0,
            0,
        )
        self.seq = low

    def _journal(
        self, cur: Any, rec: _BaseRecord, action: str, collection_uid: str, step: tuple[str, str]
    ) -> None:
        now = timezone.now()
        cur.execute(
            self.decision.sql,
            self.decision.params(
                {
                    "object_type": "collection.collection",
                    "object_id": collection_uid,
                    "action": action.removeprefix("collection."),
                    "from_state": step[0],
                    "to_state": step[1],
                    "actor_id": self.actor.pk,
                    "actor_name": self.actor_name,
                    "reason": "",
                    "details": {},
                    "at": now,
                }
            ),
        )
        rec.version += 1
        self.seq -= 1
        cur.execute(
            self.audit.sql,
            self.audit.params(
                {
                    "seq": self.seq,
                    "at": now,
                    "actor_id": self.actor.pk,
                    "actor_name": self.actor_name,
                    "action": action,
                    "object_type": "person",
                    "object_id": str(rec.person_uid),
                    "data": {"version": rec.version, "agency": self.county.code},
                    "prev_hash": "0" * 64,
                    "hash": "0" * 64,
                }
            ),
        )
        cur.execute(
            self.outbox.sql,
            self.outbox.params(
                {
                    "seq": self.seq,
                    "created_at": now,
                    "person_uid": rec.person_uid,
                    "person_version": rec.version,
                    "kind": action,
                    "payload": self.payload,
                    "sent_at": None,
                }
            ),
        )

    def submit(self, rec: _BaseRecord) -> None:
        now = timezone.now()
        deadline = add_working_days(timezone.localdate(now), settings.REGISTRY_REVIEW_WORKING_DAYS)
        ops = connection.ops
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "UPDATE collection_collection SET status = %s, submitted_at = %s, deadline = %s, "
                "submissions = submissions + 1 WHERE id = %s AND status = %s",
                [
                    CollectionStatus.SUBMITTED.value,
                    ops.adapt_datetimefield_value(now),
                    ops.adapt_datefield_value(deadline),
                    rec.collection_id,
                    CollectionStatus.DRAFT.value,
                ],
            )
            assert cur.rowcount == 1
            cur.execute(
                "UPDATE people_person SET status = %s, agency_id = %s, version = version + 1, "
                "updated_at = %s WHERE id = %s",
                [Status.PENDING.value, self.county.pk, ops.adapt_datetimefield_value(now), rec.person_id],
            )
            self._journal(cur, rec, "collection.submit", str(rec.collection_uid), ("draft", "submitted"))

    def approve(self, rec: _BaseRecord) -> None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "UPDATE collection_collection SET status = %s, decided_at = %s WHERE id = %s AND status = %s",
                [CollectionStatus.APPROVED.value, now, rec.collection_id, CollectionStatus.SUBMITTED.value],
            )
            assert cur.rowcount == 1
            cur.execute(
                "UPDATE people_person SET status = %s, collected_at = COALESCE(collected_at, %s), "
                "version = version + 1, updated_at = %s WHERE id = %s",
                [Status.COLLECTED.value, now, now, rec.person_id],
            )
            self._journal(cur, rec, "collection.approve", str(rec.collection_uid), ("submitted", "approved"))

    def undo(self) -> None:
        """Delete every row the baseline made and put its people back as they were."""
        uids = [str(r.collection_uid) for r in self.records]
        ops = connection.ops
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM audit_auditevent WHERE seq < 0")
            cur.execute("DELETE FROM audit_outboxevent WHERE seq < 0")
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                Decision.objects.filter(object_type="collection.collection", object_id__in=chunk).delete()
                Collection.objects.filter(pk__in=self.collection_ids[start : start + 500]).delete()
            cur.executemany(
                "UPDATE people_person SET status = %s, agency_id = %s, version = %s, updated_at = %s, "
                "collected_at = %s WHERE id = %s",
                [
                    [s, a, v, ops.adapt_datetimefield_value(u), ops.adapt_datetimefield_value(c), i]
                    for s, a, v, u, c, i in self.originals
                ],
            )


def submit_approve_benchmark(
    world: World, county: Agency, reviewer: User, records: int, warmup: int
) -> tuple[list[Row], list[str], list[str]]:
    total = records + warmup + 1  # the last one runs under CaptureQueriesContext
    say(f"preparing {total} ready-to-submit accountants …", err=True)
    started = time.perf_counter()
    ready = _prepare_ready(total, county)
    prep_seconds = time.perf_counter() - started
    last_outbox = OutboxEvent.objects.filter(person_uid=Person.objects.get(user=ready[0]).uid).latest("seq")
    baseline = _SubmitApproveBaseline(county=county, actor=reviewer, payload_size=len(last_outbox.payload))
    baseline.prepare(total)

    app_iter: Iterator[User] = iter(ready)
    base_iter: Iterator[_BaseRecord] = iter(baseline.records)
    split: dict[str, list[float]] = {
        "app submit": [],
        "app approve": [],
        "base submit": [],
        "base approve": [],
    }

    def app(_: int) -> None:
        user = next(app_iter)
        t0 = time.perf_counter()
        collection = services.collection_submit(actor=_fresh_actor(user))
        t1 = time.perf_counter()
        services.collection_approve(actor=_fresh_actor(reviewer), uid=collection.uid)
        split["app submit"].append(t1 - t0)
        split["app approve"].append(time.perf_counter() - t1)

    def base(_: int) -> None:
        rec = next(base_iter)
        t0 = time.perf_counter()
        baseline.submit(rec)
        t1 = time.perf_counter()
        baseline.approve(rec)
        split["base submit"].append(t1 - t0)
        split["base approve"].append(time.perf_counter() - t1)

    say(f"timing submit → approve, {records} records per path …", err=True)
    a, b = interleave(app, base, runs=records, warmup=warmup)
    parts = {k: Samples(v[warmup:]) for k, v in split.items()}

    with CaptureQueriesContext(connection) as app_submit:
        user = next(app_iter)
        collection = services.collection_submit(actor=_fresh_actor(user))
    with CaptureQueriesContext(connection) as app_approve:
        services.collection_approve(actor=_fresh_actor(reviewer), uid=collection.uid)
    rec = next(base_iter)
    with CaptureQueriesContext(connection) as base_submit:
        baseline.submit(rec)
    with CaptureQueriesContext(connection) as base_approve:
        baseline.approve(rec)

    # Both paths did what they claim: the project's records are approved and collected.
    done = Collection.objects.filter(person__user__in=ready, status=CollectionStatus.APPROVED).count()
    assert done == total, (done, total)
    assert Person.objects.filter(user__in=ready, status=Status.COLLECTED).count() == total
    baseline.undo()

    name = f"submit+approve per record (n={records})"
    rows = timing_row(name, a, b)
    for step in ("submit", "approve"):
        app_s, base_s = parts[f"app {step}"], parts[f"base {step}"]
        rows.append(
            Row(
                f"  {step} only — median",
                ms(app_s.median),
                ms(base_s.median),
                f"{app_s.median / base_s.median:.1f}×",
            )
        )
    n_app = [_statements(app_submit), _statements(app_approve)]
    n_base = [_statements(base_submit), _statements(base_approve)]
    rows.append(
        Row(
            "  SQL statements per record (submit + approve)",
            f"{n_app[0]} + {n_app[1]}",
            f"{n_base[0]} + {n_base[1]}",
            f"{sum(n_app) / sum(n_base):.1f}×",
        )
    )
    made = f"{total} in {prep_seconds:.0f} s"
    explain = [
        f"submit+approve = collection_submit(actor=accountant), then collection_approve(actor={COUNTY}",
        "  county reviewer, memberships uncached as in a request): two transactions per record, on",
        f"  accountants made beforehand through the portal services ({made}, not timed);",
        "  project and baseline alternate record by record; baseline = per transaction UPDATE collection",
        "  + INSERT decision + UPDATE person (status, version) + INSERT audit event + INSERT outbox row",
        f"  ({baseline.payload_size:,}-byte payload, as the project's), raw cursor, the same two",
        "  transactions; no reads, no validation, no SM3 chain, no SM4, no counter rows.",
    ]
    notes = [
        f"submit → approve: the statements of one record ({sum(n_app)} vs the baseline's {sum(n_base)},"
        " BEGIN/COMMIT not counted)"
    ]
    for label, ctx in (("collection_submit", app_submit), ("collection_approve", app_approve)):
        notes.append(f"  {label}: {_statements(ctx)} statements")
        notes += [f"    {_short(q['sql'], 160)}" for q in ctx.captured_queries]
    return rows, explain, notes


# ---------------------------------------------------------------------------------------------
# 2. the review queue at 10,000 pending


def _pending_queue(world: World, target: int) -> tuple[int, int, int, float]:
    """Top the province's review queue up to `target` submitted collections: seed that many more
    people (seed_people), mark them pending, and give each one that has none a submitted
    collection held by its agency, submitted over the last ten days, with the deadline submission
    would have given it. Returns (pending now, already pending, made by seed_people, seconds)."""
    started = time.perf_counter()
    in_tree = Collection.objects.filter(
        status=CollectionStatus.SUBMITTED, agency__path__startswith=world.province.path
    )
    already = in_tree.count()
    need = target - already
    seeded_with = 0
    if need > 0:
        before = Person.objects.aggregate(m=Max("id"))["m"] or 0
        say(f"seeding {need:,} people for the review queue …", err=True)
        seed_people(world.province, need, random_seed=7)
        new = Person.objects.filter(id__gt=before)
        seeded_with = Collection.objects.filter(person__in=new, status__in=OPEN_STATES).count()
        new.update(status=Status.PENDING, collected_at=None)
        rng = random.Random(10)
        now = timezone.now()
        days = settings.REGISTRY_REVIEW_WORKING_DAYS
        made = []
        has_open = Collection.objects.filter(status__in=OPEN_STATES).values("person_id")
        for pid, aid in new.exclude(id__in=has_open).values_list("id", "agency_id").order_by("id"):
            at = now - timedelta(seconds=rng.uniform(60, 10 * 86_400))
            made.append(
                Collection(
                    person_id=pid,
                    agency_id=aid,
                    status=CollectionStatus.SUBMITTED,
                    submitted_at=at,
                    deadline=add_working_days(timezone.localdate(at), days),
                    submissions=1,
                )
            )
        with transaction.atomic():
            Collection.objects.bulk_create(made, batch_size=2000)
    return in_tree.count(), already, seeded_with, time.perf_counter() - started


_ROWS_SQL = (
    "SELECT c.uid, c.submissions, c.submitted_at, c.deadline, p.name, p.archive_masked, p.category, "
    "a.short_name FROM collection_collection c "
    "JOIN people_person p ON p.id = c.person_id JOIN orgs_agency a ON a.id = c.agency_id "
    "WHERE c.status = %s AND c.agency_id IN (SELECT id FROM orgs_agency WHERE path LIKE %s){extra} "
    "ORDER BY c.submitted_at, c.id LIMIT {limit}"
)
_COUNT_SQL = (
    "SELECT COUNT(*) FROM collection_collection c WHERE c.status = %s "
    "AND c.agency_id IN (SELECT id FROM orgs_agency WHERE path LIKE %s){extra}"
)
_LATE = " AND c.deadline < %s"
_PENDING = re.compile(r"待审核 <strong>(\d+)</strong>")
_OVERDUE = re.compile(r"已超期 <strong>(\d+)</strong>")


@dataclass
class _QueueCase:
    label: str
    client: Client
    url: str
    like: str  # the reviewer's subtree: agency.path + "%"
    overdue: bool

    def app(self, _: int = 0) -> None:
        response = self.client.get(self.url)
        assert response.status_code == 200, (self.url, response.status_code)

    def base(self, _: int = 0) -> tuple[int, int, int]:
        """The page's rows, the pending count and the overdue count, bare SQL."""
        status = CollectionStatus.SUBMITTED.value
        today = connection.ops.adapt_datefield_value(date.today())
        with connection.cursor() as cur:
            if self.overdue:
                cur.execute(_ROWS_SQL.format(extra=_LATE, limit=QUEUE_PAGE), [status, self.like, today])
            else:
                cur.execute(_ROWS_SQL.format(extra="", limit=QUEUE_PAGE), [status, self.like])
            shown = len(cur.fetchall())
            cur.execute(_COUNT_SQL.format(extra=""), [status, self.like])
            pending = cur.fetchone()
            cur.execute(_COUNT_SQL.format(extra=_LATE), [status, self.like, today])
            late = cur.fetchone()
        return shown, pending[0] if pending else 0, late[0] if late else 0

    def check(self) -> tuple[int, int]:
        """Both paths show the same rows and counts; returns (rows shown, rows the filter matches)."""
        page = self.client.get(self.url).content.decode()
        shown, pending, late = self.base()
        app_pending, app_late = _PENDING.search(page), _OVERDUE.search(page)
        assert app_pending and app_late, self.url
        assert (int(app_pending.group(1)), int(app_late.group(1))) == (pending, late), self.url
        assert page.count('class="archive-no"') == shown, (self.url, shown)
        return shown, late if self.overdue else pending


def queue_benchmark(
    world: World, county: Agency, reviewer: User, runs: int, warmup: int, analyze: bool
) -> tuple[list[Row], list[str], list[str]]:
    pending, already, seeded_with, seconds = _pending_queue(world, QUEUE_PENDING)
    stats = _queue_statistics(analyze)
    say("timing the review queue …", err=True)
    clients = {}
    for who, user in (("province", world.reviewer), ("county", reviewer)):
        clients[who] = Client()
        clients[who].force_login(user)
    roots = {"province": world.province, "county": county}
    rows: list[Row] = []
    notes: list[str] = []
    index_use: list[str] = []
    for who, overdue in (("province", False), ("province", True), ("county", False), ("county", True)):
        label = f"review queue, {who} reviewer{' ?overdue=1' if overdue else ''}"
        url = "/review/?overdue=1" if overdue else "/review/"
        case = _QueueCase(label, clients[who], url, f"{roots[who].path}%", overdue)
        shown, matched = case.check()
        a, b = interleave(case.app, case.base, runs=runs, warmup=warmup)
        rows += timing_row(f"{label} ({shown} of {matched:,})", a, b)
        notes.append(f"{label}: GET {url} as the {roots[who].short_name} reviewer")
        lines, explained = _plans(case.app, ("collection_collection",))
        base_lines, base_explained = _plans(case.base, ("collection_collection",))
        notes += [*lines, "  baseline:", *base_lines]
        index_use += [
            f"  {label}:",
            f"    page     {_uses_queue_index(explained)}",
            f"    baseline {_uses_queue_index(base_explained)}",
        ]
    at_county = Collection.objects.filter(agency=county, status=CollectionStatus.SUBMITTED).count()
    made = pending - already
    explain = [
        f"review queue = GET /review/ through django.test.Client at {pending:,} submitted collections in",
        f"  the province: {already:,} from the benchmark seed, {made:,} added by seed_people {made:,}",
        f"  ({seeded_with:,} opened by the seed itself, the rest bulk_create; {seconds:.0f} s, not timed);",
        f"  the {county.short_name} county reviewer holds {at_county:,}; a row's name gives the rows shown",
        "  of the rows matching; baseline = SELECT … JOIN people_person JOIN orgs_agency WHERE status AND",
        f"  agency_id IN (the subtree) ORDER BY submitted_at, id LIMIT {QUEUE_PAGE} + COUNT(pending) +",
        "  COUNT(overdue), bare SQL.",
        *stats,
        "queue row query on the collection_queue index (agency, status, submitted_at):",
        *index_use,
    ]
    return rows, explain, notes


def _queue_statistics(analyze: bool) -> list[str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE collection_collection")
        return [
            "  statistics: VACUUM ANALYZE collection_collection after the bulk load (as autovacuum would)."
        ]
    if analyze:
        with connection.cursor() as cur:
            cur.execute("ANALYZE collection_collection")
        return ["  statistics: ANALYZE collection_collection after the bulk load (--analyze)."]
    return [
        "  statistics: as seed_people left them — its ANALYZE ran before the bulk_create above, so",
        "  SQLite's collection_collection statistics are stale (--analyze refreshes them).",
    ]


def _uses_queue_index(explained: list[tuple[str, list[str]]]) -> str:
    """Whether the page's row query (the one with ORDER BY … LIMIT) names collection_queue in its
    plan, with the plan's lines about the collection table and the sort."""
    for sql, plan in explained:
        if "ORDER BY" in sql.upper() and "LIMIT" in sql.upper():
            used = any("collection_queue" in line for line in plan)
            about = [
                line
                for line in plan
                if "collection" in line or line.startswith(("SEARCH c ", "SCAN c ")) or "B-TREE" in line
            ]
            sort = (
                " (filter only: rows sorted afterwards)" if used and any("B-TREE" in x for x in about) else ""
            )
            return f"{'uses' if used else 'does NOT use'} it{sort}: {' + '.join(about) or ' / '.join(plan)}"
    return "no row query found"


def _statements(ctx: CaptureQueriesContext) -> int:
    """Captured statements without the transaction control (BEGIN, COMMIT, savepoints)."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return sum(1 for q in ctx.captured_queries if not q["sql"].lstrip().upper().startswith(control))


# ---------------------------------------------------------------------------------------------


def collection_benchmark(
    world: World, *, records: int, runs: int, warmup: int, analyze: bool
) -> tuple[list[Row], list[str], list[str]]:
    """Rows for the table, lines explaining them, and the queries and plans."""
    county = Agency.objects.get(code=COUNTY)
    reviewer = _county_reviewer(county)
    rows1, explain1, notes1 = submit_approve_benchmark(
        world, county, reviewer, records, warmup=min(5, records)
    )
    rows2, explain2, notes2 = queue_benchmark(world, county, reviewer, runs, warmup, analyze)
    return [*rows1, *rows2], [*explain1, *explain2], [*notes1, *notes2]
