"""The person's pages: propose a change, follow it, revise a returned one, withdraw."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry.core.errors import DomainError, NotVisible
from registry.documents.limits import LIMITS_TEXT
from registry.documents.views import serve_document
from registry.people.models import Person

from . import services
from .diff import Labeller, diff
from .forms import RequestForm, group_form, proposed_value
from .guards import under_review
from .history import record_history
from .models import ChangeRequest, Group
from .proposal import current_group
from .rules import PROOF_HINT, groups_for
from .selectors import own_person, own_request, own_requests, request_history
from .views_common import attach, evidence_documents


def _person(request: HttpRequest) -> Person:
    person = own_person(request.user)
    if person is None:
        raise Http404("该账户没有会计人员信息")
    return person


def _request(request: HttpRequest, uid: str) -> ChangeRequest:
    try:
        return own_request(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该变更申请") from exc


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    rows = list(own_requests(request.user)[:100])
    open_groups = {r.group for r in rows if r.is_open}
    return render(
        request,
        "changes/mine.html",
        {
            "person": person,
            "rows": rows,
            "blocked": under_review(person),
            "groups": [(g, g.label, g in open_groups) for g in groups_for(person.category)],
        },
    )


def _form_page(
    request: HttpRequest, person: Person, group: str, initial: Any, change: ChangeRequest | None
) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    form = group_form(group, post, initial)
    meta = RequestForm(post, request.FILES or None, initial={"reason": change.reason if change else ""})
    if post is not None and form.is_valid() and meta.is_valid():
        proposed = proposed_value(group, form)
        reason, files = meta.cleaned_data["reason"], meta.cleaned_data["evidence"]
        try:
            if change is None:
                change = services.change_request_submit(
                    actor=request.user, group=group, proposed=proposed, reason=reason, files=files
                )
            else:
                services.change_request_resubmit(
                    actor=request.user, uid=change.uid, proposed=proposed, reason=reason, files=files
                )
        except DomainError as exc:
            attach(form, meta, exc)
        else:
            messages.success(request, f"变更申请已提交，请等待{change.agency.name}审核。")
            return redirect("changes:mine_detail", uid=change.uid)
    return render(
        request,
        "changes/propose.html",
        {
            "person": person,
            "group": Group(group),
            "form": form,
            "meta": meta,
            "change": change,
            "proof_hint": PROOF_HINT.get(group, ""),
            "limits": LIMITS_TEXT,
            "is_formset": group in (Group.EDUCATION, Group.WORK),
        },
    )


@login_required
def propose(request: HttpRequest, group: str) -> HttpResponse:
    person = _person(request)
    if group not in groups_for(person.category):
        raise Http404("没有这类信息")
    blocked = under_review(person)
    if blocked:
        messages.error(request, blocked)
        return redirect("changes:mine")
    return _form_page(request, person, group, current_group(person, group), None)


@login_required
def revise(request: HttpRequest, uid: str) -> HttpResponse:
    person = _person(request)
    change = _request(request, uid)
    if change.status != "returned":
        messages.info(request, "只有被退回的申请可以修改后重新提交。")
        return redirect("changes:mine_detail", uid=change.uid)
    return _form_page(request, person, change.group, change.proposed, change)


@login_required
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    person = _person(request)
    change = _request(request, uid)
    return render(
        request,
        "changes/mine_detail.html",
        {
            "person": person,
            "change": change,
            "changes": diff(change.old, change.proposed, (change.group,), Labeller()),
            "history": request_history(change),
            "documents": evidence_documents(change),
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, uid: str) -> HttpResponse:
    _person(request)
    try:
        services.change_request_withdraw(actor=request.user, uid=uid, note=request.POST.get("note", ""))
    except NotVisible as exc:
        raise Http404("未找到该变更申请") from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    else:
        messages.success(request, "已撤回该变更申请。")
    return redirect("changes:mine_detail", uid=uid)


@login_required
def document(request: HttpRequest, uid: str, doc: str) -> HttpResponse:
    change = _request(request, uid)
    found = evidence_documents(change).get(str(doc))
    if found is None:
        raise Http404("未找到该文件")
    return serve_document(request, found)


@login_required
def history(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    before = request.GET.get("before", "")
    page = record_history(person, request.user, before=int(before) if before.isdigit() else None)
    return render(request, "changes/history_page.html", {"person": person, "history": page, "mine": True})
