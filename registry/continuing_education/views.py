"""继续教育 pages: the person's own (years, self-report, proofs) and the agencies' (entry, batch,
review, compliance, settings). Views parse, call one service or selector, and render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff, visible_agencies
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.documents.selectors import document_get
from registry.documents.views import serve_document
from registry.orgs.models import Agency
from registry.people.selectors import person_get

from . import config, selectors, services
from .config import rules_for
from .forms import EntryForm, ReturnForm, SelfReportForm
from .models import Entry, EntryStatus
from .rules import YearCompliance, compliance, required_in
from .show import labels


def _staff(request: HttpRequest, perm: Perm = Perm.VIEW_PEOPLE) -> None:
    if not actor_is_staff(request.user) or not visible_agencies(request.user, perm).exists():
        raise PermissionDenied


def _serve_proof(request: HttpRequest, entry: Entry) -> HttpResponse:
    if entry.proof_uid is None:
        raise Http404("没有证明材料")
    try:
        document = document_get(owner_uid=entry.person.uid, uid=entry.proof_uid)
    except NotVisible as exc:
        raise Http404("未找到该文件") from exc
    return serve_document(request, document)


# -- the person -------------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person(request.user)
    if person is None:
        return render(request, "continuing_education/mine_empty.html")
    context = {"person": person, "years": selectors.person_years(person), "is_own": True, **labels()}
    return render(request, "continuing_education/mine.html", context)


@login_required
def report(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person(request.user)
    if person is None:
        return render(request, "continuing_education/mine_empty.html")
    form = SelfReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ce_self_report(
                actor=request.user,
                data=form.cleaned_data,
                proof_files=form.cleaned_data.get("proof") or [],
            )
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            messages.success(request, "已提交，审核通过后计入学分。")
            return redirect("continuing_education:mine")
    rules = rules_for(person.agency)
    return render(request, "continuing_education/report.html", {"form": form, "rules": rules, **labels()})


@login_required
def own_document(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        entry = selectors.own_entry(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该记录") from exc
    return _serve_proof(request, entry)


# -- agency entry -------------------------------------------------------------------------------


@login_required
def register(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request, Perm.EDIT_PEOPLE)
    try:
        person = person_get(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该人员") from exc
    if not actor_has_perm(request.user, Perm.EDIT_PEOPLE, person.agency):
        raise PermissionDenied
    form = EntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.ce_register(actor=request.user, person=person, data=form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_domain_errors(exc)
        else:
            messages.success(request, f"已为 {person.name} 登记 {entry.year} 年度 {entry.credits} 学分。")
            return redirect("people:detail", uid=person.uid)
    return render(
        request,
        "continuing_education/register.html",
        {"form": form, "person": person, "rules": rules_for(person.agency), **labels()},
    )


# -- review of self-reports -----------------------------------------------------------------------

QUEUE_PAGE = 100


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    _staff(request, Perm.REVIEW)
    queue = selectors.review_queue(request.user)
    context = {"rows": list(queue[:QUEUE_PAGE]), "total": queue.count(), "page_size": QUEUE_PAGE, **labels()}
    return render(request, "continuing_education/review_list.html", context)


def _entry(request: HttpRequest, uid: str) -> Entry:
    try:
        return selectors.entry_for_review(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该申报") from exc


def _year_of(entry: Entry) -> YearCompliance:
    qualified, periods = selectors.start_facts(entry.person)
    approved = Entry.objects.filter(person=entry.person, year=entry.year, status=EntryStatus.APPROVED)
    return compliance(
        entry.year,
        approved.values_list("subject", "credits"),
        required=required_in(entry.year, qualified_on=qualified, accounting_periods=periods),
    )


@login_required
def review_detail(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request, Perm.REVIEW)
    entry = _entry(request, uid)
    context = {
        "entry": entry,
        "person": entry.person,
        "year": _year_of(entry),
        "history": Decision.objects.filter(
            object_type="continuing_education.entry", object_id=str(entry.uid)
        ),
        "can_decide": entry.status == EntryStatus.PENDING
        and actor_has_perm(request.user, Perm.REVIEW, entry.person.agency)
        and entry.person.user_id != request.user.pk,
        "return_form": ReturnForm(),
        **labels(),
    }
    return render(request, "continuing_education/review_detail.html", context)


def _decide(request: HttpRequest, uid: str, act: Callable[[], Any], done: str) -> HttpResponse:
    _staff(request, Perm.REVIEW)
    try:
        act()
    except NotVisible as exc:
        raise Http404("未找到该申报") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect("continuing_education:review_detail", uid=uid)
    messages.success(request, done)
    return redirect("continuing_education:review_list")


@login_required
@require_POST
def approve(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> None:
        services.ce_approve(actor=request.user, uid=uid, note=request.POST.get("note", ""))

    return _decide(request, uid, act, "已审核通过，学分已计入。")


@login_required
@require_POST
def return_(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> None:
        services.ce_return(actor=request.user, uid=uid, reason=request.POST.get("reason", ""))

    return _decide(request, uid, act, "已退回，申报人将看到退回原因。")


@login_required
def review_document(request: HttpRequest, uid: str) -> HttpResponse:
    _staff(request, Perm.VIEW_PEOPLE)
    return _serve_proof(request, _entry(request, uid))


# -- compliance ---------------------------------------------------------------------------------


@login_required
def compliance_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    this_year = config.today().year
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 1990 <= int(raw_year) <= this_year else this_year - 1
    code = request.GET.get("agency", "")
    agencies = visible_agencies(request.user).exclude(level="national").order_by("path")
    agency = agencies.filter(code=code).first() if code else None
    after = request.GET.get("after", "")
    context = {
        "year": year,
        "years": list(range(this_year, this_year - 6, -1)),
        "agency": agency,
        "agencies": [(a.code, ("　" * max(0, a.depth - 1)) + a.name) for a in agencies[:500]],
        "counts": selectors.compliance_counts(request.user, year, agency),
        "page": selectors.unmet_page(
            request.user, year, agency, after=int(after) if after.isdigit() else None
        ),
        "querystring": request.GET.copy(),
    }
    return render(request, "continuing_education/compliance.html", context)


def body_choices(request: HttpRequest) -> list[Agency]:
    """Provincial bodies whose settings the actor may change."""
    bodies = visible_agencies(request.user, Perm.MANAGE_USERS).filter(level="provincial").order_by("code")
    return [b for b in bodies[:100] if actor_has_perm(request.user, Perm.MANAGE_USERS, b)]
