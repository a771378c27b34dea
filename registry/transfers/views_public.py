"""调转办理进度 (no login): the application number with the applicant's full ID number answers where the
application stands, who holds it and by when. Nothing else; a wrong pair and an unknown number get the
same answer, and the page never echoes the ID number."""

from __future__ import annotations

import hmac
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registry.core.errors import DomainError
from registry.core.ratelimit import allow
from registry.people.services import archive_index_for
from registry.standard.identity import check_identity, normalise_number

from .forms import StatusForm
from .models import Direction, Transfer
from .services import transfer_package
from .views_common import summary

LIMIT = 20  # per client address and hour
PER_APPLICATION = 30  # per application number and hour, whatever the address
WINDOW = 3600
NOT_FOUND = "未查询到该调转申请，请核对申请编号和证件号码"


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _forms(document_type: str, typed: str, nationality: str | None) -> list[str]:
    """The number as typed (normalised) and its standard form for the document type."""
    plain = normalise_number(typed)
    standard = check_identity(document_type, plain, nationality).archive_no
    return list(dict.fromkeys(n for n in (standard, plain) if n))


def _matches(t: Transfer, typed: str) -> bool:
    if t.direction == Direction.IN:
        try:
            identity = transfer_package(t)["record"]["identity"]
        except (DomainError, KeyError, TypeError):
            return False
        on_file = normalise_number(str(identity.get("archive_no", "")))
        return any(
            hmac.compare_digest(n.encode(), on_file.encode())
            for n in _forms(str(identity.get("document_type", "")), typed, identity.get("nationality"))
        )
    person = t.person
    if person is None:
        return False
    return any(
        hmac.compare_digest(
            archive_index_for(person.document_type, n, person.nationality), person.archive_index
        )
        for n in _forms(person.document_type, typed, person.nationality)
    )


def lookup(app_no: str, archive_no: str) -> Transfer | None:
    """The application when the pair matches; None otherwise (whatever was wrong)."""
    t = Transfer.objects.select_related("person").filter(app_no=normalise_number(app_no)).first()
    if t is None:
        archive_index_for("resident_id", normalise_number(archive_no), None)  # about the same work either way
        return None
    return t if _matches(t, archive_no) else None


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"form": StatusForm(), "not_found": NOT_FOUND}
    if request.method != "POST":
        return render(request, "transfers/status.html", context)
    if not allow("transfer-status", _client(request), LIMIT, WINDOW):
        context["limited"] = True
        return render(request, "transfers/status.html", context, status=429)
    form = StatusForm(request.POST)
    if not form.is_valid():
        # Never echo the ID number back into the page.
        context["form"] = StatusForm(initial={"app_no": request.POST.get("app_no", "")[:40]})
        context["form_errors"] = True
        return render(request, "transfers/status.html", context)
    app_no = normalise_number(form.cleaned_data["app_no"])
    if not allow("transfer-status-app", app_no, PER_APPLICATION, WINDOW):
        # Many addresses guessing the number of one application: that application answers no more.
        context["limited"] = True
        return render(request, "transfers/status.html", context, status=429)
    context["form"] = StatusForm(initial={"app_no": app_no})
    context["asked"] = True
    t = lookup(app_no, form.cleaned_data["archive_no"])
    if t is not None:
        context["answer"] = {"app_no": t.app_no, **summary(t)}
    return render(request, "transfers/status.html", context)
