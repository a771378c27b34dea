"""The applicant's pages: apply (within the province or to another one), follow, withdraw."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.documents.limits import LIMITS_TEXT
from registry.documents.selectors import current_documents, document_get
from registry.documents.views import serve_document
from registry.people.models import Person, Status
from registry.people.selectors import own_person

from . import services
from .forms import ApplyForm
from .models import Reason, Transfer
from .selectors import my_transfers
from .views_common import summary, transfer_steps

NOT_APPLICABLE = {
    Status.DRAFT: "您的信息采集尚未完成，完成信息采集后才能申请调转。",
    Status.PENDING: "您的信息采集正在审核中，审核通过后才能申请调转。",
    Status.TRANSFERRED_OUT: "您的会计人员信息已调出本省，请登录调入地的会计人员管理系统办理业务。",
    Status.CANCELLED: "您的会计人员信息已注销，不能申请调转。",
}


def _person(request: HttpRequest) -> Person:
    person = own_person(request.user)
    if person is None:
        raise Http404("该账户没有会计人员信息")
    return person


def _own(request: HttpRequest, uid: str) -> Transfer:
    found = my_transfers(request.user).filter(uid=uid).first()
    if found is None:
        raise Http404("未找到该调转申请")
    return found


def _item(t: Transfer) -> dict[str, object]:
    return {"t": t, "s": summary(t), "steps": transfer_steps(t)}


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    rows = list(my_transfers(request.user).order_by("-applied_at")[:50])
    current = next((t for t in rows if t.is_open), None)
    form = None
    if current is None and person.status == Status.COLLECTED:
        if request.method == "POST":
            form = ApplyForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    t = services.transfer_apply(
                        actor=request.user,
                        dest_body_code=data["dest_body_code"],
                        dest_agency_code=data["dest_agency_code"],
                        reason=data["reason"],
                        proofs=data["proofs"],
                    )
                except Forbidden as exc:
                    raise PermissionDenied from exc
                except DomainError as exc:
                    form.add_domain_errors(exc)
                else:
                    holder, due = services.holder_and_due(t)
                    deadline = f"，办理期限 {timezone.localtime(due):%Y-%m-%d}" if due else ""
                    messages.success(
                        request, f"调转申请已提交（申请编号 {t.app_no}），由{holder}办理{deadline}。"
                    )
                    return redirect("transfers:mine")
        else:
            form = ApplyForm(initial={"dest_body_code": settings.REGISTRY_AGENCY_CODE})
    elif request.method == "POST":
        messages.error(request, "已有办理中的调转申请，办结或撤回后才能再次申请。")
        return redirect("transfers:mine")
    past = [t for t in rows if t is not current]
    return render(
        request,
        "transfers/mine.html",
        {
            "person": person,
            "current": _item(current) if current else None,
            "documents": current_documents(current.uid) if current else {},
            "past": [_item(t) for t in past],
            "last_returned": past[0] if past and summary(past[0])["returned"] else None,
            "form": form,
            "not_applicable": NOT_APPLICABLE.get(Status(person.status), ""),
            "limits": LIMITS_TEXT,
            "proof_labels": {r.value: services.PROOF_LABEL[r] for r in Reason},
        },
    )


@login_required
@require_GET
def agencies(request: HttpRequest) -> HttpResponse:
    """htmx: the 调入管理机构 select for the chosen provincial body."""
    form = ApplyForm(initial={"dest_body_code": request.GET.get("dest_body_code", "")[:12]})
    return render(request, "transfers/_agency_field.html", {"form": form})


@login_required
@require_POST
def withdraw(request: HttpRequest, uid: str) -> HttpResponse:
    _person(request)
    t = _own(request, uid)
    try:
        services.transfer_withdraw(actor=request.user, transfer=t)
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    else:
        messages.success(request, f"已撤回调转申请 {t.app_no}。")
    return redirect("transfers:mine")


@login_required
def document(request: HttpRequest, uid: str, doc: str) -> HttpResponse:
    t = _own(request, uid)
    try:
        return serve_document(request, document_get(owner_uid=t.uid, uid=doc))
    except NotVisible as exc:
        raise Http404("未找到该文件") from exc
