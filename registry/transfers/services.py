"""Writes of 调转. Each runs in one transaction: check, lock, transition (with its Decision row), audit."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.models import OutboxEvent
from registry.audit.services import audit_append
from registry.core.crypto import decrypt, encrypt, sm3_hex
from registry.core.deadlines import add_working_days
from registry.core.errors import DomainError, Forbidden
from registry.core.workflow import apply_transition
from registry.credit.selectors import bar_status
from registry.documents.models import Kind
from registry.documents.selectors import current_documents
from registry.documents.services import FileInput, document_read, document_store
from registry.orgs.models import Agency, Level
from registry.people.models import Person, Status
from registry.people.services import person_set_state
from registry.people.snapshot import person_record
from registry.standard.codes import divisions

from .models import TRANSITIONS, Direction, Reason, Transfer, TransferStatus

LABELS = {s.value: s.label for s in TransferStatus}
PROOF_KIND = {
    Reason.WORK: Kind.WORK,
    Reason.STUDY: Kind.STUDENT,
    Reason.HUKOU: Kind.RESIDENCE,
    Reason.RESIDENCE: Kind.RESIDENCE,
}
PROOF_LABEL = {
    Reason.WORK: "新单位的统一社会信用代码证或工作证明",
    Reason.STUDY: "录取通知书或学生证",
    Reason.HUKOU: "户口簿",
    Reason.RESIDENCE: "居住证",
}


def _body() -> Agency:
    return Agency.objects.get(code=settings.REGISTRY_AGENCY_CODE)


def _due(days_setting: str) -> datetime:
    days = int(getattr(settings, days_setting, 5))
    return add_working_days(timezone.now(), days)  # type: ignore[return-value]


def _app_no(body: str) -> str:
    return f"DZ{body}-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3).upper()}"


def notify(transfer: Transfer, subject: str, body: str) -> None:
    """Tell the applicant (email; the portal shows the same step)."""
    person = transfer.person
    email = person.email if person is not None else ""
    if email:
        send_mail(
            f"【会计人员调转】{subject}",
            f"{transfer.person_name}：\n{body}\n申请编号：{transfer.app_no}",
            None,
            [email],
            fail_silently=True,
        )


def _destination(dest_body_code: str, dest_agency_code: str) -> tuple[Agency, str, str]:
    """The destination body, and the destination agency's code and name; refuses unknown ones."""
    body = Agency.objects.filter(code=dest_body_code, level=Level.PROVINCIAL).first()
    if body is None:
        raise DomainError.single("transfer.dest_body", "dest_body_code", "请选择调入的省级会计管理机构")
    local = Agency.objects.filter(code=dest_agency_code, path__startswith=body.path).first()
    if local is not None:
        return body, local.code, local.name
    table = divisions()
    # Another province's tree is not kept here: its cities and counties are checked against the division
    # table (their finance bureaus carry the division code); the hub checks again against its tree.
    if (
        body.code != settings.REGISTRY_AGENCY_CODE
        and table.is_known(dest_agency_code)
        and (dest_agency_code[:2] == body.code[:2])
    ):
        return body, dest_agency_code, table.full_name(dest_agency_code, sep="") + "财政局"
    raise DomainError.single(
        "transfer.dest_agency", "dest_agency_code", "调入的管理机构不存在或不属于所选省级机构"
    )


