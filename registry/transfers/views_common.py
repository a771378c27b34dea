"""What the person's, the staff's and the public pages show alike: steps, holder, deadline, badges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from registry.core.errors import DomainError
from registry.core.models import Decision
from registry.credit.models import RecordStatus
from registry.standard.codes import divisions, load_table
from registry.standard.masking import mask_archive_no
from registry.standard.record import PersonRecord

from .models import Direction, Transfer, TransferStatus
from .services import holder_and_due, transfer_package

HUB_NAME = "全国会计人员信息管理系统"
# (action, state it left) → what happened, in the words of the bureau; None = any state.
STEP_LABELS: dict[tuple[str, str | None], str] = {
    ("apply", None): "申请人提交申请",
    ("withdraw", None): "申请人撤回申请",
    ("return", "applied"): "调出地退回",
    ("return", None): "调入地退回，待全国平台确认",
    ("confirm", None): "调出地确认转出",
    ("confirm_intra", None): "调出地确认转出",
    ("routed", None): "全国平台已转送调入地",
    ("approve", None): "调入地同意调入，待全国平台确认",
    ("approve_intra", None): "调入地同意调入",
    ("return_intra", None): "调入地退回",
    ("hub_completed", None): "全国平台确认调入，管理机构已变更",
    ("hub_returned", None): "全国平台确认调入地退回",
}
ORIGIN_ACTIONS = {"apply", "withdraw", "confirm", "confirm_intra"}
DEST_ACTIONS = {"approve", "approve_intra", "return_intra"}
HUB_ACTIONS = {"routed", "hub_completed", "hub_returned"}
BADGES = {
    TransferStatus.APPLIED: "warning",
    TransferStatus.DEST_REVIEW: "warning",
    TransferStatus.CONFIRMED: "info",
    TransferStatus.APPROVING: "info",
    TransferStatus.RETURNING: "info",
    TransferStatus.COMPLETED: "success",
    TransferStatus.ORIGIN_RETURNED: "danger",
    TransferStatus.DEST_RETURNED: "danger",
    TransferStatus.WITHDRAWN: "secondary",
}
RETURNED = {TransferStatus.ORIGIN_RETURNED, TransferStatus.DEST_RETURNED}


@dataclass(frozen=True)
class Step:
    at: datetime | None
    label: str
    agency: str
    actor: str
    reason: str
    back: bool  # a return: shown in red


def _label(action: str, from_state: str | None) -> str:
    return STEP_LABELS.get((action, from_state)) or STEP_LABELS.get((action, None)) or action


def _agency(t: Transfer, action: str, from_state: str | None) -> str:
    if action in HUB_ACTIONS:
        return HUB_NAME
    if action in ORIGIN_ACTIONS or (action == "return" and from_state in (None, TransferStatus.APPLIED)):
        return t.origin_name
    return t.dest_agency_name


def transfer_steps(t: Transfer) -> list[Step]:
    """Every step of the application, oldest first: for an incoming one the origin's steps travel in
    the package; then this node's decisions (registry.core.models.Decision) with who, when and why."""
    steps: list[Step] = []
    if t.direction == Direction.IN and t.package is not None:
        try:
            travelled = transfer_package(t).get("steps", [])
        except DomainError:
            travelled = []
        for s in travelled:
            action = str(s.get("step", ""))
            steps.append(
                Step(
                    at=parse_datetime(str(s.get("at", ""))),
                    label=_label(action, "applied" if action == "return" else None),
                    agency=t.origin_name,
                    actor=t.person_name if action in ("apply", "withdraw") else str(s.get("actor", "")),
                    reason=str(s.get("reason", "")),
                    back=action == "return",
                )
            )
    else:
        steps.append(Step(t.applied_at, _label("apply", None), t.origin_name, t.person_name, "", False))
    decisions = Decision.objects.filter(object_type="transfers.transfer", object_id=str(t.uid)).order_by(
        "at", "id"
    )
    for d in decisions:
        if t.direction == Direction.IN and d.action == "routed":
            continue
        if d.action == "withdraw":
            actor = t.person_name
        elif d.action in HUB_ACTIONS or not d.actor_id:
            actor = "全国平台"
        else:
            actor = d.actor_name
        steps.append(
            Step(
                at=d.at,
                label=_label(d.action, d.from_state),
                agency=_agency(t, d.action, d.from_state),
                actor=actor,
                reason=d.reason,
                back=d.action in ("return", "return_intra", "hub_returned"),
            )
        )
    return steps


def is_overdue(t: Transfer, now: datetime | None = None) -> bool:
    _, due = holder_and_due(t)
    return due is not None and due < (now or timezone.now())


def summary(t: Transfer) -> dict[str, Any]:
    """Status label, holder, deadline and overdue flag: what every page shows about where it stands."""
    holder, due = holder_and_due(t)
    return {
        "label": t.get_status_display(),  # type: ignore[attr-defined]
        "badge": BADGES.get(TransferStatus(t.status), "secondary"),
        "holder": holder,
        "due": due,
        "overdue": is_overdue(t),
        "returned": t.status in RETURNED,
    }


LABEL_TABLES = (
    "sex",
    "ethnicity",
    "political_status",
    "education",
    "degree",
    "training_mode",
    "industry",
    "unit_nature",
    "accounting_post",
    "person_category",
    "document_type",
    "country",
    "qualification_level",
    "qualification_route",
    "ce_form",
    "ce_subject",
    "talent_programme",
    "talent_status",
    "penalty_kind",
)


def label_tables() -> dict[str, dict[str, str]]:
    """Code → name for every table the record shows (retired codes still readable)."""
    tables = {name: dict(load_table(name).choices(include_retired=True)) for name in LABEL_TABLES}
    tables["credit_status"] = {str(k): str(v) for k, v in RecordStatus.choices}
    return tables


def record_context(record: PersonRecord) -> dict[str, Any]:
    """A record for reading on a page: the ID number masked before the template sees it."""
    identity = record.identity.model_copy(update={"archive_no": mask_archive_no(record.identity.archive_no)})
    return {
        "rec": record.model_copy(update={"identity": identity}),
        "t": label_tables(),
        "division": divisions(),
    }
