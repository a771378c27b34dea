"""What the hub does with each verified message (the endpoints have checked signature and schema)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.orgs.models import Agency
from registry.orgs.selectors import provincial_code
from registry.people.models import Person
from registry.standard.messages import (
    Ack,
    ArchiveAnswer,
    ArchiveQuery,
    Bucket,
    ChangeBatch,
    Notice,
    ReconcileReply,
    ReconcileRequest,
    ResyncAck,
    ResyncBatch,
)
from registry.standard.signing import Canonical
from registry.sync.reconcile import buckets_of

from .apply import APPLIED, CONFLICT, QUARANTINED, in_jurisdiction, master_apply_many
from .ingest import Rejected, feed_receive
from .models import FeedCursor


def handle_feed(reporter: Agency, message: dict[str, Any], batch: ChangeBatch, form: Canonical) -> Ack:
    """`form`: the canonical form the endpoint checked the signature with; the digest and the inbox's
    copy of the events come from it rather than from two more passes over the message."""
    return feed_receive(
        reporter=reporter, events_json=form.members["events"], batch=batch, digest=form.digest()
    )


def handle_resync(reporter: Agency, message: dict[str, Any], batch: ResyncBatch) -> ResyncAck:
    codes = {r.collection.agency_code for r in batch.records}
    agencies = {a.code: a for a in Agency.objects.filter(code__any=codes)}
    outside = [
        Notice(
            code="OUT_OF_JURISDICTION",
            path=f"records[{i}].collection.agency_code",
            message=f"管理机构 {r.collection.agency_code} 不在 {reporter.code} 辖区内",
        )
        for i, r in enumerate(batch.records)
        if not in_jurisdiction(reporter, agencies.get(r.collection.agency_code))
    ]
    if outside:
        raise Rejected("OUT_OF_JURISDICTION", "有记录的管理机构不在报送机构辖区内", errors=outside)
    applied = unchanged = 0
    notices: list[Notice] = []
    FeedCursor.objects.get_or_create(agency=reporter)
    with transaction.atomic():
        FeedCursor.objects.filter(agency=reporter).update(last_contact_at=timezone.now())
        outcomes = master_apply_many(
            [(None, rec, agencies[rec.collection.agency_code]) for rec in batch.records],
            reporter=reporter,
            repair=batch.mode == "repair",
        )
        for i, (rec, outcome) in enumerate(zip(batch.records, outcomes, strict=True)):
            if outcome == APPLIED:
                applied += 1
            elif outcome in (CONFLICT, QUARANTINED):
                code = "RECORD_CONFLICT" if outcome == CONFLICT else "OWNERSHIP_CONFLICT"
                notices.append(
                    Notice(
                        code=code, path=f"records[{i}]", message=f"记录 {rec.person_id} 已隔离待核（{code}）"
                    )
                )
            else:
                unchanged += 1
    return ResyncAck(
        message_type="resync_ack",
        agency=reporter.code,
        applied=applied,
        unchanged=unchanged,
        notices=notices[:200],
    )


def handle_reconcile(reporter: Agency, message: dict[str, Any], request: ReconcileRequest) -> ReconcileReply:
    # Only the rows the asked buckets can hold: a narrowing asks for a slice of the index range.
    people = Person.objects.filter(
        agency__path__startswith=reporter.path,
        archive_index__gte=min(request.prefixes),
        archive_index__lt=max(request.prefixes) + "g",  # "g" sorts after every hex digit
    )
    buckets = buckets_of(people, request.prefixes, detail=request.detail)
    return ReconcileReply(
        message_type="reconcile_reply", agency=reporter.code, buckets=[Bucket(**b) for b in buckets]
    )


def handle_archive_query(reporter: Agency, message: dict[str, Any], query: ArchiveQuery) -> ArchiveAnswer:
    person = Person.objects.select_related("agency").filter(archive_index=query.archive_index).first()
    if person is None:
        return ArchiveAnswer(message_type="archive_answer", agency=reporter.code, held=False)
    body = Agency.objects.filter(code=provincial_code(person.agency)).first()
    return ArchiveAnswer(
        message_type="archive_answer",
        agency=reporter.code,
        held=True,
        holder_agency=body.code if body else person.agency.code,
        holder_name=body.name if body else person.agency.name,
    )
