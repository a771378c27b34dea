"""The commit's work on one chunk of rows, in one transaction: each row written only if it still
means what the dry run said (docs/adr/0012-bulk-import.md). Creations come from the records the dry
run kept (`checked.py`), validated through the standard again; every other row is read from the
file and planned again. Called by `runner._commit` a chunk at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.services import person_update
from registry.standard import record as std
from registry.standard.masking import mask_archive_no

from . import checked
from .journal import NewPerson, people_bulk_create
from .models import Action, ImportJob, ImportRow
from .rows import WHOLE_ROW, Context, Issue, Parsed, Plan, column_of, parse_row, plan_row


def existing_people(indexes: list[str]) -> dict[str, Person]:
    if not indexes:
        return {}
    qs = (
        Person.objects.filter(archive_index__any=indexes)
        .select_related("agency")
        .prefetch_related("educations", "works")
    )
    return {p.archive_index: p for p in qs}


def _kept_person(kept: tuple[str, bytes] | None, ctx: Context, now: datetime) -> NewPerson | None:
    """A creation from the record the dry run validated, validated through the standard again; None
    when the row must be read from the file (no record kept, the standard or the agency refuses it
    now: re-reading names the column and the rule)."""
    if kept is None:
        return None
    index, raw = kept
    try:
        record = std.PersonRecord.model_validate_json(raw)
    except ValidationError:
        return None
    agency = ctx.agencies.get(record.collection.agency_code)
    if agency is None:
        return None
    collection = record.collection.model_copy(update={"collected_at": now})
    return NewPerson(record.model_copy(update={"collection": collection}), agency, index)


STALE = Issue(WHOLE_ROW, "imports.stale", "试导入之后该人员的信息已被修改，本行未导入：请重新上传文件试导入")
TAKEN = Issue(
    WHOLE_ROW,
    "imports.registered_meanwhile",
    "试导入之后该证件号码已在本系统登记，本行未导入：请重新上传文件试导入",
)


def _reconcile(stored: ImportRow | None, fresh: Plan) -> tuple[str, list[Issue]]:
    """The commit's action for a row the dry run planned (None: a creation), given what it means now."""
    if fresh.action == Action.REJECTED:
        return Action.REJECTED, fresh.issues
    if stored is None or stored.action == Action.CREATE:
        return (Action.CREATE, []) if fresh.action == Action.CREATE else (Action.REJECTED, [TAKEN])
    if fresh.person is None or fresh.person.pk != stored.person_id or fresh.version != stored.version:
        return Action.REJECTED, [STALE]
    return fresh.action, []


def _outcome(
    job: ImportJob, row: ImportRow | None, row_no: int, action: str, issues: list[Issue], masked: str
) -> ImportRow:
    """The plan row recording that the commit did otherwise than planned (made for a creation)."""
    out = row or ImportRow(job=job, row_no=row_no, action=Action.CREATE, archive_masked=masked)
    out.result, out.issues = action, [i.as_dict() for i in issues]
    return out


