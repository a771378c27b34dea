"""The province's view of its feed to the hub: queue depth, lag, last error, quarantined records."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.orgs.selectors import agency_by_code

from .drain import queue_status
from .models import HubConflict


@login_required
def status(request: HttpRequest) -> HttpResponse:
    body = agency_by_code(settings.REGISTRY_AGENCY_CODE)
    if body is None or not actor_has_perm(request.user, Perm.MANAGE_USERS, body):
        raise PermissionDenied
    context = {**queue_status(), "hub_url": settings.REGISTRY_HUB_URL, "body": body}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "sync/_status.html", context)
    # Outside the 5-second refresh: the worker renews the list only every half minute.
    context["conflicts"] = list(HubConflict.objects.all())  # at most MAX_CONFLICTS: the hub caps the list
    return render(request, "sync/status.html", context)
