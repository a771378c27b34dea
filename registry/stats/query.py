"""The query page's criteria: every filter of the people list, the module filters, and a few the
statistics need to reach the people behind each chart bar exactly (highest qualification level,
talent programme, collection month, a CE year's state, 在职 by industry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from registry.accounts.selectors import visible_agencies
from registry.continuing_education import config as ce_config
from registry.continuing_education.selectors import filter_apply as ce_filter_apply
from registry.continuing_education.selectors import required_q
from registry.credit.models import COUNTED, CreditRecord
from registry.orgs.models import Agency
from registry.people.forms import PeopleFilterForm
from registry.people.hooks import FILTERS
from registry.people.models import Person, Status, Work
from registry.people.selectors import AGE_BANDS, PeopleFilter, people_filtered
from registry.qualifications.models import Qualification, QualificationStatus
from registry.qualifications.rules import level_rank
from registry.standard.codes import load_table
from registry.talents.models import Programme, Talent, TalentStatus

from .facts import NONE
from .models import CE_FIRST_YEAR

ARCHIVE_CHARS = set("0123456789Xx ")
PAGE_SIZE = 50
# The fields of the people list (same names, so one query string serves both pages).
PEOPLE_FIELDS = ("q", "agency", "status", "sex", "education", "age_band")
EXTRA_FIELDS = ("category", "industry", "qual_level", "programme", "collected_month", "ce_year", "no_credit")


def agency_choices(actor: Any) -> list[tuple[str, str]]:
    agencies = visible_agencies(actor).exclude(level="national").only("code", "name", "path")
    return [(a.code, ("　" * max(0, a.depth - 1)) + a.name) for a in agencies.order_by("path")[:500]]


def is_archive_no(q: str) -> bool:
    q = q.strip()
    return bool(q) and set(q) <= ARCHIVE_CHARS and len(q) >= 15


def _months() -> list[tuple[str, str]]:
    today = timezone.localdate()
    out = []
    year, month = today.year, today.month
    for _ in range(60):
        out.append((f"{year:04d}-{month:02d}", f"{year}年{month}月"))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def ce_year_choices() -> list[tuple[str, str]]:
    out = []
    for year in range(ce_config.today().year, CE_FIRST_YEAR - 1, -1):
        out += [(f"{year}:unmet", f"{year}年未达标"), (f"{year}:met", f"{year}年已达标")]
        out.append((f"{year}:exempt", f"{year}年无需参加"))
    return out


class AgencyField(forms.ChoiceField):
    """The select offers the first 500 agencies (as the people list does); any agency the actor
    sees is accepted, so a drill-down into a large tree (the hub's) still validates."""

    def __init__(self, *args: Any, visible: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visible = visible

    def valid_value(self, value: Any) -> bool:
        return super().valid_value(value) or self.visible.filter(code=str(value)).exists()


class QueryForm(PeopleFilterForm):
    category = forms.ChoiceField(label="人员类别", required=False)
    industry = forms.ChoiceField(label="现工作单位行业", required=False)
    qual_level = forms.ChoiceField(label="专业技术资格（最高级别）", required=False)
    programme = forms.ChoiceField(label="人才项目", required=False)
    collected_month = forms.ChoiceField(label="采集完成月份", required=False)
    ce_year = forms.ChoiceField(label="继续教育（历年）", required=False)
    no_credit = forms.ChoiceField(label="无信用记录", required=False, choices=[("", "不限"), ("1", "是")])

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        agencies = agency_choices(actor)
        super().__init__(*args, agencies=agencies, **kwargs)
        self.fields["agency"] = AgencyField(
            label="管理机构",
            required=False,
            choices=[("", "全部"), *agencies],
            visible=visible_agencies(actor).exclude(level="national"),
        )

        def choices(name: str, values: list[tuple[str, str]]) -> None:
            cast(forms.ChoiceField, self.fields[name]).choices = [("", "全部"), *values]

        choices("sex", [*load_table("sex").choices(), (NONE, "未填写")])
        choices("education", [*load_table("education").choices(include_retired=True), (NONE, "未填写")])
        choices("category", [*load_table("person_category").choices(), (NONE, "未填写")])
        choices("industry", load_table("industry").choices())
        choices("qual_level", [*load_table("qualification_level").choices(), ("0", "无")])
        choices("programme", [*Programme.objects.values_list("code", "name"), (NONE, "无（未入选或已退出）")])
        choices("collected_month", _months())
        choices("ce_year", ce_year_choices())
        # The list's own filters, then the modules' (added by the parent form), then ours.
        self.order_fields([*PEOPLE_FIELDS, *FILTERS, *EXTRA_FIELDS])

    def criteria(self) -> dict[str, str]:
        """The non-empty criteria, as strings (what is saved and what an export re-runs)."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in ("", None)}

    def summary(self) -> str:
        parts = []
        for name, value in self.criteria().items():
            field = self.fields[name]
            label = dict(getattr(field, "choices", [])).get(value, value) if name != "q" else value
            parts.append(f"{field.label}：{str(label).strip()}")
        return "；".join(parts) or "全部人员"


def query_form(actor: Any, data: Any) -> QueryForm:
    return QueryForm(data, actor=actor)


def _month_range(month: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    year, mon = int(month[:4]), int(month[5:7])
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start, end


def _approved_quals() -> QuerySet[Qualification]:
    return Qualification.objects.filter(status=QualificationStatus.APPROVED)


def query_queryset(actor: Any, criteria: dict[str, str]) -> QuerySet[Person]:
    """People in the actor's scope matching the (already validated) criteria."""
    q = criteria.get("q", "").strip()
    code = criteria.get("agency", "")
    sex, education = criteria.get("sex", ""), criteria.get("education", "")
    f = PeopleFilter(
        agency=Agency.objects.filter(code=code).first() if code else None,
        status=criteria.get("status", ""),
        sex="" if sex == NONE else sex,
        education="" if education == NONE else education,
        age_band=criteria.get("age_band", ""),
        name="" if is_archive_no(q) else q,
        archive_no=q if is_archive_no(q) else "",
        extra={key: criteria.get(key, "") for key in FILTERS},
    )
    qs = people_filtered(actor, f)
    if sex == NONE:
        qs = qs.filter(sex="")
    if education == NONE:
        qs = qs.filter(highest_education="")
    if category := criteria.get("category"):
        qs = qs.filter(category="" if category == NONE else category)
    if industry := criteria.get("industry"):
        current = Work.objects.filter(person=OuterRef("pk"), end_date__isnull=True, industry=industry)
        qs = qs.filter(Exists(current))
    if level := criteria.get("qual_level"):
        approved = _approved_quals().filter(person=OuterRef("pk"))
        if level == "0":
            qs = qs.filter(~Exists(approved))
        else:
            higher = [
                c for c, _ in load_table("qualification_level").choices() if level_rank(c) < level_rank(level)
            ]
            qs = qs.filter(Exists(approved.filter(level=level)), ~Exists(approved.filter(level__in=higher)))
    if programme := criteria.get("programme"):
        counting = Talent.objects.filter(
            person=OuterRef("pk"), status__in=(TalentStatus.TRAINING, TalentStatus.GRADUATED)
        )
        if programme == NONE:
            qs = qs.filter(~Exists(counting))
        else:
            qs = qs.filter(Exists(counting.filter(programme__code=programme)))
    if month := criteria.get("collected_month"):
        start, end = _month_range(month)
        qs = qs.filter(collected_at__gte=start, collected_at__lt=end)
    if ce := criteria.get("ce_year"):
        year, _, state = ce.partition(":")
        qs = qs.exclude(required_q(int(year))) if state == "exempt" else ce_filter_apply(qs, ce)
    if criteria.get("no_credit"):
        qs = qs.filter(~Exists(CreditRecord.objects.filter(person=OuterRef("pk"), status__in=COUNTED)))
    return qs


@dataclass
class ResultPage:
    rows: list[Person]
    next_after: int | None
    total: int


def query_page(
    actor: Any, criteria: dict[str, str], after: int | None = None, size: int = PAGE_SIZE
) -> ResultPage:
    """Keyset pages by id, newest first: `after` is the last id of the previous page. The count is
    exact: it decides whether an export needs approval."""
    qs = query_queryset(actor, criteria)
    total = qs.count()
    page_qs = qs.order_by("-id")
    if after:
        page_qs = page_qs.filter(id__lt=after)
    rows = list(page_qs.select_related("agency")[: size + 1])
    return ResultPage(
        rows=rows[:size], next_after=rows[size - 1].id if len(rows) > size else None, total=total
    )


def people_list_choices(agency_codes: set[str]) -> dict[str, set[str]]:
    """What the staff list /people/ accepts for each parameter (its own filters and the modules')."""
    known: dict[str, set[str]] = {
        "agency": agency_codes,
        "status": set(Status.values),
        "sex": {"1", "2"},
        "education": {c for c, _ in load_table("education").choices()},
        "age_band": set(AGE_BANDS),
    }
    for key, extra in FILTERS.items():
        known[key] = {c for c, _ in extra.choices()}
    return known


def people_list_accepts(known: dict[str, set[str]], params: dict[str, str]) -> bool:
    """Whether /people/ takes these parameters as they are: its form refuses an unknown choice,
    and a refused form there lists everyone instead of the chart's people."""
    return all(key in known and value in known[key] for key, value in params.items())
