"""The dashboard: every figure is read from the cells of ONE agency (the chosen one), so the
answer takes the same time for a county and for the nation, for 10,000 people or 20 million."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_roots, visible_agencies
from registry.continuing_education import config as ce_config
from registry.core.errors import NotVisible
from registry.credit import clock as credit_clock
from registry.orgs.models import Agency, Level
from registry.people.models import Person, Status
from registry.standard.codes import load_table
from registry.talents.models import Programme

from . import facts as F
from .models import CE_FIRST_YEAR, Cell, PersonFacts
from .query import people_list_accepts, people_list_choices

SCOPES = [
    ("collected", "已采集"),
    ("all", "全部状态"),
    ("pending", "待审核"),
    ("draft", "草稿"),
    ("transferred_out", "已调出"),
    ("cancelled", "注销"),
]
# people.selectors.AGE_BANDS, in the order a chart reads.
AGE_ORDER = [
    ("<20", 0, 19),
    ("20-29", 20, 29),
    ("30-39", 30, 39),
    ("40-49", 40, 49),
    ("50-59", 50, 59),
    ("60+", 60, 200),
]
READ_DIMS = [
    F.ALL,
    F.SEX,
    F.EDUCATION,
    F.CATEGORY,
    F.BIRTH_YEAR,
    F.QUALIFICATION,
    F.TALENT,
    F.CREDIT,
    F.COLLECTED,
    F.BLACK_FROM,
    F.BLACK_UNTIL,
    F.BAR_FROM,
    F.BAR_UNTIL,
    F.CE,
    F.CE_TAIL,
]
TREND_MONTHS = 24


@dataclass
class Bar:
    label: str
    value: int
    link: str = ""
    agency: str = ""  # a child agency's code: its own dashboard is one click away


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar | hbar (long labels) | pie | trend
    bars: list[Bar]
    note: str = ""
    extra: list[int] = field(default_factory=list)  # the trend's running total
    empty: str = "暂无数据"
    summable: bool = True  # False where one person may count in several bars

    @property
    def shows_total(self) -> bool:
        return self.summable and not self.extra

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)

    @property
    def rows(self) -> list[tuple[Bar, int | None]]:
        """Each bar with its running total (trend) or None."""
        return [(b, self.extra[i] if self.extra else None) for i, b in enumerate(self.bars)]

    def echarts(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "labels": [b.label for b in self.bars],
            "values": [b.value for b in self.bars],
            "links": [b.link for b in self.bars],
            "extra": self.extra,
        }


@dataclass
class Dashboard:
    agency: Agency
    scope: str
    year: int
    total: int
    charts: list[Chart]
    ready: bool  # False when people exist but the statistics were never built

    @property
    def scope_label(self) -> str:
        return dict(SCOPES)[self.scope]

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)


def years_ago(today: date, years: int) -> date:
    """people.selectors' rule for age bands (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def ce_years() -> list[int]:
    return list(range(ce_config.today().year, CE_FIRST_YEAR - 1, -1))


def dashboard_agency(actor: Any, code: str | None) -> Agency:
    """The chosen agency if the actor sees it (NotVisible otherwise), or the actor's top agency."""
    visible = visible_agencies(actor, Perm.VIEW_PEOPLE)
    if code:
        found = visible.filter(code=code).first()
        if found is None:
            raise NotVisible(code)
        return found
    roots = actor_roots(actor, Perm.VIEW_PEOPLE)
    if not roots:
        raise NotVisible("no agency")
    return min(roots, key=lambda a: (a.depth, a.code))


class _Links:
    """Drill-down: the staff list /people/ when its filters express the bar exactly, else the query
    page (which takes the same parameters and the ones the list lacks)."""

    def __init__(self, actor: Any, agency: Agency, scope: str) -> None:
        self.base: dict[str, str] = {}
        if agency.level != Level.NATIONAL:  # the list offers no national agency; the scope is all
            self.base["agency"] = agency.code
        if scope != "all":
            self.base["status"] = scope
        codes = visible_agencies(actor).exclude(level=Level.NATIONAL).order_by("path")
        self.known = people_list_choices(set(codes.values_list("code", flat=True)[:500]))
        self.pages = {True: reverse("people:list"), False: reverse("stats:query")}

    def params(self, **params: str) -> dict[str, str]:
        return {k: v for k, v in {**self.base, **params}.items() if v}

    def listable(self, **params: str) -> bool:
        return people_list_accepts(self.known, self.params(**params))

    def __call__(self, **params: str) -> str:
        merged = self.params(**params)
        return f"{self.pages[people_list_accepts(self.known, merged)]}?{urlencode(merged)}"


