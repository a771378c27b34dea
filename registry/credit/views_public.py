"""The person's own credit page (see, object, withdraw) and the public credit query (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from registry.core.errors import DomainError, NotVisible
from registry.core.ratelimit import allow
from registry.documents.selectors import document_get
from registry.documents.views import serve_document
from registry.people.models import Person
from registry.people.selectors import own_person

from . import clock, services
from .forms import ObjectionForm, QueryForm
from .models import IN_FORCE, ObjectionStatus
from .public import NO_ANSWER, public_query
from .selectors import bar_status, document_ids, is_blacklisted, penalties, records_of

QUERY_LIMIT = 20  # per client address and hour
QUERY_WINDOW = 3600


def _own(request: HttpRequest) -> Person:
    person = own_person(request.user)
    if person is None:
        raise Http404("该账户没有会计人员信息")
    return person


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person = _own(request)
    today = clock.today()
    records = records_of(request.user, person)
    return render(
        request,
        "credit/mine.html",
        {
            "person": person,
            "records": records,
            "objectable": {
                r.pk
                for r in records
                if r.status in IN_FORCE
                and not any(o.status == ObjectionStatus.OPEN for o in r.objections.all())
            },
            "bar": bar_status(person, today),
            "blacklisted": is_blacklisted(person, today),
            "penalties": penalties(),
            "form": ObjectionForm(),
            "today": today,
        },
    )


@login_required
@require_POST
def object_(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        services.objection_file(
            actor=request.user,
            record=uid,
            reason=request.POST.get("reason", ""),
            evidence_files=request.FILES.getlist("evidence"),
        )
    except NotVisible as exc:
        raise Http404("未找到该信用信息") from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    else:
        messages.success(request, "异议已提交，录入机构将在 10 个工作日内处理，结果会显示在本页。")
    return redirect("credit:mine")


@login_required
@require_POST
def withdraw(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        services.objection_withdraw(actor=request.user, objection=uid)
    except NotVisible as exc:
        raise Http404("未找到该异议") from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    else:
        messages.success(request, "已撤回异议。")
    return redirect("credit:mine")


@login_required
def my_document(request: HttpRequest, doc: str) -> HttpResponse:
    person = _own(request)
    if str(doc) not in document_ids(records_of(request.user, person)):
        raise Http404("未找到该文件")
    try:
        return serve_document(request, document_get(owner_uid=person.uid, uid=doc))
    except NotVisible as exc:
        raise Http404("未找到该文件") from exc


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


@never_cache
@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    """Name plus archive number; the answer shows only what DOMAIN.md §6 allows. The form is
    never echoed back, so no full number is ever on the page."""
    context: dict[str, object] = {"form": QueryForm(), "no_answer": NO_ANSWER}
    if request.method != "POST":
        return render(request, "credit/query.html", context)
    if not allow("credit-query", _client(request), QUERY_LIMIT, QUERY_WINDOW):
        context["limited"] = True
        return render(request, "credit/query.html", context, status=429)
    form = QueryForm(request.POST)
    if not form.is_valid():
        context["form"] = QueryForm(initial={"name": request.POST.get("name", "")[:50]})
        context["form_errors"] = True
        return render(request, "credit/query.html", context)
    context["asked"] = True
    context["answer"] = public_query(
        form.cleaned_data["name"], form.cleaned_data["archive_no"], clock.today()
    )
    return render(request, "credit/query.html", context)
