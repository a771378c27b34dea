"""Forms of the 调转 pages. They gather input and stop obvious mistakes early; the services are the
authority and their errors are put back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from registry.core.errors import DomainError
from registry.documents.forms import ProofFilesField
from registry.documents.models import Kind
from registry.orgs.bodies import MUNICIPALITIES, SEPARATE_PLAN_CITIES, SPECIAL_BODIES
from registry.orgs.models import Agency, Level
from registry.standard.codes import divisions

from .models import Reason
from .services import PROOF_LABEL

Choices = list[tuple[str, Any]]
# Where a service error's field is not a field of the apply form, it belongs on this one.
APPLY_FIELDS = {"dest_body_code", "dest_agency_code", "reason", "proofs"}


def body_choices() -> Choices:
    """The 40 provincial bodies: this node's own first (省内调转), the others after it (跨省调转)."""
    own = settings.REGISTRY_AGENCY_CODE
    bodies = list(Agency.objects.filter(level=Level.PROVINCIAL).only("code", "name"))
    bodies.sort(key=lambda a: (a.code != own, a.code.startswith("Z"), a.code))
    here = [(a.code, f"{a.name}（省内调转）") for a in bodies if a.code == own]
    other = [(a.code, a.name) for a in bodies if a.code != own]
    return [("", "请选择调入的省级会计管理机构"), ("省内调转", here), ("跨省调转", other)]


def _local_agencies(body: Agency) -> Choices:
    """This province's city and county agencies, grouped by city (counties directly under the body,
    such as a municipality's districts, in a group of their own)."""
    groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
    rows = (
        Agency.objects.filter(
            path__startswith=body.path, level__in=[Level.CITY, Level.COUNTY], is_active=True
        )
        .only("code", "name", "short_name", "level", "path")
        .order_by("path")
    )
    for a in rows:
        if a.level == Level.CITY:
            groups[a.code] = (a.short_name or a.name, [(a.code, a.name)])
        else:
            parent = a.path.rstrip("/").split("/")[-2]
            groups.setdefault(parent, (f"{body.short_name}（区县）", []))[1].append((a.code, a.name))
    return [(label, items) for label, items in groups.values()]


def _division_agencies(body: Agency) -> Choices:
    """Another province's city and county finance bureaus, from the division table (this node keeps
    no tree of other provinces): value = the division code, as the hub and the destination use it."""
    table = divisions()
    if body.code in SPECIAL_BODIES or not table.is_known(body.code):
        return [(body.code, body.name)]  # a body without divisions manages its people itself
    groups: Choices = []
    direct: list[tuple[str, str]] = []
    for child in table.children(body.code):
        if child.code in SEPARATE_PLAN_CITIES and body.code not in SEPARATE_PLAN_CITIES:
            continue  # a 计划单列市 is a provincial body of its own
        if child.level == "county":
            name = f"{body.short_name}{child.name}" if body.code in MUNICIPALITIES else child.name
            direct.append((child.code, f"{name}财政局"))
            continue
        items = [(child.code, f"{child.name}财政局")]
        items += [(c.code, f"{child.name}{c.name}财政局") for c in table.children(child.code)]
        groups.append((child.name, items))
    if direct:
        groups.insert(0, (f"{body.short_name}（区县）", direct))
    return groups


def agency_choices(body_code: str) -> Choices:
    body = Agency.objects.filter(code=body_code, level=Level.PROVINCIAL).first() if body_code else None
    if body is None:
        return [("", "请先选择调入省级机构")]
    found = _local_agencies(body) if body.code == settings.REGISTRY_AGENCY_CODE else _division_agencies(body)
    return [("", "请选择调入的管理机构"), *found]


class ApplyForm(forms.Form):
    dest_body_code = forms.ChoiceField(
        label="调入省级机构", error_messages={"required": "请选择调入的省级会计管理机构"}
    )
    dest_agency_code = forms.ChoiceField(
        label="调入管理机构",
        help_text="调入后管理您会计人员信息的财政部门（市或县、区）",
        error_messages={"required": "请选择调入的管理机构", "invalid_choice": "请从列表中选择调入的管理机构"},
    )
    reason = forms.ChoiceField(
        label="调转原因",
        choices=Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择调转原因"},
    )
    proofs = ProofFilesField(kind=Kind.WORK, label="证明材料", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.data.get("dest_body_code") if self.is_bound else self.initial.get("dest_body_code")
        self.fields["dest_body_code"].choices = body_choices()  # type: ignore[attr-defined]
        self.fields["dest_agency_code"].choices = agency_choices(str(body or ""))  # type: ignore[attr-defined]
        reason = (self.data.get("reason") if self.is_bound else self.initial.get("reason")) or ""
        self.fields["proofs"].label = proof_label(str(reason))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = data.get("reason")
        if reason and not data.get("proofs") and "proofs" not in self.errors:
            self.add_error("proofs", f"请上传{PROOF_LABEL[Reason(reason)]}")
        return data

    def add_domain_errors(self, exc: DomainError) -> None:
        """Each service error next to its field; the proof's file errors on the upload."""
        for e in exc.errors:
            field = e.field
            if field == "files" or field.startswith("files."):
                field = "proofs"
            self.add_error(field if field in APPLY_FIELDS else None, e.message)


def proof_label(reason: str) -> str:
    if reason in Reason.values:
        return f"证明材料：{PROOF_LABEL[Reason(reason)]}"
    return "证明材料"


class ApproveForm(forms.Form):
    """同意调入: the agency that will manage the person (the destination or one the reviewer acts for)."""

    agency = forms.ChoiceField(label="调入后的管理机构")

    def __init__(self, *args: Any, agencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = agencies  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    """The public status query: the application number and the full ID number."""

    app_no = forms.CharField(
        label="申请编号",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "如 DZ440000-20260301-1A2B3C"}),
    )
    archive_no = forms.CharField(
        label="证件号码",
        max_length=40,
        help_text="申请人的完整证件号码（档案号）",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