def transfer_apply(
    *, actor: Any, dest_body_code: str, dest_agency_code: str, reason: str, proofs: list[FileInput]
) -> Transfer:
    """The person applies to move: within the province or to another one."""
    person = Person.objects.select_related("agency").filter(user=actor).first() if actor else None
    if person is None:
        raise Forbidden("only the person applies")
    if reason not in Reason.values:
        raise DomainError.single("transfer.reason", "reason", "请选择调转原因")
    if person.status != Status.COLLECTED:
        raise DomainError.single("transfer.not_collected", "person", "信息采集完成后才能申请调转")
    body, code, name = _destination(dest_body_code, dest_agency_code)
    intra = body.code == settings.REGISTRY_AGENCY_CODE
    if intra and code == person.agency.code:
        raise DomainError.single("transfer.same_agency", "dest_agency_code", "调入机构与现管理机构相同")
    bar = bar_status(person, date.today())
    if reason == Reason.WORK and bar.barred:
        # A work transfer is for taking up accounting work elsewhere, which the bar forbids
        # (财会〔2018〕33号).
        raise DomainError.single("transfer.barred", "reason", f"{bar.label}，不能因工作变动申请调转")
    if not proofs:
        raise DomainError.single("transfer.proof", "proofs", f"请上传{PROOF_LABEL[Reason(reason)]}")
    try:
        with transaction.atomic():
            locked = Person.objects.select_for_update().get(pk=person.pk)
            transfer = Transfer.objects.create(
                app_no=_app_no(settings.REGISTRY_AGENCY_CODE),
                direction=Direction.INTRA if intra else Direction.OUT,
                person=locked,
                person_uid=locked.uid,
                person_name=locked.name,
                archive_masked=locked.archive_masked,
                applicant=actor,
                origin_agency=person.agency,
                origin_code=person.agency.code,
                origin_name=person.agency.name,
                dest_body_code=body.code,
                dest_agency_code=code,
                dest_agency_name=name,
                reason=reason,
                applied_at=timezone.now(),
                origin_due=_due("REGISTRY_TRANSFER_ORIGIN_DAYS"),
            )
            if intra and not settings.REGISTRY_TRANSFER_INTRA_ORIGIN_CONFIRMS:
                # This province lets the destination decide alone within the province.
                transfer.status, transfer.origin_due = TransferStatus.DEST_REVIEW, None
                transfer.dest_due = _due("REGISTRY_TRANSFER_DEST_DAYS")
                transfer.save(update_fields=["status", "origin_due", "dest_due"])
            document_store(actor=actor, owner_uid=transfer.uid, kind=PROOF_KIND[Reason(reason)], files=proofs)
            audit_append(
                actor=actor,
                action="transfer.apply",
                object_type="transfer",
                object_id=transfer.app_no,
                data={"person": str(locked.uid), "to": code},
            )
    except IntegrityError as exc:
        raise DomainError.single(
            "transfer.open", "person", "已有办理中的调转申请，办结或撤回后才能再次申请"
        ) from exc
    holder, due = holder_and_due(transfer)
    deadline = f"，办理期限 {timezone.localtime(due):%Y-%m-%d}" if due else ""
    notify(transfer, "已提交", f"您的调转申请已提交，由{holder}办理{deadline}。")
    return transfer


def holder_and_due(t: Transfer) -> tuple[str, datetime | None]:
    """Who holds the application now and by when they must act (for the person and the status page)."""
    if t.status == TransferStatus.APPLIED:
        return t.origin_name, t.origin_due
    if t.status in (TransferStatus.CONFIRMED, TransferStatus.APPROVING, TransferStatus.RETURNING):
        return "全国会计人员信息管理系统（转送中）", None
    if t.status == TransferStatus.DEST_REVIEW:
        return t.dest_agency_name, t.dest_due
    return "已办结", None


def _lock(transfer: Transfer) -> Transfer:
    # `of`: PostgreSQL cannot lock the nullable side of the outer joins select_related makes.
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("person", "origin_agency")
        .get(pk=transfer.pk)
    )


def transfer_withdraw(*, actor: Any, transfer: Transfer) -> Transfer:
    with transaction.atomic():
        t = _lock(transfer)
        if t.applicant_id is None or t.applicant_id != getattr(actor, "pk", None):
            raise Forbidden("only the applicant withdraws")
        apply_transition(
            t,
            table=TRANSITIONS,
            action="withdraw",
            actor=actor,
            actor_kind="applicant",
            labels=LABELS,
            extra_updates={"finished_at": timezone.now()},
        )
        audit_append(actor=actor, action="transfer.withdraw", object_type="transfer", object_id=t.app_no)
    return t


