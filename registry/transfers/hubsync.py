"""The worker's exchange with the hub for transfers: send what this node owes, take what the hub holds.

Every message is idempotent at the hub (same app_no and content → same answer), so a crash or a lost
answer only means the next turn sends it again. Local changes happen only on the hub's answer.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from registry.accounts.models import User
from registry.audit.services import audit_append
from registry.core.crypto import encrypt, sm3_hex
from registry.core.errors import DomainError
from registry.core.workflow import apply_transition
from registry.documents.services import document_store
from registry.orgs.models import Agency
from registry.people.models import Person, Status
from registry.people.services import archive_index_for, person_journal, person_set_state
from registry.people.snapshot import apply_record, replace_history, replace_sections
from registry.standard.masking import mask_archive_no
from registry.standard.messages import TransferPackage
from registry.standard.record import PersonRecord
from registry.sync.client import HubClient, HubRefused
from registry.sync.drain import feed_state

from .models import TRANSITIONS, Direction, Transfer, TransferStatus
from .services import LABELS, _due, notify, package_aad, transfer_package

log = logging.getLogger("registry.transfers")
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _hub_move(t: Transfer, action: str, **updates: Any) -> None:
    apply_transition(
        t,
        table=TRANSITIONS,
        action=action,
        actor=None,
        actor_kind="hub",
        labels=LABELS,
        extra_updates=updates,
    )


def _refused(t: Transfer, exc: HubRefused) -> None:
    Transfer.objects.filter(pk=t.pk).update(hub_error=f"{exc.code}: {exc.message}"[:500])
    log.warning("hub refused %s: %s %s", t.app_no, exc.code, exc.message)


def send_packages(client: HubClient) -> None:
    acked = feed_state().last_acked_seq
    owed = Transfer.objects.filter(direction=Direction.OUT, hub_pending="package", confirm_seq__lte=acked)
    for t in owed:
        try:
            ack = client.call(transfer_package(t))
        except HubRefused as exc:
            _refused(t, exc)
            continue
        with transaction.atomic():
            t = Transfer.objects.select_for_update().get(pk=t.pk)
            if t.status == TransferStatus.CONFIRMED and ack["status"] == "dest_review":
                _hub_move(t, "routed", hub_pending="", hub_error="", dest_due=ack.get("dest_due"))
            else:
                Transfer.objects.filter(pk=t.pk).update(hub_pending="", hub_error="")


def _finish_out(t: Transfer, status: str, reason: str) -> None:
    """The hub's decision on a person this node sent away."""
    with transaction.atomic():
        t = Transfer.objects.select_for_update(of=("self",)).select_related("person").get(pk=t.pk)
        if t.status not in (TransferStatus.CONFIRMED, TransferStatus.DEST_REVIEW):
            return  # already applied on an earlier turn
        if status == "completed":
            _hub_move(t, "hub_completed", finished_at=timezone.now(), hub_pending="")
            person = Person.objects.get(uid=t.person_uid)
            person_set_state(
                actor=None,
                person=person,
                status=Status.TRANSFERRED_OUT,
                action="transfer.out",
                data={"app_no": t.app_no, "to": t.dest_agency_code},
            )
        else:
            _hub_move(t, "hub_returned", finished_at=timezone.now(), last_reason=reason, hub_pending="")
    if status == "completed":
        notify(t, "已调入", f"您已调入{t.dest_agency_name}，今后请登录调入地系统办理业务。")
    else:
        notify(
            t, "调入地退回", f"调入地退回了您的调转申请，原因：{reason}。您的信息仍由{t.origin_name}管理。"
        )


def _receive(pkg: TransferPackage, raw: dict[str, Any]) -> None:
    if Transfer.objects.filter(app_no=pkg.app_no).exists():
        return
    for proof in pkg.proofs:
        if sm3_hex(base64.b64decode(proof.data)) != proof.sm3:
            log.warning("transfer %s: proof %s does not match its digest; not taken", pkg.app_no, proof.name)
            return
    dest = Agency.objects.filter(code=pkg.dest_agency_code).first()
    origin = Agency.objects.filter(code=pkg.agency).first()
    with transaction.atomic():
        t = Transfer(
            app_no=pkg.app_no,
            direction=Direction.IN,
            person_uid=pkg.record.person_id,
            person_name=pkg.record.identity.name,
            archive_masked=mask_archive_no(pkg.record.identity.archive_no),
            origin_code=pkg.origin_agency_code,
            origin_name=origin.name if origin else pkg.origin_agency_code,
            dest_body_code=pkg.dest_body_code,
            dest_agency_code=pkg.dest_agency_code,
            dest_agency_name=dest.name if dest else pkg.dest_agency_code,
            reason=pkg.reason,
            status=TransferStatus.DEST_REVIEW,
            applied_at=pkg.steps[0].at,
            dest_due=_due("REGISTRY_TRANSFER_DEST_DAYS"),
        )
        t.save()
        t.package = encrypt(json.dumps(raw, ensure_ascii=False).encode(), package_aad(t))
        t.save(update_fields=["package"])
        for proof in pkg.proofs:
            document_store(
                actor=None,
                owner_uid=t.uid,
                kind=proof.kind,
                # Named by its content: the sender's name may carry a suffix its normalised file lost.
                files=[(f"{proof.kind}{EXTENSIONS[proof.content_type]}", base64.b64decode(proof.data))],
            )
        audit_append(
            actor=None,
            action="transfer.received",
            object_type="transfer",
            object_id=t.app_no,
            data={"from": pkg.agency},
        )


