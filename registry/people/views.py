"""Back-office pages for people: list with filters, detail with tabs, audited reveal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff, visible_agencies
from registry.audit.models import AuditEvent
from registry.core.errors import Forbidden, NotVisible
from registry.orgs.models import Agency
from registry.standard.codes import divisions, load_table

from . import selectors
from .forms import PeopleFilterForm
from .hooks import FILTERS, tabs
from .selectors import PeopleFilter, own_person, people_page, person_get
from .services import person_reveal_archive_no
from .snapshot import person_record

ARCHIVE_CHARS = set("0123456789Xx")


def _staff_only(request: HttpRequest) -> None:
    if not actor_is_staff(request.user):
        raise PermissionDenied


def _agency_choices(request: HttpRequest) -> list[tuple[str, str]]:
    agencies = visible_agencies(request.user).exclude(level="national").only("code", "name", "path")
    return [(a.code, ("　" * max(0, a.depth - 1)) + a.name) for a in agencies.order_by("path")[:500]]


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = PeopleFilterForm(request.GET or None, agencies=_agency_choices(request))
    f = PeopleFilter()
    if form.is_valid():
        data = form.cleaned_data
        q = data["q"].strip()
        f = PeopleFilter(
            agency=Agency.objects.filter(code=data["agency"]).first() if data["agency"] else None,
            status=data["status"],
            sex=data["sex"],
            education=data["education"],
            age_band=data["age_band"],
            name="" if q and set(q) <= ARCHIVE_CHARS | set(" ") and len(q) >= 15 else q,
            archive_no=q if q and set(q) <= ARCHIVE_CHARS | set(" ") and len(q) >= 15 else "",
            extra={key: data.get(key) or "" for key in FILTERS},
        )
    after = request.GET.get("after", "")
    page = people_page(request.user, f, after=int(after) if after.isdigit() else None)
    context = {
        "form": form,
        "page": page,
        "education_labels": dict(load_table("education").choices()),
        "querystring": request.GET.copy(),
        "count_cap": selectors.COUNT_CAP,
    }
    template = (
        "people/_rows.html"
        if getattr(request, "htmx", False) and request.GET.get("partial")
        else "people/list.html"
    )
    return render(request, template, context)


def _get_or_404(request: HttpRequest, uid: str):  # type: ignore[no-untyped-def]
    try:
        return person_get(request.user, uid)
    except (NotVisible, ValueError) as exc:
        raise Http404("未找到该人员") from exc


@login_required
def person_detail(request: HttpRequest, uid: str) -> HttpResponse:
    _staff_only(request)
    person = _get_or_404(request, uid)
    return render(request, "people/detail.html", _detail_context(request, person))


LABEL_TABLES = (
    "sex",
    "ethnicity",
    "political_status",
    "education",
    "degree",
    "training_mode",
    "industry",
    "unit_nature",
    "accounting_post",
    "person_category",
    "document_type",
    "country",
)


def label_tables() -> dict[str, dict[str, str]]:
    """Code → name for every table the record pages show (retired codes still readable)."""
    return {name: dict(load_table(name).choices(include_retired=True)) for name in LABEL_TABLES}


def _detail_context(request: HttpRequest, person) -> dict[str, object]:  # type: ignore[no-untyped-def]
    tables = label_tables()
    history = AuditEvent.objects.filter(object_type="person", object_id=str(person.uid)).order_by("-seq")[
        :100
    ]
    return {
        "person": person,
        "record": person_record(person),
        "t": tables,
        "division": divisions(),
        "history": history,
        "can_reveal": actor_has_perm(request.user, Perm.VIEW_FULL_ID, person.agency),
        "module_tabs": [
            {
                "key": tab.key,
                "label": tab.label,
                "html": render_to_string(tab.template, tab.context(request, person), request=request),
            }
            for tab in tabs()
        ],
    }


@login_required
@require_POST
def person_reveal(request: HttpRequest, uid: str) -> HttpResponse:
    _staff_only(request)
    person = _get_or_404(request, uid)
    try:
        number = person_reveal_archive_no(actor=request.user, person=person)
    except Forbidden as exc:
        raise PermissionDenied from exc
    return render(request, "people/_revealed.html", {"number": number})


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    person = own_person(request.user)
    if person is None:
        return render(request, "people/mine_empty.html")
    return render(request, "people/mine.html", _detail_context(request, person) | {"history": []})