def _origin_reviewer(actor: Any, t: Transfer) -> None:
    if t.origin_agency is None or not actor_has_perm(actor, Perm.REVIEW, t.origin_agency):
        raise Forbidden("origin review")


def transfer_origin_return(*, actor: Any, transfer: Transfer, reason: str) -> Transfer:
    if not reason.strip():
        raise DomainError.single("transfer.reason_required", "reason", "退回须写明原因")
    with transaction.atomic():
        t = _lock(transfer)
        _origin_reviewer(actor, t)
        apply_transition(
            t,
            table=TRANSITIONS,
            action="return",
            actor=actor,
            actor_kind="origin",
            labels=LABELS,
            reason=reason,
            extra_updates={"last_reason": reason, "finished_at": timezone.now()},
        )
        audit_append(actor=actor, action="transfer.origin_return", object_type="transfer", object_id=t.app_no)
    notify(t, "调出地退回", f"调出地退回了您的调转申请，原因：{reason}")
    return t


def _proofs(t: Transfer, actor: Any) -> list[dict[str, str]]:
    out = []
    for kind, doc in current_documents(t.uid).items():
        data = document_read(actor=actor, document=doc)
        out.append(
            {
                "kind": kind,
                "name": doc.original_name or kind,
                "content_type": doc.content_type,
                "sm3": sm3_hex(data),
                "data": base64.b64encode(data).decode(),
            }
        )
    return out


def _steps(t: Transfer) -> list[dict[str, str]]:
    from registry.core.models import Decision

    steps = [
        {
            "step": "apply",
            "at": t.applied_at.isoformat(),
            "actor": t.person_name,
            "agency": t.origin_code,
            "reason": "",
        }
    ]
    for d in Decision.objects.filter(object_type="transfers.transfer", object_id=str(t.uid)).order_by("id"):
        steps.append(
            {
                "step": d.action,
                "at": d.at.isoformat(),
                "actor": d.actor_name,
                "agency": t.origin_code,
                "reason": d.reason,
            }
        )
    return steps


def transfer_origin_confirm(*, actor: Any, transfer: Transfer) -> Transfer:
    """Confirm out. Across provinces the package is built now and owed to the hub; within the
    province the destination reviews next (or decides alone, where the province so configures)."""
    with transaction.atomic():
        t = _lock(transfer)
        _origin_reviewer(actor, t)
        if t.direction == Direction.INTRA:
            apply_transition(
                t,
                table=TRANSITIONS,
                action="confirm_intra",
                actor=actor,
                actor_kind="origin",
                labels=LABELS,
                extra_updates={"dest_due": _due("REGISTRY_TRANSFER_DEST_DAYS")},
            )
            audit_append(
                actor=actor, action="transfer.origin_confirm", object_type="transfer", object_id=t.app_no
            )
        else:
            apply_transition(
                t, table=TRANSITIONS, action="confirm", actor=actor, actor_kind="origin", labels=LABELS
            )
            person = Person.objects.select_related("agency").get(uid=t.person_uid)
            # The confirm is a change of the record (its version), so the hub holds this very version
            # before it receives the package.
            person = person_set_state(
                actor=actor,
                person=person,
                status=person.status,
                action="transfer.confirm_out",
                data={"app_no": t.app_no, "to": t.dest_agency_code},
            )
            message = {
                "message_type": "transfer_package",
                "spec_version": "1.0.0",
                "agency": settings.REGISTRY_AGENCY_CODE,
                "app_no": t.app_no,
                "origin_agency_code": t.origin_code,
                "dest_body_code": t.dest_body_code,
                "dest_agency_code": t.dest_agency_code,
                "reason": t.reason,
                "record": person_record(person).model_dump(mode="json"),
                "proofs": _proofs(t, actor),
                "steps": _steps(t),
            }
            t.package = encrypt(json.dumps(message, ensure_ascii=False).encode(), package_aad(t))
            t.confirm_seq = OutboxEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
            t.hub_pending = "package"
            t.save(update_fields=["package", "confirm_seq", "hub_pending"])
    notify(t, "调出地已确认", "调出地已确认转出，正在转送调入地审核。")
    return t