def poll(client: HubClient) -> None:
    reply = client.call(
        {"message_type": "transfer_poll", "spec_version": "1.0.0", "agency": settings.REGISTRY_AGENCY_CODE}
    )
    for item in reply.get("incoming", []):
        raw = {"message_type": "transfer_package", "spec_version": "1.0.0", **item}
        pkg = TransferPackage.model_validate(raw)
        if pkg.dest_body_code == settings.REGISTRY_AGENCY_CODE:
            _receive(pkg, raw)
    mine = {
        t.app_no: t
        for t in Transfer.objects.filter(
            direction=Direction.OUT, status__in=[TransferStatus.CONFIRMED, TransferStatus.DEST_REVIEW]
        )
    }
    for update in reply.get("updates", []):
        t = mine.get(update["app_no"])
        if t is not None and update["status"] in ("completed", "dest_returned"):
            _finish_out(t, update["status"], update.get("reason") or "")


def _activate(t: Transfer, hub_version: int) -> Person:
    """The hub has handed the person over: their record, with its full history, becomes active here."""
    raw = transfer_package(t)
    rec = PersonRecord.model_validate(raw["record"])
    agency = Agency.objects.get(code=t.dest_agency_code)
    person = Person.objects.select_for_update().filter(uid=rec.person_id).first() or Person(uid=rec.person_id)
    apply_record(person, rec)
    ident = rec.identity
    person.archive_index = archive_index_for(ident.document_type, ident.archive_no, ident.nationality)
    person.agency = agency
    person.status = Status.COLLECTED
    person.version = max(hub_version, rec.version)
    person.pledge_version = rec.collection.pledge_version or ""
    person.pledge_accepted_at = rec.collection.pledge_accepted_at
    person.collected_at = rec.collection.collected_at or timezone.now()
    if person.user_id is None:
        # The person sets a password here with 找回密码 (email or mobile code); no secret travels.
        user = User(
            username=f"p-{uuid.uuid4().hex[:16]}",
            display_name=ident.name,
            mobile=ident.mobile or "",
            email=ident.email or "",
        )
        user.set_unusable_password()
        user.save()
        person.user = user
    person.save()
    replace_history(person, rec)
    replace_sections(person, rec)
    person_journal(None, person, "transfer.in", {"app_no": t.app_no, "from": t.origin_code})
    return person


def send_decisions(client: HubClient) -> None:
    for t in Transfer.objects.filter(direction=Direction.IN, hub_pending__in=["approve", "return"]):
        try:
            ack = client.call(
                {
                    "message_type": "transfer_decision",
                    "spec_version": "1.0.0",
                    "agency": settings.REGISTRY_AGENCY_CODE,
                    "app_no": t.app_no,
                    "decision": t.hub_pending,
                    "dest_agency_code": t.dest_agency_code,
                    "reason": t.last_reason,
                    "actor": _decider(t),
                }
            )
        except HubRefused as exc:
            _refused(t, exc)
            continue
        try:
            with transaction.atomic():
                t = Transfer.objects.select_for_update().get(pk=t.pk)
                if ack["status"] == "completed" and t.status == TransferStatus.APPROVING:
                    person = _activate(t, int(ack.get("person_version", 0)))
                    _hub_move(
                        t,
                        "hub_completed",
                        person=person,
                        finished_at=timezone.now(),
                        hub_pending="",
                        hub_error="",
                        hub_person_version=ack.get("person_version"),
                    )
                elif ack["status"] == "dest_returned" and t.status == TransferStatus.RETURNING:
                    _hub_move(t, "hub_returned", finished_at=timezone.now(), hub_pending="", hub_error="")
        except DomainError as exc:
            Transfer.objects.filter(pk=t.pk).update(hub_error=str(exc)[:500])
            log.error("transfer %s: could not take over the record: %s", t.app_no, exc)
            continue
        if ack["status"] == "completed":
            t.refresh_from_db()
            notify(
                t,
                "已调入",
                f"您已调入{t.dest_agency_name}。请在本系统用“找回密码”设置登录密码后查看您的信息。",
            )


def _decider(t: Transfer) -> str:
    from registry.core.models import Decision

    last = (
        Decision.objects.filter(object_type="transfers.transfer", object_id=str(t.uid))
        .order_by("-id")
        .first()
    )
    return (last.actor_name if last else "") or "调入地审核人员"


def transfers_step(client: HubClient) -> None:
    send_packages(client)
    send_decisions(client)
    poll(client)
