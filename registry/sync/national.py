"""The province's duplicate check against the hub (spec: archive_query), registered into collection."""

from __future__ import annotations

import logging

from django.conf import settings

from registry.collection.national import FREE, HELD, UNKNOWN, NationalAnswer

from .client import HubClient, HubRefused, HubUnavailable

log = logging.getLogger("registry.sync")


def hub_archive_check(archive_index: str) -> NationalAnswer:
    client = HubClient.from_settings()
    client.timeout = 5.0  # a person is waiting on the registration page
    try:
        answer = client.call(
            {
                "message_type": "archive_query",
                "spec_version": "1.0.0",
                "agency": settings.REGISTRY_AGENCY_CODE,
                "archive_index": archive_index,
            }
        )
    except (HubUnavailable, HubRefused) as exc:
        log.warning("national duplicate check unavailable: %s", exc)
        return NationalAnswer(UNKNOWN)
    if not answer.get("held"):
        return NationalAnswer(FREE)
    if answer.get("holder_agency") == settings.REGISTRY_AGENCY_CODE:
        return NationalAnswer(FREE)  # held here already: the local check answers that case
    return NationalAnswer(HELD, str(answer.get("holder_name") or answer.get("holder_agency") or "外省"))