def package_aad(t: Transfer) -> bytes:
    return f"transfer-package:{t.app_no}".encode()


def transfer_package(t: Transfer) -> dict[str, Any]:
    if t.package is None:
        raise DomainError.single("transfer.no_package", "package", "该申请没有调转包")
    return json.loads(decrypt(bytes(t.package), package_aad(t)))


def _dest_reviewer(actor: Any, t: Transfer, agency: Agency | None = None) -> Agency:
    target = agency or Agency.objects.filter(code=t.dest_agency_code).first()
    if target is None or not actor_has_perm(actor, Perm.REVIEW, target):
        raise Forbidden("destination review")
    return target


def transfer_dest_approve(*, actor: Any, transfer: Transfer, agency_code: str = "") -> Transfer:
    """The destination approves. Within the province the managing agency changes now; across provinces
    the hub must first move ownership (the worker sends the decision; the answer completes it)."""
    with transaction.atomic():
        t = _lock(transfer)
        chosen = Agency.objects.filter(code=agency_code or t.dest_agency_code).first()
        body = Agency.objects.get(code=settings.REGISTRY_AGENCY_CODE)
        if chosen is None or not chosen.path.startswith(body.path) or chosen.level == Level.NATIONAL:
            raise DomainError.single("transfer.dest_agency", "agency", "请选择本省的管理机构")
        _dest_reviewer(actor, t)  # may decide what was addressed to them …
        _dest_reviewer(actor, t, chosen)  # … and place the person only where they may act
        if t.direction == Direction.INTRA:
            apply_transition(
                t,
                table=TRANSITIONS,
                action="approve_intra",
                actor=actor,
                actor_kind="dest",
                labels=LABELS,
                extra_updates={
                    "finished_at": timezone.now(),
                    "dest_agency_code": chosen.code,
                    "dest_agency_name": chosen.name,
                },
            )
            person = Person.objects.get(uid=t.person_uid)
            person_set_state(
                actor=actor,
                person=person,
                status=person.status,
                agency=chosen,
                action="transfer.intra",
                data={"app_no": t.app_no, "from": t.origin_code, "to": chosen.code},
            )
        else:
            apply_transition(
                t,
                table=TRANSITIONS,
                action="approve",
                actor=actor,
                actor_kind="dest",
                labels=LABELS,
                extra_updates={
                    "dest_agency_code": chosen.code,
                    "dest_agency_name": chosen.name,
                    "hub_pending": "approve",
                },
            )
        audit_append(
            actor=actor,
            action="transfer.dest_approve",
            object_type="transfer",
            object_id=t.app_no,
            data={"agency": chosen.code},
        )
    if t.direction == Direction.INTRA:
        notify(t, "已调入", f"您已调入{t.dest_agency_name}。")
    return t


def transfer_dest_return(*, actor: Any, transfer: Transfer, reason: str) -> Transfer:
    if not reason.strip():
        raise DomainError.single("transfer.reason_required", "reason", "退回须写明原因")
    with transaction.atomic():
        t = _lock(transfer)
        _dest_reviewer(actor, t)
        intra = t.direction == Direction.INTRA
        apply_transition(
            t,
            table=TRANSITIONS,
            action="return_intra" if intra else "return",
            actor=actor,
            actor_kind="dest",
            labels=LABELS,
            reason=reason,
            extra_updates={
                "last_reason": reason,
                "hub_pending": "" if intra else "return",
                **({"finished_at": timezone.now()} if intra else {}),
            },
        )
        audit_append(actor=actor, action="transfer.dest_return", object_type="transfer", object_id=t.app_no)
    if intra:
        notify(t, "调入地退回", f"调入地退回了您的调转申请，原因：{reason}")
    return t
