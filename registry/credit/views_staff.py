"""The agency's pages: enter an entry, see one with its versions, supersede it, decide objections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_is_staff, visible_agencies
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.documents.selectors import document_get
from registry.documents.views import serve_document
from registry.people.selectors import person_get

from . import clock, services
from .forms import CreditForm, ReasonForm
from .models import CreditObjection, CreditRecord, ObjectionStatus, RecordStatus
from .selectors import (
    bar_status,
    document_ids,
    is_blacklisted,
    may_decide,
    objection_get,
    objection_queue,
    penalties,
    record_get,
    record_history,
)
from .validation import FIELDS, record_values

PAGE = 100
DECISIONS = {"correct": "更正", "withdraw": "撤销", "supersede": "替代", "expire": "公开期满"}


def attach_errors(form: forms.Form, exc: DomainError) -> None:
    """Each service error beside its field (`corrections.x`, `x`); the rest above the form."""
    for error in exc.errors:
        name = error.field.split(".")[-1]
        if name in form.fields and not form.has_error(name):
            form.add_error(name, error.message)
        else:
            form.add_error(None, error.message)


def _staff(request: HttpRequest) -> None:
    if not actor_is_staff(request.user):
        raise PermissionDenied


def _record(request: HttpRequest, uid: str) -> CreditRecord:
    try:
        return record_get(request.user, uid)
    except NotVisible as exc:
        raise Http404("未找到该信用信息") from exc


def _objection(request: HttpRequest, uid: str) -> CreditObjection:
    try:
        return objection_get(request.user, uid)
    except NotVisible as exc:
        raise Http404("未找到该异议") from exc


def _act(request: HttpRequest, action: Callable[[], Any], back: str) -> HttpResponse | None:
    """Run a service; on a broken rule show its messages and go back. None when it succeeded."""
    try:
        action()
    except NotVisible as exc:
        raise Http404("未找到") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect(back)
    return None


@login_required
def add(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request)
    try:
        person = person_get(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该人员") from exc
    form = CreditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.credit_add(
                actor=request.user,
                person=person,
                data=form.data_for_service(),
                evidence_files=request.FILES.getlist("evidence"),
            )
        except Forbidden as exc:
            raise PermissionDenied from exc
        except NotVisible as exc:
            raise Http404("未找到该人员") from exc
        except DomainError as exc:
            attach_errors(form, exc)
        else:
            late = "（已超过决定后 10 个工作日的录入期限，已标记为逾期录入）" if record.late else ""
            messages.success(request, f"已录入{record.get_kind_display()}信息：{record.item}{late}")
            return redirect(reverse("people:detail", args=[person.uid]) + "#tab-credit")
    return render(request, "credit/add.html", {"person": person, "form": form})


@login_required
def record(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request)
    found = _record(request, uid)
    today = clock.today()
    return render(
        request,
        "credit/record.html",
        {
            "record": found,
            "person": found.person,
            "revisions": found.revisions.all(),
            "objections": found.objections.all(),
            "history": record_history(found),
            "decisions": DECISIONS,
            "states": dict(RecordStatus.choices),
            "can_decide": may_decide(request.user, found),
            "penalties": penalties(),
            "bar": bar_status(found.person, today),
            "blacklisted": is_blacklisted(found.person, today),
            "today": today,
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def supersede(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request)
    back = reverse("credit:record", args=[uid])

    def act() -> None:
        services.credit_supersede(actor=request.user, record=uid, reason=request.POST.get("reason", ""))
        messages.success(request, "已标记为被替代：该信息不再公开，仍保留在记录中。")

    return _act(request, act, back) or redirect(back)


@login_required
def document(request: HttpRequest, uid: str, doc: str) -> HttpResponse:
    _staff(request)
    found = _record(request, uid)
    if str(doc) not in document_ids([found]):
        raise Http404("未找到该文件")
    try:
        return serve_document(request, document_get(owner_uid=found.person.uid, uid=doc))
    except NotVisible as exc:
        raise Http404("未找到该文件") from exc


@login_required
def objections(request: HttpRequest) -> HttpResponse:
    _staff(request)
    if not visible_agencies(request.user, Perm.EDIT_PEOPLE).exists():
        raise PermissionDenied
    today = clock.today()
    overdue_only = request.GET.get("overdue") == "1"
    show_all = request.GET.get("all") == "1" and not overdue_only
    rows = objection_queue(request.user, today, overdue_only=overdue_only, open_only=not show_all)
    pending = objection_queue(request.user, today)
    return render(
        request,
        "credit/objections.html",
        {
            "rows": list(rows[:PAGE]),
            "pending": pending.count(),
            "overdue": pending.filter(deadline__lt=today).count(),
            "overdue_only": overdue_only,
            "show_all": show_all,
            "today": today,
            "page_size": PAGE,
        },
    )


def _objection_page(
    request: HttpRequest, found: CreditObjection, form: CreditForm | None = None, reject_form: Any = None
) -> HttpResponse:
    rec = found.record
    initial = {k: v for k, v in record_values(rec).items() if k in FIELDS}
    return render(
        request,
        "credit/objection.html",
        {
            "objection": found,
            "record": rec,
            "person": found.person,
            "revisions": rec.revisions.all(),
            "can_decide": found.status == ObjectionStatus.OPEN and may_decide(request.user, rec),
            "form": form or CreditForm(initial=initial),
            "reject_form": reject_form or ReasonForm(),
            "penalties": penalties(),
            "today": clock.today(),
        },
    )


@login_required
def objection(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request)
    return _objection_page(request, _objection(request, uid))


@login_required
@require_POST
def uphold(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request)
    found = _objection(request, uid)
    withdraw = request.POST.get("withdraw") == "1"
    form = CreditForm(request.POST)
    if not form.is_valid() and not withdraw:
        return _objection_page(request, found, form=form)
    try:
        services.objection_uphold(
            actor=request.user,
            objection=found,
            reason=request.POST.get("decision_reason", ""),
            corrections=None if withdraw else form.data_for_service(),
            withdraw=withdraw,
            evidence_files=request.FILES.getlist("evidence"),
        )
    except NotVisible as exc:
        raise Http404("未找到该异议") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        attach_errors(form, exc)
        return _objection_page(request, found, form=form)
    messages.success(
        request, "异议成立：已" + ("撤销该信息" if withdraw else "更正该信息，原始内容与证明材料已保留")
    )
    return redirect("credit:objections")


@login_required
@require_POST
def reject(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request)
    back = reverse("credit:objection", args=[uid])

    def act() -> None:
        services.objection_reject(actor=request.user, objection=uid, reason=request.POST.get("reason", ""))
        messages.success(request, "已答复异议不成立，申请人将看到答复理由。")

    return _act(request, act, back) or redirect("credit:objections")
