"""Pages: staff entry and status changes on a person, and the programme table for province admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.people.selectors import person_get

from .forms import ProgrammeForm, TalentForm, attach_errors
from .programmes import may_manage, programme_add, programme_update
from .selectors import programmes as programme_list
from .services import talent_add, talent_update_status


@login_required
def add(request: HttpRequest, person_uid: str) -> HttpResponse:
    if not actor_is_staff(request.user):
        raise PermissionDenied
    try:
        person = person_get(request.user, person_uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该人员") from exc
    if not actor_has_perm(request.user, Perm.EDIT_PEOPLE, person.agency):
        raise PermissionDenied
    form = TalentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            talent_add(actor=request.user, person=person, data=form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已登记高端会计人才信息。")
            return redirect(reverse("people:detail", args=[person.uid]) + "#tab-talents")
    return render(request, "talents/add.html", {"form": form, "person": person})


@login_required
@require_POST
def change_status(request: HttpRequest, uid: str) -> HttpResponse:
    if not actor_is_staff(request.user):
        raise PermissionDenied
    try:
        row = talent_update_status(
            actor=request.user,
            uid=uid,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
    except NotVisible as exc:
        raise Http404("未找到该记录") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    else:
        messages.success(request, f"已将{row.programme.name}的状态改为“{row.get_status_display()}”。")
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("people:list")


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    if not may_manage(request.user):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = programme_add(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, f"已增加项目“{programme.name}”（代码 {programme.code}）。")
            return redirect("talents:programmes")
    return render(
        request, "talents/programmes.html", {"form": form, "rows": list(programme_list(active_only=False))}
    )


@login_required
@require_POST
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    if not may_manage(request.user):
        raise PermissionDenied
    name = request.POST.get("name")
    active = request.POST.get("active")
    try:
        programme_update(
            actor=request.user,
            code=code,
            name=name,
            active=None if active is None else active == "1",
        )
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    else:
        messages.success(request, "已保存。")
    return redirect("talents:programmes")