def commit_chunk(
    job: ImportJob, ctx: Context, actor: Any, rows: list[tuple[int, dict[str, Any]]], kept: checked.Kept
) -> None:
    # No plan row means the dry run planned a creation without remarks. (The rows come in file
    # order: a range, rather than a list of 2,000 numbers to bind.)
    span = ImportRow.objects.filter(job=job, row_no__gte=rows[0][0], row_no__lte=rows[-1][0])
    planned = {r.row_no: r for r in span}
    now = timezone.now()
    ready: dict[int, NewPerson] = {}
    reread: dict[int, dict[str, Any]] = {}
    for n, cells in rows:
        row = planned.get(n)
        if row is not None and row.action == Action.REJECTED:
            continue
        new = _kept_person(kept.get(n), ctx, now) if row is None else None
        if new is not None:
            ready[n] = new
        else:
            reread[n] = cells
    live = [parse_row(n, cells, ctx) for n, cells in reread.items()]
    tally = {a: 0 for a in Action.values}
    tally[Action.REJECTED] = len(rows) - len(ready) - len(live)
    overrides: list[ImportRow] = []
    with transaction.atomic():
        # The job's row is the commit's lock: two runners of one job cannot both write a chunk.
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.committed_through >= rows[-1][0]:
            return
        existing = existing_people([p.index for p in live if p.index] + [new.index for new in ready.values()])
        # Registered since the dry run: planned again from the cells, to say why it is refused.
        cells_of = dict(rows)
        live += [parse_row(n, cells_of[n], ctx) for n, new in ready.items() if new.index in existing]
        creates = [(n, new) for n, new in ready.items() if new.index not in existing]
        for p in live:
            row = planned.get(p.row_no)
            plan = plan_row(p, existing.get(p.index or ""), ctx, now=now)
            action, issues = _reconcile(row, plan)
            if action == Action.CREATE and plan.record is not None and p.agency is not None and p.index:
                creates.append((p.row_no, NewPerson(plan.record, p.agency, p.index)))
                continue
            if action == Action.UPDATE:
                assert row is not None
                action, issues = _update(job, actor, p, plan, row)
            tally[action] += 1
            if action != (row.action if row else Action.CREATE):
                overrides.append(_outcome(job, row, p.row_no, action, issues, p.masked))
        creates.sort(key=lambda c: c[0])  # file order, as the audit chain and the outbox had it
        for action, refused in _create(job, actor, creates, planned):
            tally[action] += 1
            if refused is not None:
                overrides.append(refused)
        ImportRow.objects.bulk_update([r for r in overrides if r.pk], ["result", "issues"])
        ImportRow.objects.bulk_create([r for r in overrides if not r.pk])
        job.created = locked.created + tally[Action.CREATE]
        job.updated = locked.updated + tally[Action.UPDATE]
        job.unchanged = locked.unchanged + tally[Action.UNCHANGED]
        job.rejected = locked.rejected + tally[Action.REJECTED]
        job.committed_through = rows[-1][0]
        job.save(update_fields=["created", "updated", "unchanged", "rejected", "committed_through"])


def _update(job: ImportJob, actor: Any, p: Parsed, plan: Plan, row: ImportRow) -> tuple[str, list[Issue]]:
    assert plan.person is not None and plan.changes is not None
    try:
        with transaction.atomic():
            person_update(
                actor=actor,
                person=plan.person,
                changes=plan.changes,
                reason=f"批量导入：{job.file_name} 第 {p.row_no} 行",
                expected_version=row.version,
            )
    except DomainError as exc:
        return Action.REJECTED, [Issue(column_of(e.field), e.code, e.message) for e in exc.errors]
    except Forbidden:
        return Action.REJECTED, [Issue(WHOLE_ROW, "imports.forbidden", "您没有修改该人员信息的权限")]
    return Action.UPDATE, []


def _create(
    job: ImportJob, actor: Any, creates: list[tuple[int, NewPerson]], planned: dict[int, ImportRow]
) -> Iterator[tuple[str, ImportRow | None]]:
    """Bulk insert; if a number was registered between the lookup and the insert, insert one by one
    so only the taken numbers are refused."""
    if not creates:
        return
    try:
        with transaction.atomic():
            people_bulk_create(actor=actor, people=[new for _, new in creates], job_uid=str(job.uid))
    except IntegrityError:
        pass
    else:
        yield from ((Action.CREATE, None) for _ in creates)
        return
    for n, new in creates:
        try:
            with transaction.atomic():
                people_bulk_create(actor=actor, people=[new], job_uid=str(job.uid))
        except IntegrityError:
            masked = mask_archive_no(new.record.identity.archive_no)
            yield Action.REJECTED, _outcome(job, planned.get(n), n, Action.REJECTED, [TAKEN], masked)
        else:
            yield Action.CREATE, None
