"""The agencies' pages: the queue (mine, overdue, all), the application with the record and the proofs,
the decisions of the origin and the destination, and the signed package for the offline path."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, visible_agencies
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.documents.selectors import current_documents, document_get
from registry.documents.views import serve_document
from registry.orgs.models import Agency, Level
from registry.people.snapshot import person_record
from registry.standard.record import PersonRecord

from . import services
from .files import EXPORTABLE, FORMATS, transfer_export
from .forms import ApproveForm
from .models import Direction, Transfer, TransferStatus
from .selectors import my_queue, overdue, staff_transfer, staff_transfers
from .views_common import record_context, summary, transfer_steps

PAGE = 100
TABS = (("mine", "待我审核"), ("overdue", "已超期"), ("all", "全部"))


NOT_STAFF = "调转审核仅供会计管理机构的审核人员使用。会计人员请在“调转申请”中办理。"
NOT_FOUND = "未找到该调转申请，或该申请不在您所在机构的办理范围内。"
NOT_ORIGIN = "确认转出和调出地退回由申请人现管理机构（调出地）的审核人员办理。"
NOT_DEST = "同意调入和调入地退回由调入机构的审核人员办理，且只能调入您有权办理的机构。"


class Refused(Exception):
    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message, self.status = message, status


def refusing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a refusal with a page that says why (403) or that there is nothing to see (404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Refused as exc:
            back = reverse("transfers:queue") if exc.message != NOT_STAFF else "/"
            context = {"message": exc.message, "status": exc.status, "back": back}
            return render(request, "transfers/refused.html", context, status=exc.status)

    return wrapped


def _reviewer(request: HttpRequest) -> None:
    if not visible_agencies(request.user, Perm.REVIEW).exists():
        raise Refused(NOT_STAFF)


def _get(request: HttpRequest, uid: str) -> Transfer:
    try:
        return staff_transfer(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Refused(NOT_FOUND, 404) from exc


def _search(rows: QuerySet[Transfer], q: str) -> QuerySet[Transfer]:
    q = q.strip()
    if not q:
        return rows
    return rows.filter(Q(app_no__iexact=q) | Q(person_name=q))


@login_required
@refusing
def queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    tab = request.GET.get("tab", "mine")
    tab = tab if tab in dict(TABS) else "mine"
    status = request.GET.get("status", "")
    status = status if status in TransferStatus.values else ""
    q = request.GET.get("q", "")[:40]
    if tab == "mine":
        rows = my_queue(request.user)
    elif tab == "overdue":
        rows = overdue(request.user).order_by("applied_at")
    else:
        rows = staff_transfers(request.user).order_by("-applied_at")
        if status:
            rows = rows.filter(status=status)
    rows = _search(rows, q)
    total = rows.count()
    return render(
        request,
        "transfers/queue.html",
        {
            "tabs": TABS,
            "tab": tab,
            "status": status,
            "statuses": TransferStatus.choices,
            "q": q,
            "counts": {"mine": my_queue(request.user).count(), "overdue": overdue(request.user).count()},
            "rows": [{"t": t, "s": summary(t)} for t in rows[:PAGE]],
            "total": total,
            "page": PAGE,
        },
    )


def _approve_choices(request: HttpRequest, t: Transfer) -> list[tuple[str, str]]:
    """The destination agency first, then this province's agencies the reviewer may act for."""
    body = Agency.objects.get(code=settings.REGISTRY_AGENCY_CODE)
    mine = (
        visible_agencies(request.user, Perm.REVIEW)
        .filter(path__startswith=body.path)
        .exclude(level=Level.NATIONAL)
        .only("code", "name", "path")
        .order_by("path")
    )
    out = [(a.code, ("　" * max(0, a.depth - 1)) + a.name) for a in mine[:1000]]
    first = [c for c in out if c[0] == t.dest_agency_code]
    return first + [c for c in out if c[0] != t.dest_agency_code]


def _record(request: HttpRequest, t: Transfer) -> tuple[PersonRecord | None, bool, str]:
    """What the page shows of the person: (record to render, link to /people/<uid>/, note)."""
    person = t.person
    if person is not None and actor_has_perm(request.user, Perm.VIEW_PEOPLE, person.agency):
        return None, True, ""  # on file here (within the province, or an incoming one taken over)
    if t.direction == Direction.IN:
        try:
            return PersonRecord.model_validate(services.transfer_package(t)["record"]), False, ""
        except DomainError:
            return None, False, "调转包无法读取，请联系系统管理员"
    if person is None:
        return None, False, ""
    if t.status == TransferStatus.APPLIED:
        return None, False, "调出地确认转出后，可在此查看该人员的会计人员信息。"
    return person_record(person), False, ""


