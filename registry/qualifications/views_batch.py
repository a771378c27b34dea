"""The agency's batch entry page: the file format, the template, the upload and its result."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_is_staff, visible_agencies
from registry.core.errors import DomainError, Forbidden

from . import batch, csvfile
from .forms import BatchForm


def _require_editor(request: HttpRequest) -> None:
    if not actor_is_staff(request.user) or not visible_agencies(request.user, Perm.EDIT_PEOPLE).exists():
        raise PermissionDenied


@login_required
def batch_page(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = BatchForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        try:
            data = csvfile.read_upload(form.cleaned_data["file"])
            outcome = csvfile.qualification_csv_import(actor=request.user, data=data)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            for e in exc.errors:
                form.add_error("file", e.message)
        if outcome is not None and not outcome.errors:
            messages.success(
                request,
                f"已登记 {len(outcome.created)} 条专业技术资格（{outcome.people} 人），已同步至人员信息。",
            )
            return redirect("qualifications:batch")
    context = {
        "form": form,
        "outcome": outcome,
        "columns": csvfile.COLUMNS,
        "max_rows": batch.MAX_ROWS,
        "max_mb": csvfile.MAX_BYTES // 1024 // 1024,
    }
    return render(request, "qualifications/batch.html", context)


@login_required
def batch_template(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    # UTF-8 with a byte-order mark: Excel on Windows then opens the Chinese header correctly.
    body = ("\ufeff" + csvfile.TEMPLATE_HEADER + "\r\n").encode("utf-8")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = quote("专业技术资格批量登记模板.csv")
    response["Content-Disposition"] = (
        f"attachment; filename=\"qualification-batch-template.csv\"; filename*=UTF-8''{name}"
    )
    return response
