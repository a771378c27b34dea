"""The agency's side: the review queue, the review page, decisions, and walk-in entry."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, visible_agencies
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.documents.models import Document
from registry.documents.selectors import current_documents
from registry.documents.views import serve_document
from registry.orgs.models import Agency
from registry.people.snapshot import person_record
from registry.people.views import label_tables
from registry.standard.codes import divisions, load_table

from . import services
from .forms import EducationForm, ReassignForm, ReturnForm, StudentForm, WalkInForm, WorkForm
from .proofs import RETURN_FIELDS, required_proofs
from .selectors import QueueFilter, collection_for_review, collection_history, review_queue
from .show import attach_errors

QUEUE_PAGE = 100


def _reviewer(request: HttpRequest) -> None:
    if not visible_agencies(request.user, Perm.REVIEW).exists():
        raise PermissionDenied


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _reviewer(request)
    code = request.GET.get("agency", "")
    f = QueueFilter(
        agency=Agency.objects.filter(code=code).first() if code else None,
        overdue_only=request.GET.get("overdue") == "1",
        category=request.GET.get("category", "")
        if request.GET.get("category", "") in {"1", "2", "3"}
        else "",
    )
    qs = review_queue(request.user, f)
    all_pending = review_queue(request.user, QueueFilter(agency=f.agency, category=f.category))
    today = date.today()
    pending = all_pending.count()
    overdue = all_pending.filter(deadline__lt=today).count()
    agencies = visible_agencies(request.user, Perm.REVIEW).exclude(level="national").order_by("path")
    return render(
        request,
        "collection/queue.html",
        {
            "rows": list(qs[:QUEUE_PAGE]),
            "total": overdue if f.overdue_only else pending,
            "pending": pending,
            "overdue": overdue,
            "today": today,
            "filter": f,
            "agencies": [(a.code, a.name) for a in agencies[:500]],
            "categories": load_table("person_category").choices(),
            "page_size": QUEUE_PAGE,
        },
    )


def _get(request: HttpRequest, uid: str):  # type: ignore[no-untyped-def]
    try:
        return collection_for_review(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该采集申请") from exc


@login_required
def review(request: HttpRequest, uid: str) -> HttpResponse:
    _reviewer(request)
    collection = _get(request, uid)
    return _render_review(request, collection, ReturnForm(), ReassignForm())


def _render_review(request: HttpRequest, collection, return_form, reassign_form) -> HttpResponse:  # type: ignore[no-untyped-def]
    person = collection.person
    on_file = current_documents(person.uid)
    proofs = [(kind, label, on_file.get(kind)) for kind, label in required_proofs(person.category)]
    tables = label_tables()
    return render(
        request,
        "collection/review.html",
        {
            "collection": collection,
            "person": person,
            "record": person_record(person),
            "t": tables,
            "division": divisions(),
            "proofs": proofs,
            "history": collection_history(collection),
            "return_form": return_form,
            "reassign_form": reassign_form,
            "can_decide": collection.status == "submitted"
            and actor_has_perm(request.user, Perm.REVIEW, collection.agency),
            "field_labels": RETURN_FIELDS,
            "today": date.today(),
        },
    )


def _decide(request: HttpRequest, uid: str, action) -> HttpResponse:  # type: ignore[no-untyped-def]
    _reviewer(request)
    try:
        action()
    except NotVisible as exc:
        raise Http404("未找到该采集申请") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect("review:detail", uid=uid)
    return redirect("review:queue")


@login_required
@require_POST
def approve(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> None:
        services.collection_approve(actor=request.user, uid=uid, note=request.POST.get("note", ""))
        messages.success(request, "已审核通过，该人员信息已采集。")

    return _decide(request, uid, act)


@login_required
@require_POST
def return_(request: HttpRequest, uid: str) -> HttpResponse:
    form = ReturnForm(request.POST)

    def act() -> None:
        reasons = form.reasons() if form.is_valid() else {}
        services.collection_return(actor=request.user, uid=uid, reasons=reasons)
        messages.success(request, "已退回，申请人将看到每一项退回原因。")

    return _decide(request, uid, act)


@login_required
@require_POST
def reassign(request: HttpRequest, uid: str) -> HttpResponse:
    def act() -> None:
        collection = services.collection_reassign(
            actor=request.user,
            uid=uid,
            agency_code=request.POST.get("agency", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, f"已转至{collection.agency.name}审核。")

    return _decide(request, uid, act)


@login_required
def document(request: HttpRequest, uid: str, doc: str) -> HttpResponse:
    _reviewer(request)
    collection = _get(request, uid)
    found = Document.objects.filter(uid=doc, owner_uid=collection.person.uid).first()
    if found is None:
        raise Http404("未找到该文件")
    return serve_document(request, found)


@login_required
def walk_in(request: HttpRequest) -> HttpResponse:
    agencies = (
        visible_agencies(request.user, Perm.EDIT_PEOPLE).filter(level__in=["city", "county"]).order_by("path")
    )
    if not agencies.exists():
        raise PermissionDenied
    choices = [(a.code, a.name) for a in agencies[:500]]
    post = request.POST or None
    form = WalkInForm(post, agencies=choices)
    edu = EducationForm(post, prefix="edu")
    work = WorkForm(post, prefix="work")
    student = StudentForm(post, prefix="stu")
    if request.method == "POST" and form.is_valid() and edu.is_valid():
        data = form.cleaned_data
        category = data["category"]
        part = work if category == "1" else student if category == "2" else None
        if part is None or part.is_valid():
            clean = lambda d: {k: (v if v != "" else None) for k, v in d.items()}  # noqa: E731
            try:
                person = services.collection_walk_in(
                    actor=request.user,
                    agency_code=data["agency"],
                    identity={
                        "document_type": data["document_type"],
                        "archive_no": data["archive_no"],
                        "nationality": data["nationality"] or None,
                        "name": data["name"],
                        "mobile": data["mobile"] or None,
                        "ethnicity": data["ethnicity"] or None,
                        "residence_region": data["residence_region"] or None,
                    },
                    category=category,
                    education=[clean(edu.cleaned_data)],
                    work=[clean(work.cleaned_data)] if category == "1" else [],
                    student=clean(student.cleaned_data) if category == "2" else None,
                )
            except Forbidden as exc:
                raise PermissionDenied from exc
            except DomainError as exc:
                for target, prefix in ((edu, "education.0."), (work, "work.0."), (student, "student.")):
                    mine = [e for e in exc.errors if e.field.startswith(prefix)]
                    if mine:
                        attach_errors(target, DomainError(mine))
                rest = [e for e in exc.errors if not e.field.startswith(("education.", "work.", "student."))]
                if rest:
                    attach_errors(form, DomainError(rest))
            else:
                messages.success(request, f"已采集 {person.name} 的信息。")
                return redirect("people:detail", uid=person.uid)
    category = request.POST.get("category", "")
    # Only the part that applies to the chosen category shows its errors.
    if category != "1":
        work = WorkForm(prefix="work")
    if category != "2":
        student = StudentForm(prefix="stu")
    return render(
        request, "collection/walk_in.html", {"form": form, "edu": edu, "work": work, "student": student}
    )
