"""Agency pages for batch reports (format, template, upload, result) and the province settings."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from registry.accounts.roles import Perm
from registry.core.errors import DomainError, Forbidden

from . import batch as batch_import
from . import services
from .config import rules_of
from .forms import BatchForm, SettingsForm
from .models import Settings
from .rules import BY_ROLE, FIXED, FIXED_PER_DAY, ROLE_LABELS, fmt, form_label
from .views import _staff, body_choices


def fixed_rules() -> list[tuple[str, str]]:
    """The conversions built into the rule, as the pages print them."""
    out = [(form_label(f), f"每项 {fmt(v)} 学分") for f, v in FIXED.items()]
    out += [(form_label(f), f"每天 {fmt(v)} 学分") for f, v in FIXED_PER_DAY.items()]
    for f, roles in BY_ROLE.items():
        text = "；".join(f"{ROLE_LABELS[f][r]} {fmt(v)} 学分" for r, v in roles.items())
        out.append((form_label(f), text))
    return out


@login_required
def batch_page(request: HttpRequest) -> HttpResponse:
    _staff(request, Perm.EDIT_PEOPLE)
    form = BatchForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = batch_import.ce_batch_import(actor=request.user, file=form.cleaned_data["file"])
        except Forbidden as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            for e in exc.errors:
                form.add_error("file", e.message)
    context = {
        "form": form,
        "result": result,
        "columns": batch_import.COLUMNS,
        "max_rows": batch_import.MAX_ROWS,
        "max_mb": batch_import.MAX_BYTES // 1024 // 1024,
        "fixed": fixed_rules(),
    }
    return render(request, "continuing_education/batch.html", context)


@login_required
def batch_template(request: HttpRequest) -> HttpResponse:
    _staff(request, Perm.EDIT_PEOPLE)
    # UTF-8 with a byte-order mark: Excel on Windows then opens the Chinese header correctly.
    body = ("\ufeff" + batch_import.HEADER + "\r\n").encode("utf-8")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = quote("继续教育学分批量报送模板.csv")
    response["Content-Disposition"] = (
        f"attachment; filename=\"ce-batch-template.csv\"; filename*=UTF-8''{name}"
    )
    return response


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    bodies = body_choices(request)
    if not bodies:
        raise PermissionDenied
    code = request.GET.get("body") or settings.REGISTRY_AGENCY_CODE
    body = next((b for b in bodies if b.code == code), bodies[0])
    row = Settings.objects.filter(agency=body).first()
    form = SettingsForm(request.POST or None, rules=rules_of(row))
    if request.method == "POST" and form.is_valid():
        try:
            services.ce_settings_update(actor=request.user, body=body, data=form.data_for_service())
        except Forbidden as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            messages.success(request, "继续教育设置已保存。")
            return redirect(f"{request.path}?body={body.code}")
    context = {"form": form, "body": body, "bodies": bodies, "row": row, "fixed": fixed_rules()}
    return render(request, "continuing_education/settings.html", context)
