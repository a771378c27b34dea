"""归属冲突查询 (spec §13): each province sees the quarantined records that concern it.

Quarantine only helps if both provinces hear of it: the reporter, whose change never reached the
master database, and the holder, whose person someone else claims. The list is the whole current set
(no cursor), so a lost answer or a resolved item needs nothing more than the next poll.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from registry.audit.services import audit_append
from registry.core.errors import DomainError
from registry.orgs.models import Agency
from registry.standard.messages import MAX_CONFLICTS, ConflictItem, ConflictList, ConflictPoll

from .models import Quarantine


def _item(row: Quarantine, asking: Agency) -> ConflictItem:
    # A province both reporting and holding (a second record for a number it already holds) is
    # told it reported: its own change is the one that did not apply.
    reported = row.reporter.path.startswith(asking.path)
    holder = row.holder
    return ConflictItem(
        id=row.pk,
        code=row.code,  # type: ignore[arg-type]
        role="reporter" if reported else "holder",
        person_id=row.person_uid,
        person_version=row.person_version,
        archive_masked=row.archive_masked,
        name=row.name,
        reporter_code=row.reporter.code,
        reporter_name=row.reporter.name,
        holder_code=holder.code if holder else None,
        holder_name=holder.name if holder else None,
        seq=row.seq,
        created_at=row.created_at,
    )


def handle_conflict_poll(reporter: Agency, message: dict[str, Any], poll: ConflictPoll) -> ConflictList:
    """`reporter` is the signing body (the endpoint checked it is `poll.agency`)."""
    mine = Q(reporter__path__startswith=reporter.path) | Q(holder__path__startswith=reporter.path)
    rows = (
        Quarantine.objects.filter(mine, resolved_at__isnull=True)
        .select_related("reporter", "holder")
        .order_by("-created_at", "-pk")[:MAX_CONFLICTS]
    )
    return ConflictList(
        message_type="conflict_list",
        agency=reporter.code,
        conflicts=[_item(row, reporter) for row in rows],
    )


def quarantine_resolve(*, actor: Any, pk: int, note: str) -> tuple[Quarantine, bool]:
    """Close an item once both provinces have settled it (a transfer, a correction): it leaves the
    hub's list and, at their next poll, both provinces' lists; the record itself stays unapplied.
    Returns the item and whether this call closed it (False: it was closed already).
    Raises Quarantine.DoesNotExist, or DomainError for a missing or overlong note."""
    note = note.strip()
    if not note or len(note) > 200:
        raise DomainError.single(
            "quarantine.note", "note", "请填写处理说明（200 字以内），例如已办理调转或已更正"
        )
    with transaction.atomic():
        item = Quarantine.objects.select_for_update().select_related("reporter").get(pk=pk)
        if item.resolved_at is not None:
            return item, False
        item.resolved_at = timezone.now()
        item.resolved_by = actor.get_username()
        item.resolution = note
        item.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_append(
            actor=actor,
            action="hub.quarantine_resolve",
            object_type="quarantine",
            object_id=str(item.pk),
            data={"code": item.code, "reporter": item.reporter.code, "note": note},
        )
    return item, True