def _sum_le(rows: dict[str, int], day: str) -> int:
    return sum(n for value, n in rows.items() if value <= day)


def dashboard(actor: Any, agency: Agency, scope: str = "collected", year: int | None = None) -> Dashboard:
    """Every chart of the agency's subtree (the caller checked the actor sees the agency)."""
    if scope not in dict(SCOPES):
        scope = "collected"
    year = year if year in ce_years() else ce_years()[0]
    link = _Links(actor, agency, scope)
    in_scope = (lambda s: True) if scope == "all" else (lambda s: s == scope)

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_status: dict[str, int] = defaultdict(int)
    for dim, value, status, n in Cell.objects.filter(agency=agency, dim__in=READ_DIMS).values_list(
        "dim", "value", "status", "n"
    ):
        if dim == F.ALL:
            by_status[status] += n
        if in_scope(status):
            counts[dim][value] += n
    total = counts[F.ALL][""]
    charts = [
        *_children(agency, in_scope, link),
        _statuses(by_status, link),
        _coded("sex", "性别", "pie", counts[F.SEX], "sex", load_table("sex").choices(), link),
        _age(agency, scope, counts[F.BIRTH_YEAR], link),
        _coded(
            "education",
            "最高学历",
            "hbar",
            counts[F.EDUCATION],
            "education",
            load_table("education").choices(include_retired=True),
            link,
        ),
        _qualifications(counts[F.QUALIFICATION], link),
        _talents(counts[F.TALENT], link),
        _credit(counts, link),
        _ce(counts, total, year, link),
        _coded(
            "category",
            "人员类别",
            "pie",
            counts[F.CATEGORY],
            "category",
            load_table("person_category").choices(),
            link,
        ),
        _trend(counts[F.COLLECTED], link),
    ]
    return Dashboard(agency=agency, scope=scope, year=year, total=total, charts=charts, ready=_looks_built())


def _ends(ids: Any) -> tuple[Any, Any]:
    return ids.order_by("pk").values_list("pk", flat=True).first(), ids.order_by("-pk").values_list(
        "pk", flat=True
    ).first()


def _looks_built() -> bool:
    """A cheap sign that a bulk load was not followed by `registry stats rebuild`: the lowest and
    highest person ids must have facts (four index probes; `stats verify` is the real check)."""
    return _ends(Person.objects.all()) == _ends(PersonFacts.objects.all())


def _children(agency: Agency, in_scope: Any, link: _Links) -> list[Chart]:
    """Headcount of each child agency; a county has none, so no chart."""
    children = list(Agency.objects.filter(parent=agency).order_by("code"))
    if not children:
        return []
    per: dict[int, int] = defaultdict(int)
    for agency_id, status, n in Cell.objects.filter(agency__in=children, dim=F.ALL, value="").values_list(
        "agency_id", "status", "n"
    ):
        if in_scope(status):
            per[agency_id] += n
    bars = [Bar(c.short_name, per[c.pk], link(agency=c.code), c.code) for c in children if per[c.pk]]
    return [Chart("children", "下级机构人数", "bar", bars, empty="下级机构暂无人员")]


def _statuses(by_status: dict[str, int], link: _Links) -> Chart:
    bars = [
        Bar(label, by_status[value], link(status=value))
        for value, label in Status.choices
        if by_status[value]
    ]
    return Chart("status", "采集状态（全部状态）", "pie", bars)


def _coded(
    key: str,
    title: str,
    kind: str,
    values: dict[str, int],
    param: str,
    choices: list[tuple[str, str]],
    link: _Links,
) -> Chart:
    labels = dict(choices)
    order = {code: i for i, (code, _) in enumerate(choices)}
    bars = [
        Bar(labels.get(v, "未填写" if v == F.NONE else v), n, link(**{param: v}))
        for v, n in sorted(values.items(), key=lambda item: (order.get(item[0], 999), item[0]))
        if n
    ]
    return Chart(key, title, kind, bars)


