"""Pages: staff entry, the review of self-reports, the person's own page, and the proof."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff, visible_agencies
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.documents.limits import ACCEPT, LIMITS_TEXT
from registry.documents.selectors import document_get
from registry.documents.views import serve_document
from registry.people.models import Person
from registry.people.selectors import own_person, person_get

from .forms import QualificationForm, ReturnForm, attach_errors
from .selectors import highest_level_label, pending_reviews, qualification_visible, qualifications_of
from .services import qualification_add, qualification_approve, qualification_return
from .tab import code_labels

REVIEW_PAGE = 100


def _staff_person(request: HttpRequest, uid: str) -> Person:
    if not actor_is_staff(request.user):
        raise PermissionDenied
    try:
        return person_get(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该人员") from exc


@login_required
def add(request: HttpRequest, person_uid: str) -> HttpResponse:
    person = _staff_person(request, person_uid)
    if not actor_has_perm(request.user, Perm.EDIT_PEOPLE, person.agency):
        raise PermissionDenied
    form = QualificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            qualification_add(actor=request.user, person=person, data=form.cleaned_data)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except NotVisible as exc:
            raise Http404("未找到该人员") from exc
        except DomainError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, "已登记专业技术资格。")
            return redirect(reverse("people:detail", args=[person.uid]) + "#tab-qualifications")
    return render(request, "qualifications/add.html", {"form": form, "person": person})


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    if not visible_agencies(request.user, Perm.REVIEW).exists():
        raise PermissionDenied
    pending = pending_reviews(request.user)
    return render(
        request,
        "qualifications/review.html",
        {
            "rows": list(pending[:REVIEW_PAGE]),
            "total": pending.count(),
            "page_size": REVIEW_PAGE,
            "labels": code_labels(),
            "next": request.get_full_path(),
            "can_batch": visible_agencies(request.user, Perm.EDIT_PEOPLE).exists(),
        },
    )


def _decide(request: HttpRequest, act: Callable[[], str]) -> HttpResponse:
    if not actor_is_staff(request.user):
        raise PermissionDenied
    try:
        messages.success(request, act())
    except NotVisible as exc:
        raise Http404("未找到该申报") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("qualifications:review")


@login_required
@require_POST
def approve(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> str:
        row = qualification_approve(actor=request.user, uid=uid, note=request.POST.get("note", ""))
        return f"已确认 {row.person.name} 的{row.title}资格。"

    return _decide(request, act)


@login_required
@require_POST
def return_(request: HttpRequest, uid: str) -> HttpResponse:
    form = ReturnForm(request.POST)

    def act() -> str:
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        row = qualification_return(actor=request.user, uid=uid, reason=reason)
        return f"已退回 {row.person.name} 的申报。"

    return _decide(request, act)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person = own_person(request.user)
    if person is None:
        raise Http404("该账户没有会计人员信息")
    form = QualificationForm(request.POST or None)
    proof_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            qualification_add(
                actor=request.user,
                person=person,
                data=form.cleaned_data,
                proof_files=request.FILES.getlist("proof"),
            )
        except DomainError as exc:
            proof_errors = [e.message for e in exc.errors if e.field == "proof"]
            rest = [e for e in exc.errors if e.field != "proof"]
            if rest:
                attach_errors(form, DomainError(rest))
        else:
            messages.success(request, "已提交申报，请等待所属会计管理机构审核。")
            return redirect("qualifications:mine")
    return render(
        request,
        "qualifications/mine.html",
        {
            "person": person,
            "rows": list(qualifications_of(request.user, person)),
            "highest": highest_level_label(person),
            "labels": code_labels(),
            "form": form,
            "proof_errors": proof_errors,
            "accept": ACCEPT,
            "limits": LIMITS_TEXT,
            "can_report": person.status == "collected",
        },
    )


@login_required
def proof(request: HttpRequest, uid: str) -> HttpResponse:
    try:
        row = qualification_visible(request.user, uid)
        if row.proof_uid is None:
            raise NotVisible(str(uid))
        document = document_get(owner_uid=row.person.uid, uid=row.proof_uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该证明材料") from exc
    return serve_document(request, document)
