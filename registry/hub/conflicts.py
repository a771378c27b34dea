"""归属冲突查询 (spec §13): each province sees the quarantined records that concern it.

Quarantine only helps if both provinces hear of it: the reporter, whose change never reached the
master database, and the holder, whose person someone else claims. The list is the whole current set
(no cursor), so a lost answer or a resolved item needs nothing more than the next poll.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

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
