"""Workflows are tables: (state, action) → state, with who may act. One helper applies them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from .errors import DomainError, Forbidden
from .models import Decision


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    who: frozenset[str]  # actor kinds allowed, e.g. {"owner"} or {"reviewer"}


def transitions(rows: Iterable[tuple[str, str, str, str]]) -> dict[tuple[str, str], Transition]:
    """Build a table from (source, action, target, "kind1|kind2") rows."""
    table = {}
    for source, action, target, who in rows:
        table[(source, action)] = Transition(source, action, target, frozenset(who.split("|")))
    return table


def apply_transition(
    obj: models.Model,
    *,
    table: dict[tuple[str, str], Transition],
    action: str,
    actor: Any,
    actor_kind: str,
    labels: dict[str, str],
    reason: str = "",
    details: dict[str, Any] | None = None,
    extra_updates: dict[str, Any] | None = None,
) -> Decision:
    """Move `obj.status` along the table with a conditional update, and log the decision.

    Refuses an action the current state does not allow, an actor kind the
    transition does not name, and a concurrent change (someone acted first).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("apply_transition must run inside the service's transaction")
    current = obj.status  # type: ignore[attr-defined]
    step = table.get((current, action))
    if step is None:
        raise DomainError.single(
            "workflow.not_allowed", "status", f"当前状态为“{labels.get(current, current)}”，不能执行此操作"
        )
    if actor_kind not in step.who:
        raise Forbidden(f"{actor_kind} may not {action}")
    updates = {"status": step.target, **(extra_updates or {})}
    changed = type(obj)._default_manager.filter(pk=obj.pk, status=current).update(**updates)
    if changed != 1:
        raise DomainError.single("workflow.conflict", "status", "该事项已被他人处理，请刷新页面后查看")
    for name, value in updates.items():
        setattr(obj, name, value)
    return Decision.objects.create(
        object_type=obj._meta.label_lower,
        object_id=str(getattr(obj, "uid", obj.pk)),
        action=action,
        from_state=current,
        to_state=step.target,
        actor_id=getattr(actor, "pk", None),
        actor_name=str(actor) if getattr(actor, "pk", None) else "system",
        reason=reason,
        details=details or {},
    )
