"""The worker's copy of the hub's quarantine list for this province (spec §13, `conflict_poll`).

The hub answers with every open item, so the copy is replaced whole: an item resolved at the hub
disappears here on the next poll, and a failed poll leaves the last good copy in place.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from registry.standard.messages import ConflictList

from .client import HubClient, HubUnavailable
from .drain import feed_state
from .models import FeedState, HubConflict

# Conflicts change rarely and the worker turns every few seconds: ask the hub at most this often.
POLL_SECONDS = 30.0


def conflicts_refresh(client: HubClient) -> int:
    """Ask the hub and replace the copy; returns the number of open items."""
    reply = client.call({"message_type": "conflict_poll", "agency": client.agency})
    try:
        listed = ConflictList.model_validate(reply)
    except ValidationError as exc:
        raise HubUnavailable(f"全国枢纽的归属冲突清单不符合接口规范：{exc.error_count()} 处问题") from exc
    if listed.agency != client.agency:
        raise HubUnavailable(f"全国枢纽答复的是 {listed.agency} 的归属冲突清单")
    rows = [
        HubConflict(
            hub_id=item.id,
            code=item.code,
            role=item.role,
            person_uid=item.person_id,
            person_version=item.person_version,
            archive_masked=item.archive_masked,
            name=item.name,
            reporter_code=item.reporter_code,
            reporter_name=item.reporter_name,
            holder_code=item.holder_code or "",
            holder_name=item.holder_name or "",
            seq=item.seq,
            created_at=item.created_at,
        )
        for item in listed.conflicts
    ]
    with transaction.atomic():
        HubConflict.objects.all().delete()
        HubConflict.objects.bulk_create(rows)
        FeedState.objects.filter(pk=feed_state().pk).update(conflicts_checked_at=timezone.now())
    return len(rows)


def conflicts_step(client: HubClient) -> None:
    """A drain step (registered in SyncConfig.ready): refresh the copy when it is due."""
    every = timedelta(seconds=getattr(settings, "REGISTRY_CONFLICT_POLL_SECONDS", POLL_SECONDS))
    checked = feed_state().conflicts_checked_at
    if checked is None or timezone.now() - checked >= every:
        conflicts_refresh(client)