@login_required
@refusing
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    _reviewer(request)
    t = _get(request, uid)
    user = request.user
    can_origin = (
        t.status == TransferStatus.APPLIED
        and t.origin_agency is not None
        and actor_has_perm(user, Perm.REVIEW, t.origin_agency)
    )
    dest = Agency.objects.filter(code=t.dest_agency_code).first()
    can_dest = (
        t.status == TransferStatus.DEST_REVIEW
        and t.direction in (Direction.IN, Direction.INTRA)
        and dest is not None
        and actor_has_perm(user, Perm.REVIEW, dest)
    )
    can_export = (
        t.direction == Direction.OUT
        and t.package is not None
        and t.status in EXPORTABLE
        and t.origin_agency is not None
        and actor_has_perm(user, Perm.REVIEW, t.origin_agency)
    )
    record, link, note = _record(request, t)
    return render(
        request,
        "transfers/detail.html",
        {
            "t": t,
            "s": summary(t),
            "steps": transfer_steps(t),
            "documents": current_documents(t.uid),
            "record": record_context(record) if record else None,
            "person_link": link,
            "record_note": note,
            "can_origin": can_origin,
            "can_dest": can_dest,
            "can_export": can_export,
            "approve_form": ApproveForm(
                agencies=_approve_choices(request, t), initial={"agency": t.dest_agency_code}
            )
            if can_dest
            else None,
        },
    )


@refusing
def _decide(request: HttpRequest, uid: str, act: Callable[[Transfer], str], forbidden: str) -> HttpResponse:
    _reviewer(request)
    t = _get(request, uid)
    try:
        done = act(t)
    except NotVisible as exc:
        raise Refused(NOT_FOUND, 404) from exc
    except Forbidden as exc:
        raise Refused(forbidden) from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect("transfers:detail", uid=t.uid)
    messages.success(request, done)
    return redirect("transfers:detail", uid=t.uid)


@login_required
@require_POST
def confirm(request: HttpRequest, uid: str) -> HttpResponse:
    def act(t: Transfer) -> str:
        services.transfer_origin_confirm(actor=request.user, transfer=t)
        if t.direction == Direction.INTRA:
            return f"已确认转出，转{t.dest_agency_name}审核。"
        return "已确认转出，调转包将经全国平台转送调入地审核；办结前该人员信息不能修改。"

    return _decide(request, uid, act, NOT_ORIGIN)


@login_required
@require_POST
def origin_return(request: HttpRequest, uid: str) -> HttpResponse:
    def act(t: Transfer) -> str:
        services.transfer_origin_return(actor=request.user, transfer=t, reason=request.POST.get("reason", ""))
        return "已退回，申请人将收到退回原因。"

    return _decide(request, uid, act, NOT_ORIGIN)


@login_required
@require_POST
def approve(request: HttpRequest, uid: str) -> HttpResponse:
    def act(t: Transfer) -> str:
        agency = request.POST.get("agency", "")[:12]
        done = services.transfer_dest_approve(actor=request.user, transfer=t, agency_code=agency)
        if done.direction == Direction.INTRA:
            return f"已同意调入，该人员现由{done.dest_agency_name}管理。"
        return "已同意调入，待全国平台确认后该人员信息转入本省。"

    return _decide(request, uid, act, NOT_DEST)


@login_required
@require_POST
def dest_return(request: HttpRequest, uid: str) -> HttpResponse:
    def act(t: Transfer) -> str:
        services.transfer_dest_return(actor=request.user, transfer=t, reason=request.POST.get("reason", ""))
        return (
            "已退回。" if t.direction == Direction.INTRA else "已退回，待全国平台确认后通知调出地和申请人。"
        )

    return _decide(request, uid, act, NOT_DEST)


@login_required
@require_POST
@refusing
def export(request: HttpRequest, uid: str) -> HttpResponse:
    _reviewer(request)
    t = _get(request, uid)
    fmt = request.POST.get("format", "json")
    try:
        data = transfer_export(actor=request.user, transfer=t, fmt=fmt)
    except Forbidden as exc:
        raise Refused("调转包由调出地的审核人员导出。") from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect("transfers:detail", uid=t.uid)
    response = HttpResponse(data, content_type=f"{FORMATS[fmt]}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{t.app_no}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@refusing
def document(request: HttpRequest, uid: str, doc: str) -> HttpResponse:
    _reviewer(request)
    t = _get(request, uid)
    try:
        return serve_document(request, document_get(owner_uid=t.uid, uid=doc))
    except NotVisible as exc:
        raise Http404("未找到该文件") from exc
