"""The agency's pages: the queue of change requests, the review page with old beside new, decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff, visible_agencies
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.documents.views import serve_document
from registry.orgs.models import Agency
from registry.people.selectors import person_get

from . import services
from .diff import Labeller, changed_paths, diff
from .forms import DecisionForm
from .guards import under_review
from .history import record_history
from .models import ChangeRequest, ChangeStatus
from .proposal import current_group
from .selectors import QueueFilter, request_for_review, request_history, review_queue
from .views_common import evidence_documents

QUEUE_PAGE = 100


def _reviewer(request: HttpRequest) -> None:
    if not visible_agencies(request.user, Perm.REVIEW).exists():
        raise PermissionDenied


def _get(request: HttpRequest, uid: str) -> ChangeRequest:
    try:
        return request_for_review(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该变更申请") from exc


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    code = request.GET.get("agency", "")
    f = QueueFilter(
        agency=Agency.objects.filter(code=code).first() if code else None,
        overdue_only=request.GET.get("overdue") == "1",
    )
    today = date.today()
    everything = review_queue(request.user, QueueFilter(agency=f.agency))
    pending = everything.count()
    overdue = everything.filter(deadline__lt=today).count()
    agencies = visible_agencies(request.user, Perm.REVIEW).exclude(level="national").order_by("path")
    return render(
        request,
        "changes/queue.html",
        {
            "rows": list(review_queue(request.user, f, today)[:QUEUE_PAGE]),
            "total": overdue if f.overdue_only else pending,
            "pending": pending,
            "overdue": overdue,
            "today": today,
            "filter": f,
            "agencies": [(a.code, a.name) for a in agencies[:500]],
            "page_size": QUEUE_PAGE,
        },
    )


@login_required
def review(request: HttpRequest, uid: str) -> HttpResponse:
    _reviewer(request)
    change = _get(request, uid)
    person = change.person
    can_decide = change.status == ChangeStatus.SUBMITTED and actor_has_perm(
        request.user, Perm.REVIEW, change.agency
    )
    warning = ""
    if can_decide:
        warning = under_review(person) or ""
        if not warning and changed_paths(change.old, current_group(person, change.group)):
            warning = services.stale_message(change, person)
    return render(
        request,
        "changes/review.html",
        {
            "change": change,
            "person": person,
            "changes": diff(change.old, change.proposed, (change.group,), Labeller()),
            "documents": evidence_documents(change),
            "history": request_history(change),
            "can_decide": can_decide,
            "warning": warning,
            "form": DecisionForm(),
            "today": date.today(),
        },
    )


def _decide(request: HttpRequest, uid: str, act: Callable[[], str]) -> HttpResponse:
    _reviewer(request)
    try:
        done = act()
    except NotVisible as exc:
        raise Http404("未找到该变更申请") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect("changes:review_detail", uid=uid)
    messages.success(request, done)
    return redirect("changes:queue")


@login_required
@require_POST
def approve(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> str:
        services.change_request_approve(actor=request.user, uid=uid, note=request.POST.get("reason", ""))
        return "已批准，变更已写入该人员的信息。"

    return _decide(request, uid, act)


@login_required
@require_POST
def return_(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> str:
        services.change_request_return(actor=request.user, uid=uid, reason=request.POST.get("reason", ""))
        return "已退回，申请人可修改后重新提交。"

    return _decide(request, uid, act)


@login_required
@require_POST
def reject(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> str:
        services.change_request_reject(actor=request.user, uid=uid, reason=request.POST.get("reason", ""))
        return "已作出不予通过的决定。"

    return _decide(request, uid, act)


@login_required
def document(request: HttpRequest, uid: str, doc: str) -> HttpResponse:
    _reviewer(request)
    change = _get(request, uid)
    found = evidence_documents(change).get(str(doc))
    if found is None:
        raise Http404("未找到该文件")
    return serve_document(request, found)


@login_required
def person_history(request: HttpRequest, uid: str) -> HttpResponse:
    """Every version of a person's record, a page at a time (the detail tab shows the latest)."""
    if not actor_is_staff(request.user):
        raise PermissionDenied
    try:
        person = person_get(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该人员") from exc
    before = request.GET.get("before", "")
    page = record_history(person, request.user, before=int(before) if before.isdigit() else None)
    return render(request, "changes/history_page.html", {"person": person, "history": page, "mine": False})
