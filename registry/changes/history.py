"""Every version of a person's record as a readable diff: who, when, why.

The outbox holds the full snapshot of each version (encrypted); the audit event of the same person
and version says who and why. Consecutive snapshots are compared item by item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps

from registry.accounts.selectors import actor_is_staff
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.templatetags.registry_tags import ACTION_LABELS
from registry.people.models import Person

from .diff import Change, Labeller, diff
from .models import ChangeRequest

PAGE = 20
ACTIONS = {
    **ACTION_LABELS,
    "extensions.set": "修改省级扩充项",
}


@dataclass
class Version:
    version: int
    at: datetime | None
    actor: str
    action: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    compared_with: int | None = None  # the previous version shown against (None: the first)
    available: bool = True


@dataclass
class History:
    versions: list[Version]
    older: int | None  # pass as `before` for the next page


def extension_labels() -> dict[str, str]:
    """Labels of the province's extension items, when that app is installed (read by name, not import)."""
    if not apps.is_installed("registry.extensions"):
        return {}
    model = apps.get_model("extensions", "ExtensionItem")
    return dict(model.objects.values_list("key", "label"))


def _actor(event: AuditEvent | None, viewer: Any, staff: bool) -> str:
    if event is None:
        return "—"
    if event.actor_id is None:
        return "系统"
    if staff:
        return event.actor_name
    return "本人" if event.actor_id == getattr(viewer, "pk", None) else "会计管理机构"


def _events(person: Person, low: int, high: int) -> dict[int, AuditEvent]:
    """The audit event of each version in [low, high], newest first until below `low`."""
    found: dict[int, AuditEvent] = {}
    qs = (
        AuditEvent.objects.filter(object_type="person", object_id=str(person.uid))
        .exclude(action="person.reveal_archive_no")
        .only("seq", "at", "actor_id", "actor_name", "action", "data")
        .order_by("-seq")
    )
    for event in qs.iterator(chunk_size=200):
        version = event.data.get("version") if isinstance(event.data, dict) else None
        if not isinstance(version, int):
            continue
        if version < low:
            break
        if version <= high:
            found.setdefault(version, event)
    return found


def record_history(person: Person, viewer: Any, *, before: int | None = None, limit: int = PAGE) -> History:
    rows_qs = OutboxEvent.objects.filter(person_uid=person.uid)
    if before is not None:
        rows_qs = rows_qs.filter(person_version__lt=before)
    rows: dict[int, OutboxEvent] = {}
    for row in rows_qs.order_by("-person_version", "-seq")[: limit + 1]:
        rows.setdefault(row.person_version, row)
    numbers = sorted(rows, reverse=True)
    shown = numbers[:limit]
    if not shown:
        return History([], None)
    snapshots = {n: outbox_snapshot(rows[n]) for n in numbers}
    events = _events(person, min(shown), max(shown))
    requests = {
        r.applied_version: r for r in ChangeRequest.objects.filter(person=person, applied_version__in=shown)
    }
    staff = actor_is_staff(viewer)
    labeller = Labeller(extension_labels())
    versions = []
    for i, number in enumerate(shown):
        previous = numbers[i + 1] if i + 1 < len(numbers) else None
        event = events.get(number)
        action = ACTIONS.get(event.action, event.action) if event else ACTIONS.get(rows[number].kind, "")
        reason = str(event.data.get("reason") or "") if event else ""
        request = requests.get(number)
        if request is not None:
            action = f"信息变更（{request.get_group_display()}，审核通过）"
            note = request.decision_reason
            reason = request.reason + (f"；审核意见：{note}" if note else "")
        old = snapshots[previous] if previous is not None else {}
        versions.append(
            Version(
                version=number,
                at=event.at if event else rows[number].created_at,
                actor=_actor(event, viewer, staff),
                action=action,
                reason=reason,
                changes=diff(old, snapshots[number], (), labeller),
                compared_with=previous,
            )
        )
    older = shown[-1] if len(numbers) > limit else None
    return History(versions, older)