def _age(agency: Agency, scope: str, years: dict[str, int], link: _Links) -> Chart:
    today = date.today()  # what people.selectors' age band filter reads
    bounds = {b for _, low, high in AGE_ORDER for b in (years_ago(today, low), years_ago(today, high + 1))}
    # Every day of the years the boundaries fall in, as one list: an index probe each (an OR of
    # ranges makes SQLite scan all of the agency's birth days). Year cells, not month cells, are
    # what a new person adds at every level: fewer cells to write, a few thousand more to read.
    wanted = [
        (date(year, 1, 1) + timedelta(days=i)).isoformat()
        for year in sorted({b.year for b in bounds})
        for i in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
    ]
    days: dict[str, int] = defaultdict(int)
    rows = Cell.objects.filter(agency=agency, dim=F.BIRTH_DAY, value__any=wanted)
    if scope != "all":
        rows = rows.filter(status=scope)
    for value, n in rows.values_list("value", "n"):
        days[value] += n

    def born_by(day: date) -> int:
        """People born on or before `day`: whole years before its year, then that year's days."""
        year = f"{day:%Y}"
        iso = day.isoformat()
        return sum(n for y, n in years.items() if y < year) + sum(
            n for d, n in days.items() if d[:4] == year and d <= iso
        )

    bars = []
    for key, low, high in AGE_ORDER:
        n = born_by(years_ago(today, low)) - born_by(years_ago(today, high + 1))
        label = "20岁以下" if key == "<20" else ("60岁及以上" if key == "60+" else f"{key}岁")
        bars.append(Bar(label, n, link(age_band=key)))
    return Chart("age", "年龄段", "bar", bars, note=f"按 {today:%Y-%m-%d} 计算周岁")


def _qualifications(values: dict[str, int], link: _Links) -> Chart:
    table = load_table("qualification_level")
    bars = []
    for code, label in [("0", "无"), *table.choices()]:
        if code == "4":
            url = link(qualification="4")
        elif code == "0":
            url = link(qualification="none")
        else:
            url = link(qual_level=code)
        bars.append(Bar(label, values.get(code, 0), url))
    return Chart("qualification", "最高专业技术资格", "bar", bars)


def _talents(values: dict[str, int], link: _Links) -> Chart:
    names = dict(Programme.objects.values_list("code", "name"))
    bars = [
        Bar(names.get(code, code), n, link(programme=code))
        for code, n in sorted(values.items())
        if n and code != F.NONE
    ]
    return Chart(
        "talent",
        "高端会计人才（按项目）",
        "hbar",
        bars,
        note="在培及已毕业；一人可入选多个项目",
        summable=False,
    )


def _credit(counts: dict[str, dict[str, int]], link: _Links) -> Chart:
    today = credit_clock.today().isoformat()
    blacklisted = _sum_le(counts[F.BLACK_FROM], today) - _sum_le(counts[F.BLACK_UNTIL], today)
    barred = _sum_le(counts[F.BAR_FROM], today) - _sum_le(counts[F.BAR_UNTIL], today)
    values = counts[F.CREDIT]
    bars = [
        Bar("有守信记录", values.get("h", 0), link(credit="honour")),
        Bar("有失信记录", values.get("d", 0), link(credit="dishonour")),
        Bar("黑名单中", blacklisted, link(credit="blacklisted")),
        Bar("禁止从事会计工作", barred, link(credit="barred")),
        Bar("无信用记录", values.get(F.NONE, 0), link(no_credit="1")),
    ]
    return Chart("credit", "信用信息", "hbar", bars, note="一人可兼有多项", summable=False)


def _ce(counts: dict[str, dict[str, int]], total: int, year: int, link: _Links) -> Chart:
    met = counts[F.CE].get(f"{year}:m", 0)
    # People whose records end before `year` are required (or not) as their tail says; with no
    # credits that late they have not met it.
    unmet = counts[F.CE].get(f"{year}:u", 0) + sum(
        n for horizon, n in counts[F.CE_TAIL].items() if int(horizon) < year
    )

    def ce_link(state: str) -> str:
        value = f"{year}:{state}"
        # The list's 继续教育 filter offers recent years only; the query page takes any year.
        return link(ce=value) if link.listable(ce=value) else link(ce_year=value)

    bars = [
        Bar("已达标", met, ce_link("met")),
        Bar("未达标", unmet, ce_link("unmet")),
        Bar("无需参加", total - met - unmet, ce_link("exempt")),
    ]
    return Chart("ce", f"{year}年度继续教育", "pie", bars)


def _trend(months: dict[str, int], link: _Links) -> Chart:
    today = timezone.localdate()
    keys = []
    y, m = today.year, today.month
    for _ in range(TREND_MONTHS):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    keys.reverse()
    running = sum(n for k, n in months.items() if k < keys[0])
    bars, cumulative = [], []
    for key in keys:
        running += months.get(key, 0)
        bars.append(Bar(key, months.get(key, 0), link(collected_month=key)))
        cumulative.append(running)
    return Chart(
        "trend", "采集完成人数（按月）", "trend", bars, extra=cumulative, note="柱：当月完成采集；线：累计"
    )
