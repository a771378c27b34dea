"""Operator pages of the hub: freshness of every province, interface keys, ownership conflicts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.core.errors import DomainError
from registry.orgs.models import Agency, Level
from registry.orgs.selectors import agency_by_code

from . import conflicts
from .keys import key_issue
from .models import AgencyKey, HubTransfer, Incident, Quarantine
from .selectors import freshness as freshness_rows


def _national(request: HttpRequest, perm: Perm) -> None:
    hub = agency_by_code("000000")
    if hub is None or not actor_has_perm(request.user, perm, hub):
        raise PermissionDenied


@login_required
def freshness(request: HttpRequest) -> HttpResponse:
    _national(request, Perm.VIEW_PEOPLE)
    rows = freshness_rows()
    context = {
        "rows": rows,
        "alarms": sum(1 for r in rows if r.alarm),
        "threshold": settings.REGISTRY_HUB_LAG_ALARM_SECONDS,
        "incidents": Incident.objects.all()[:20],
    }
    template = "hub/_freshness_table.html" if request.htmx else "hub/freshness.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def keys(request: HttpRequest) -> HttpResponse:
    _national(request, Perm.MANAGE_AGENCIES)
    secret = None
    if request.method == "POST":
        agency = Agency.objects.filter(code=request.POST.get("agency", ""), level=Level.PROVINCIAL).first()
        if agency is None:
            messages.error(request, "请选择省级会计管理机构")
            return redirect("hub:keys")
        key, raw = key_issue(actor=request.user, agency=agency, rotate=request.POST.get("rotate") == "1")
        secret = {"agency": agency, "key_id": key.key_id, "hex": raw.hex()}
    return render(
        request,
        "hub/keys.html",
        {
            "keys": AgencyKey.objects.select_related("agency"),
            "bodies": Agency.objects.filter(level=Level.PROVINCIAL).order_by("code"),
            "secret": secret,
        },
    )


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    _national(request, Perm.VIEW_PEOPLE)
    rows = HubTransfer.objects.select_related("origin", "dest")
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        rows = rows.filter(status=HubTransfer.Status.DEST_REVIEW, dest_due__lt=timezone.now())
    return render(
        request, "hub/transfers.html", {"rows": rows[:300], "overdue": overdue, "now": timezone.now()}
    )


@login_required
def quarantine(request: HttpRequest) -> HttpResponse:
    _national(request, Perm.VIEW_PEOPLE)
    items = Quarantine.objects.select_related("reporter", "holder").filter(resolved_at__isnull=True)[:200]
    hub = agency_by_code("000000")
    may_resolve = hub is not None and actor_has_perm(request.user, Perm.MANAGE_AGENCIES, hub)
    return render(request, "hub/quarantine.html", {"items": items, "may_resolve": may_resolve})


@login_required
@require_http_methods(["POST"])
def quarantine_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    _national(request, Perm.MANAGE_AGENCIES)
    try:
        item, closed = conflicts.quarantine_resolve(
            actor=request.user, pk=pk, note=request.POST.get("note", "")
        )
    except Quarantine.DoesNotExist as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, "；".join(e.message for e in exc.errors))
        return redirect("hub:quarantine")
    if closed:
        messages.success(request, f"已标记处理：{item.name}（{item.archive_masked}）")
    else:
        messages.info(request, f"该冲突已于 {timezone.localtime(item.resolved_at):%Y-%m-%d %H:%M} 处理")
    return redirect("hub:quarantine")
