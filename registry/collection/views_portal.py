"""The accountant's portal: register, accept the 承诺函, fill the 信息表, upload proofs, submit, follow."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from registry.accounts.selectors import actor_is_staff
from registry.core.errors import DomainError, Forbidden
from registry.core.ratelimit import allow
from registry.documents.limits import LIMITS_TEXT
from registry.documents.models import Document
from registry.documents.selectors import current_documents
from registry.documents.services import document_store
from registry.documents.views import serve_document
from registry.extensions.portal import extension_form, save_extension_form
from registry.people.models import Person, Status
from registry.people.services import person_update
from registry.people.snapshot import person_record

from . import services
from .accounts import password_reset_confirm, password_reset_request
from .forms import (
    BasicForm,
    EducationFormSet,
    RegisterForm,
    ResetConfirmForm,
    ResetRequestForm,
    StudentForm,
    WorkFormSet,
)
from .pledge import PLEDGE_TEXT, PLEDGE_TITLE, PLEDGE_VERSION
from .proofs import RETURN_FIELDS, required_proofs
from .routing import propose
from .selectors import collection_history
from .show import attach_errors, steps_for

BACKEND = "registry.collection.auth.ArchiveOrMobileBackend"


def _client_address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _person(request: HttpRequest) -> Person:
    person = Person.objects.select_related("agency").filter(user_id=request.user.pk or 0).first()
    if person is None:
        raise Http404("该账户没有会计人员信息")
    return person


def _context(request: HttpRequest, person: Person, step: str, **extra: Any) -> dict[str, Any]:
    collection = services.open_collection(person)
    return {
        "person": person,
        "collection": collection,
        "steps": steps_for(person),
        "step": step,
        "reasons": collection.return_reasons if collection and collection.status == "returned" else {},
        **extra,
    }


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "collection/landing.html")
    if actor_is_staff(request.user):
        return redirect("people:list")
    person = _person(request)
    collection = services.open_collection(person) or person.collections.order_by("-id").first()
    problems = []
    if collection is not None and collection.status in ("draft", "returned"):
        problems = services.submission_problems(person, collection)
    return render(
        request,
        "collection/home.html",
        _context(
            request,
            person,
            "home",
            collection=collection,
            problems=problems,
            history=collection_history(collection) if collection else [],
            field_labels=RETURN_FIELDS,
        ),
    )


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not allow("register", _client_address(request) or "-", limit=10, window_seconds=3600):
            form.add_error(None, "注册过于频繁，请稍后再试")
        else:
            data = form.cleaned_data
            try:
                user = services.accountant_register(
                    document_type=data["document_type"],
                    archive_no=data["archive_no"],
                    nationality=data["nationality"],
                    name=data["name"],
                    mobile=data["mobile"],
                    email=data["email"],
                    password=data["password"],
                )
            except DomainError as exc:
                attach_errors(form, exc)
            else:
                login(request, user, backend=BACKEND)
                messages.success(request, "账户已建立。请阅读并确认承诺函后开始填写信息。")
                if getattr(user, "national_check", "") == "unknown":
                    messages.warning(
                        request,
                        "暂时无法连接全国会计人员信息管理系统，未能核验该证件号码是否已在外省登记；"
                        "您可以继续填写，审核和上报时将再次核验。",
                    )
                return redirect("portal:pledge")
    return render(request, "collection/register.html", {"form": form})


def reset_request(request: HttpRequest) -> HttpResponse:
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if allow("reset", _client_address(request) or "-", limit=5, window_seconds=3600):
            password_reset_request(login=form.cleaned_data["login"])
        # The same answer whether or not the account exists, and when rate limited.
        messages.info(request, "如该账户存在并留有电子邮箱，验证码已发送，15 分钟内有效。")
        return redirect("portal:reset_confirm")
    return render(request, "collection/reset_request.html", {"form": form})


def reset_confirm(request: HttpRequest) -> HttpResponse:
    form = ResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not allow("reset-confirm", _client_address(request) or "-", limit=20, window_seconds=3600):
            form.add_error(None, "尝试次数过多，请稍后再试")
        else:
            try:
                password_reset_confirm(**form.cleaned_data)
            except DomainError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, "密码已重设，请使用新密码登录。")
                return redirect("accounts:login")
    return render(request, "collection/reset_confirm.html", {"form": form})


@login_required
def pledge(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if request.method == "POST":
        if request.POST.get("agree") != "yes":
            messages.error(request, "请勾选“本人已阅读并同意”后继续")
        else:
            try:
                services.collection_accept_pledge(actor=request.user, client_address=_client_address(request))
            except DomainError as exc:
                messages.error(request, exc.errors[0].message)
                return redirect("portal:home")
            return redirect("portal:basic")
    return render(
        request,
        "collection/pledge.html",
        _context(request, person, "pledge", title=PLEDGE_TITLE, text=PLEDGE_TEXT, version=PLEDGE_VERSION),
    )


def _guard(request: HttpRequest, person: Person) -> HttpResponse | None:
    """Steps are editable only in a draft with an accepted 承诺函."""
    if person.pledge_version != PLEDGE_VERSION:
        return redirect("portal:pledge")
    if person.status != Status.DRAFT:
        messages.info(request, "您的信息已提交或已采集，当前不能修改。如需变更，请在采集完成后申请信息变更。")
        return redirect("portal:home")
    return None


def _save(request: HttpRequest, person: Person, changes: dict[str, Any], form: Any, version: int) -> bool:
    try:
        person_update(actor=request.user, person=person, changes=changes, expected_version=version)
    except DomainError as exc:
        attach_errors(form, exc)
        return False
    except Forbidden:
        messages.error(request, "当前不能修改信息")
        return False
    return True


@login_required
def basic(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if (stop := _guard(request, person)) is not None:
        return stop
    initial = {
        "category": person.category,
        "ethnicity": person.ethnicity,
        "political_status": person.political_status,
        "email": person.email,
        "address": person.address,
        "residence_region": person.residence_region,
        "version": person.version,
    }
    form = BasicForm(request.POST or None, initial=initial)
    ext_form = extension_form(person, request.POST or None)
    if request.method == "POST" and form.is_valid() and ext_form.is_valid():
        data = form.cleaned_data
        identity = {
            k: data[k] or None
            for k in ("ethnicity", "political_status", "email", "address", "residence_region")
        }
        if _save(
            request,
            person,
            {"identity": identity, "collection": {"category": data["category"]}},
            form,
            data["version"],
        ) and save_extension_form(request.user, person, ext_form):
            return redirect("portal:education")
    return render(
        request,
        "collection/step_basic.html",
        _context(request, person, "basic", form=form, ext_form=ext_form),
    )


def _rows(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for f in formset.forms:
        if (not f.has_changed() and not f.cleaned_data) or f.cleaned_data.get("DELETE"):
            continue
        rows.append({k: (v if v != "" else None) for k, v in f.cleaned_data.items() if k != "DELETE"})
    return rows


@login_required
def education(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if (stop := _guard(request, person)) is not None:
        return stop
    initial = [e.model_dump() for e in person_record(person).education]
    formset = EducationFormSet(request.POST or None, initial=initial, prefix="edu")
    version = int(request.POST.get("version", person.version)) if request.method == "POST" else person.version
    if (
        request.method == "POST"
        and formset.is_valid()
        and _save(request, person, {"education": _rows(formset)}, formset, version)
    ):
        return redirect("portal:work")
    return render(
        request,
        "collection/step_education.html",
        _context(request, person, "education", formset=formset, version=person.version),
    )


@login_required
def work(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if (stop := _guard(request, person)) is not None:
        return stop
    record = person_record(person)
    version = int(request.POST.get("version", person.version)) if request.method == "POST" else person.version
    if person.category == "2":
        initial = record.student.model_dump() if record.student else {}
        form: Any = StudentForm(request.POST or None, initial=initial)
        if (
            request.method == "POST"
            and form.is_valid()
            and _save(request, person, {"student": form.cleaned_data, "work": []}, form, version)
        ):
            return redirect("portal:proofs")
    elif person.category == "1":
        initial_rows = [w.model_dump() for w in record.work]
        form = WorkFormSet(request.POST or None, initial=initial_rows, prefix="work")
        if (
            request.method == "POST"
            and form.is_valid()
            and _save(request, person, {"work": _rows(form), "student": None}, form, version)
        ):
            return redirect("portal:proofs")
    else:
        return redirect("portal:proofs")  # 其他人员: the residence was given on the first step
    return render(
        request,
        "collection/step_work.html",
        _context(request, person, "work", form=form, version=person.version),
    )


@login_required
def proofs(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if (stop := _guard(request, person)) is not None:
        return stop
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        allowed = dict(required_proofs(person.category))
        files = request.FILES.getlist("files")
        if kind not in allowed:
            messages.error(request, "请选择要上传的证明材料类别")
        elif not files:
            messages.error(request, f"请选择{allowed[kind]}的文件")
        else:
            try:
                document_store(actor=request.user, owner_uid=person.uid, kind=kind, files=files)
            except DomainError as exc:
                for e in exc.errors:
                    messages.error(request, f"{allowed[kind]}：{e.message}")
            else:
                messages.success(request, f"{allowed[kind]}已上传")
        return redirect("portal:proofs")
    on_file = current_documents(person.uid)
    rows = [(kind, label, on_file.get(kind)) for kind, label in required_proofs(person.category)]
    return render(
        request,
        "collection/step_proofs.html",
        _context(request, person, "proofs", rows=rows, limits=LIMITS_TEXT),
    )


@login_required
def agency(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if (stop := _guard(request, person)) is not None:
        return stop
    proposal = propose(person)
    if request.method == "POST":
        try:
            services.collection_choose_agency(actor=request.user, agency_code=request.POST.get("agency", ""))
        except DomainError as exc:
            messages.error(request, exc.errors[0].message)
        else:
            return redirect("portal:submit")
    collection = services.open_collection(person)
    chosen = collection.agency if collection and collection.agency in proposal.choices else proposal.agency
    return render(
        request,
        "collection/step_agency.html",
        _context(request, person, "agency", proposal=proposal, chosen=chosen),
    )


@login_required
def submit(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if (stop := _guard(request, person)) is not None:
        return stop
    collection = services.open_collection(person)
    if request.method == "POST":
        try:
            services.collection_submit(actor=request.user)
        except DomainError as exc:
            for e in exc.errors:
                messages.error(request, e.message)
        else:
            messages.success(request, "已提交，请等待审核。审核结果将在本页显示。")
            return redirect("portal:home")
    problems = services.submission_problems(person, collection) if collection else []
    return render(
        request,
        "collection/step_submit.html",
        _context(request, person, "submit", problems=problems, record=person_record(person)),
    )


@login_required
def own_document(request: HttpRequest, uid: str) -> HttpResponse:
    person = _person(request)
    document = Document.objects.filter(uid=uid, owner_uid=person.uid).first()
    if document is None:
        raise Http404("未找到该文件")
    return serve_document(request, document)
