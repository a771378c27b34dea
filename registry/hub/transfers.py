"""The hub's part of a cross-province transfer: route the package, then move ownership atomically.

Spec §12 (docs/interface/README.md). The hub is the arbiter of ownership (ARCHITECTURE.md §4.6): the
person's managing agency in the master database changes only here, in the same transaction that
records the destination's approval.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.core.crypto import decrypt, encrypt
from registry.core.deadlines import add_working_days
from registry.orgs.models import Agency, Level
from registry.orgs.selectors import provincial_code
from registry.people.models import Person
from registry.standard.masking import mask_archive_no
from registry.standard.messages import (
    Notice,
    RoutedPackage,
    TransferAck,
    TransferDecision,
    TransferDecisionAck,
    TransferPackage,
    TransferPoll,
    TransferPollReply,
    TransferUpdate,
)
from registry.standard.signing import content_digest

from .ingest import Rejected
from .models import HubTransfer


def _aad(app_no: str) -> bytes:
    return f"hub-transfer:{app_no}".encode()


def _invalid(path: str, message: str) -> Rejected:
    return Rejected(
        "TRANSFER_INVALID", message, errors=[Notice(code="TRANSFER_INVALID", path=path, message=message)]
    )


def handle_transfer_package(reporter: Agency, message: dict[str, Any], pkg: TransferPackage) -> TransferAck:
    digest = content_digest(message)
    existing = HubTransfer.objects.filter(app_no=pkg.app_no).first()
    if existing is not None:
        if existing.digest != digest or existing.origin_id != reporter.id:
            raise Rejected("TRANSFER_CONFLICT", f"申请 {pkg.app_no} 已收到且内容不同", status=409)
        return _ack(reporter, existing)  # a re-send after a lost answer
    dest_body = Agency.objects.filter(code=pkg.dest_body_code, level=Level.PROVINCIAL).first()
    if dest_body is None:
        raise _invalid("dest_body_code", f"调入省级机构 {pkg.dest_body_code} 不存在")
    dest_agency = Agency.objects.filter(code=pkg.dest_agency_code).first()
    if dest_agency is None or not dest_agency.path.startswith(dest_body.path):
        raise _invalid(
            "dest_agency_code", f"调入管理机构 {pkg.dest_agency_code} 不存在或不属于 {dest_body.name}"
        )
    origin_agency = Agency.objects.filter(code=pkg.origin_agency_code).first()
    if origin_agency is None or not origin_agency.path.startswith(reporter.path):
        raise _invalid("origin_agency_code", "调出管理机构不在报送机构辖区内")
    with transaction.atomic():
        person = (
            Person.objects.select_for_update()
            .select_related("agency")
            .filter(uid=pkg.record.person_id)
            .first()
        )
        if person is None:
            raise _invalid("record.person_id", "全国库中没有该人员的记录：请先完成上报，再确认转出")
        if provincial_code(person.agency) != reporter.code:
            raise Rejected("OWNERSHIP_CONFLICT", "该人员在全国库中不由调出省级机构管理", status=409)
        now = timezone.now()
        days = getattr(settings, "REGISTRY_TRANSFER_DEST_DAYS", 5)
        try:
            with transaction.atomic():
                row = HubTransfer.objects.create(
                    app_no=pkg.app_no,
                    person_uid=pkg.record.person_id,
                    origin=reporter,
                    dest=dest_body,
                    dest_agency_code=pkg.dest_agency_code,
                    reason=pkg.reason,
                    digest=digest,
                    package=encrypt(json.dumps(message, ensure_ascii=False).encode(), _aad(pkg.app_no)),
                    name=pkg.record.identity.name,
                    archive_masked=mask_archive_no(pkg.record.identity.archive_no),
                    received_at=now,
                    dest_due=add_working_days(now, days),
                    steps=[s.model_dump(mode="json") for s in pkg.steps]
                    + [
                        {
                            "step": "routed",
                            "at": now.isoformat(),
                            "actor": "全国枢纽",
                            "agency": "000000",
                            "reason": "",
                        }
                    ],
                )
        except IntegrityError as exc:
            raise Rejected("TRANSFER_CONFLICT", "该人员已有办理中的跨省调转", status=409) from exc
    return _ack(reporter, row)


def _ack(reporter: Agency, row: HubTransfer) -> TransferAck:
    return TransferAck(
        message_type="transfer_ack",
        agency=reporter.code,
        app_no=row.app_no,
        status=row.status,  # type: ignore[arg-type]
        dest_due=row.dest_due,
    )  # type: ignore[arg-type]


def package_of(row: HubTransfer) -> dict[str, Any]:
    return json.loads(decrypt(bytes(row.package), _aad(row.app_no)))


def handle_transfer_poll(reporter: Agency, message: dict[str, Any], poll: TransferPoll) -> TransferPollReply:
    now = timezone.now()
    incoming_rows = list(
        HubTransfer.objects.filter(dest=reporter, status=HubTransfer.Status.DEST_REVIEW)[:50]
    )
    incoming = []
    for row in incoming_rows:
        pkg = package_of(row)
        pkg.pop("signature", None)
        body = {k: v for k, v in pkg.items() if k not in {"signature", "message_type", "spec_version"}}
        incoming.append(RoutedPackage.model_validate(body))
    HubTransfer.objects.filter(pk__in=[r.pk for r in incoming_rows], fetched_at__isnull=True).update(
        fetched_at=now
    )
    # Decisions on this agency's outgoing transfers (and on incoming ones it decided: a lost answer).
    recent = now - timedelta(days=90)
    updates = [
        TransferUpdate(
            app_no=row.app_no,
            status=row.status,  # type: ignore[arg-type]
            reason=row.decision_reason,
            decided_at=row.decided_at,
            dest_agency_code=row.dest_agency_code,
        )
        for row in HubTransfer.objects.filter(origin=reporter, received_at__gte=recent)
    ]
    return TransferPollReply(
        message_type="transfer_poll_reply", agency=reporter.code, incoming=incoming, updates=updates
    )


def handle_transfer_decision(
    reporter: Agency, message: dict[str, Any], decision: TransferDecision
) -> TransferDecisionAck:
    with transaction.atomic():
        row = HubTransfer.objects.select_for_update().filter(app_no=decision.app_no, dest=reporter).first()
        if row is None:
            raise Rejected(
                "TRANSFER_NOT_FOUND", f"没有由 {reporter.name} 办理的申请 {decision.app_no}", status=404
            )
        person = Person.objects.select_for_update().filter(uid=row.person_uid).first()
        wanted = (
            HubTransfer.Status.COMPLETED
            if decision.decision == "approve"
            else HubTransfer.Status.DEST_RETURNED
        )
        if row.status != HubTransfer.Status.DEST_REVIEW:
            if row.status == wanted:  # the same decision again: its answer was lost
                return _decision_ack(reporter, row, person)
            raise Rejected(
                "TRANSFER_STATE", f"申请 {row.app_no} 已办结（{row.get_status_display()}）", status=409
            )
        now = timezone.now()
        if decision.decision == "approve":
            agency = Agency.objects.filter(code=decision.dest_agency_code).first()
            if agency is None or not agency.path.startswith(reporter.path):
                raise _invalid(
                    "dest_agency_code", f"管理机构 {decision.dest_agency_code} 不属于 {reporter.name}"
                )
            if person is None or provincial_code(person.agency) != row.origin.code:
                raise Rejected("OWNERSHIP_CONFLICT", "该人员在全国库中已不由调出省级机构管理", status=409)
            # The hand-off: from this commit on, the destination owns the person nationally.
            Person.objects.filter(pk=person.pk).update(agency=agency)
            row.dest_agency_code = agency.code
        elif not decision.reason.strip():
            raise _invalid("reason", "退回须写明原因")
        row.status = wanted
        row.decided_at = now
        row.decision_reason = decision.reason
        row.steps = [
            *row.steps,
            {
                "step": decision.decision,
                "at": now.isoformat(),
                "actor": decision.actor,
                "agency": reporter.code,
                "reason": decision.reason,
            },
        ]
        row.save()
    return _decision_ack(reporter, row, person)


def _decision_ack(reporter: Agency, row: HubTransfer, person: Person | None) -> TransferDecisionAck:
    return TransferDecisionAck(
        message_type="transfer_decision_ack",
        agency=reporter.code,
        app_no=row.app_no,
        status=row.status,  # type: ignore[arg-type]
        person_version=person.version if person else 0,
    )


def former_owner_report(person: Person, reporter: Agency) -> bool:
    """A province reporting a person it has transferred out (its record now says 已调出)."""
    return HubTransfer.objects.filter(
        person_uid=person.uid, origin=reporter, status=HubTransfer.Status.COMPLETED
    ).exists()
