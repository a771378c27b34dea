"""Pages: the dashboard (charts, tables, xlsx of each chart), the query page with saved queries,
and exports with their approval and one-time download."""

from __future__ import annotations

import io
import logging
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from registry.accounts.models import User
from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, actor_is_staff, visible_agencies
from registry.core.crypto import DecryptionError
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.orgs.models import Agency

from .dashboard import SCOPES, ce_years, dashboard, dashboard_agency
from .exports import SealedReader, csv_stream, export_file, export_open, is_sealed
from .models import ExportFormat, ExportJob, ExportStatus, SavedQuery
from .query import query_form, query_page
from .services import (
    approval_threshold,
    export_decide,
    export_download,
    export_expire,
    export_refuse_damaged,
    export_request,
    export_withdraw,
    may_approve,
    saved_query_delete,
    saved_query_save,
)

NEEDS_APPROVAL = "需经本机构或上级机构另一名审核人员审批后方可下载。"
FILE_GONE = "导出文件已不存在（可能已过期清理），请重新申请导出。"
FILE_DAMAGED = "导出文件校验未通过（文件已损坏或被改动），已作废并记录在审计日志中，请重新申请导出。"

logger = logging.getLogger(__name__)


def _staff_only(request: HttpRequest) -> None:
    if not actor_is_staff(request.user):
        raise PermissionDenied


def _dashboard_args(request: HttpRequest) -> tuple[Agency, str, int | None]:
    try:
        agency = dashboard_agency(request.user, request.GET.get("agency") or None)
    except NotVisible as exc:
        raise Http404("未找到该机构") from exc
    year = request.GET.get("year", "")
    return agency, request.GET.get("scope", "collected"), int(year) if year.isdigit() else None


def _agency_options(request: HttpRequest) -> list[tuple[str, str]]:
    agencies = visible_agencies(request.user).only("code", "name", "path", "level").order_by("path")[:600]
    return [(a.code, ("　" * max(0, a.depth)) + a.name) for a in agencies]


def _visible_parent(request: HttpRequest, agency: Agency) -> Agency | None:
    parent = agency.parent
    if parent is None or not visible_agencies(request.user).filter(pk=parent.pk).exists():
        return None
    return parent


def _user(request: HttpRequest) -> User:
    """The logged-in user (every view here is behind login_required)."""
    return cast(User, request.user)


@login_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    agency, scope, year = _dashboard_args(request)
    board = dashboard(request.user, agency, scope, year)
    params = {"agency": agency.code, "scope": board.scope, "year": board.year}
    return render(
        request,
        "stats/dashboard.html",
        {
            "board": board,
            "charts": board.charts,
            "chart_data": [c.echarts() for c in board.charts],
            "agencies": _agency_options(request),
            "scopes": SCOPES,
            "years": ce_years(),
            "query": urlencode(params),
            "parent": _visible_parent(request, agency),
            "as_of": timezone.localtime(),
        },
    )


@login_required
def chart_xlsx(request: HttpRequest) -> HttpResponse:
    """One chart's table as a workbook (figures only: no personal data)."""
    _staff_only(request)
    agency, scope, year = _dashboard_args(request)
    board = dashboard(request.user, agency, scope, year)
    try:
        chart = board.chart(request.GET.get("chart", ""))
    except StopIteration as exc:
        raise Http404("未找到该图表") from exc
    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = workbook.add_worksheet(chart.key)
    bold = workbook.add_format({"bold": True})
    sheet.write_string(0, 0, f"{agency.name} · {chart.title}（{board.scope_label}）", bold)
    sheet.write_string(1, 0, f"统计时间：{timezone.localtime():%Y-%m-%d %H:%M}")
    headers = ["项目", "人数"] + (["累计"] if chart.extra else [])
    for col, title in enumerate(headers):
        sheet.write_string(3, col, title, bold)
    for row, bar in enumerate(chart.bars, start=4):
        sheet.write_string(row, 0, bar.label)
        sheet.write_number(row, 1, bar.value)
        if chart.extra:
            sheet.write_number(row, 2, chart.extra[row - 4])
    if chart.shows_total:
        sheet.write_string(4 + len(chart.bars), 0, "合计", bold)
        sheet.write_number(4 + len(chart.bars), 1, chart.total, bold)
    sheet.set_column(0, 0, 28)
    workbook.close()
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"stats-{agency.code}-{chart.key}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Query -------------------------------------------------------------------------------------------


def _criteria_querystring(criteria: dict[str, str]) -> str:
    return urlencode(criteria)


@login_required
def query(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = query_form(request.user, request.GET or None)
    page = None
    criteria: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        criteria = form.criteria()
        after = request.GET.get("after", "")
        page = query_page(request.user, criteria, after=int(after) if after.isdigit() else None)
    elif not form.is_bound:
        page = query_page(request.user, {})
    context = {
        "form": form,
        "page": page,
        "criteria": criteria,
        "criteria_qs": _criteria_querystring(criteria),
        "summary": form.summary() if form.is_bound and form.is_valid() else "全部人员",
        "saved": SavedQuery.objects.filter(owner=_user(request)),
        "threshold": approval_threshold(),
        "may_full": actor_has_perm(request.user, Perm.VIEW_FULL_ID),
        "formats": ExportFormat.choices,
    }
    partial = getattr(request, "htmx", False) and request.GET.get("partial")
    return render(request, "stats/_results.html" if partial else "stats/query.html", context)


def _posted_criteria(request: HttpRequest) -> tuple[dict[str, str], str]:
    """The criteria travel as the query string the page was showing; they are validated again."""
    form = query_form(request.user, _parse_qs(request.POST.get("criteria", "")))
    if not form.is_valid():
        raise DomainError.single("stats.bad_criteria", "criteria", "查询条件有误，请重新选择后再试")
    return form.criteria(), form.summary()


def _parse_qs(text: str) -> dict[str, str]:
    return dict(parse_qsl(text, keep_blank_values=False))


@login_required
@require_POST
def query_save(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    try:
        criteria, _ = _posted_criteria(request)
        saved_query_save(actor=request.user, name=request.POST.get("name", ""), criteria=criteria)
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    else:
        messages.success(request, "已保存为常用查询。")
    return redirect(f"{reverse('stats:query')}?{request.POST.get('criteria', '')}")


@login_required
@require_POST
def query_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    try:
        saved_query_delete(actor=request.user, pk=pk)
    except NotVisible as exc:
        raise Http404 from exc
    messages.success(request, "已删除常用查询。")
    return redirect("stats:query")


# Exports -----------------------------------------------------------------------------------------


@login_required
@require_POST
def export_new(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    try:
        criteria, summary = _posted_criteria(request)
        job = export_request(
            actor=request.user,
            criteria=criteria,
            summary=summary,
            fmt=request.POST.get("fmt", ""),
            full_ids=request.POST.get("full_ids") == "1",
        )
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect(f"{reverse('stats:query')}?{request.POST.get('criteria', '')}")
    if job.status == ExportStatus.AWAITING:
        messages.info(
            request,
            f"共 {job.rows} 人，超过 {approval_threshold()} 人，{NEEDS_APPROVAL}",
        )
    return redirect("stats:export", uid=job.uid)


def _job_for(request: HttpRequest, uid: Any) -> ExportJob:
    job = ExportJob.objects.select_related("requested_by", "decided_by").filter(uid=uid).first()
    if job is None:
        raise Http404("未找到该导出")
    mine = job.requested_by_id == request.user.pk
    if not (mine or job.decided_by_id == request.user.pk or may_approve(request.user, job)):
        raise Http404("未找到该导出")
    return job


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    mine = ExportJob.objects.filter(requested_by=_user(request)).select_related("decided_by")[:50]
    waiting = [
        job
        for job in ExportJob.objects.filter(status=ExportStatus.AWAITING)
        .exclude(requested_by=_user(request))
        .select_related("requested_by")
        .order_by("requested_at")[:200]
        if may_approve(request.user, job)
    ]
    return render(request, "stats/exports.html", {"mine": mine, "waiting": waiting})


@login_required
def export_detail(request: HttpRequest, uid: Any) -> HttpResponse:
    _staff_only(request)
    job = _job_for(request, uid)
    context = {
        "job": job,
        "scope_names": list(Agency.objects.filter(code__in=job.scope).values_list("name", flat=True)),
        "mine": job.requested_by_id == request.user.pk,
        "can_decide": job.status == ExportStatus.AWAITING and may_approve(request.user, job),
    }
    if getattr(request, "htmx", False) and request.GET.get("partial"):
        return render(request, "stats/_export_status.html", context)
    return render(request, "stats/export.html", context)


@login_required
@require_POST
def export_decision(request: HttpRequest, uid: Any) -> HttpResponse:
    _staff_only(request)
    approve = request.POST.get("decision") == "approve"
    try:
        export_decide(actor=request.user, uid=uid, approve=approve, note=request.POST.get("note", ""))
    except NotVisible as exc:
        raise Http404("未找到该导出") from exc
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect("stats:export", uid=uid)
    messages.success(request, "已同意导出。" if approve else "已退回导出申请。")
    return redirect("stats:exports")


@login_required
@require_POST
def export_cancel(request: HttpRequest, uid: Any) -> HttpResponse:
    _staff_only(request)
    try:
        export_withdraw(actor=request.user, uid=uid)
    except NotVisible as exc:
        raise Http404("未找到该导出") from exc
    except DomainError as exc:
        for e in exc.errors:
            messages.error(request, e.message)
    return redirect("stats:export", uid=uid)


@login_required
@require_POST
def export_take(request: HttpRequest, uid: Any) -> HttpResponseBase:
    """The one download of an export: CSV streamed from the database, xlsx decrypted as it
    streams from its sealed file (unlinked as soon as it is open, so nothing of it stays on disk
    once sent). Every frame is authenticated before the download is counted, so a damaged file
    gets a message, not half a workbook."""
    _staff_only(request)
    found = _job_for(request, uid)
    if found.requested_by_id != request.user.pk:
        raise Http404("未找到该导出")
    handle = None
    if found.fmt == ExportFormat.XLSX:
        if found.status != ExportStatus.READY:
            messages.error(request, f"当前状态为“{found.get_status_display()}”，不能下载")
            return redirect("stats:export", uid=uid)
        if not is_sealed(found):
            # Built before exports were sealed: the safer course is to expire it, not serve it.
            export_expire(job=found)
            messages.error(request, FILE_GONE)
            return redirect("stats:export", uid=uid)
        try:
            handle, size = export_open(found)
        except FileNotFoundError:
            messages.error(request, FILE_GONE)
            return redirect("stats:export", uid=uid)
        except DecryptionError as exc:
            logger.warning("export %s refused: stored file failed authentication (%s)", found.uid, exc)
            export_refuse_damaged(actor=request.user, uid=found.uid, error=str(exc))
            messages.error(request, FILE_DAMAGED)
            return redirect("stats:export", uid=uid)
    try:
        job = export_download(actor=request.user, uid=uid)
    except NotVisible as exc:
        _close(handle)
        raise Http404("未找到该导出") from exc
    except DomainError as exc:
        _close(handle)
        for e in exc.errors:
            messages.error(request, e.message)
        return redirect("stats:export", uid=uid)
    stamp = f"{timezone.localtime(job.requested_at):%Y%m%d-%H%M}"
    response: HttpResponseBase
    if handle is None:  # CSV: an xlsx reaching here has its verified file open
        response = StreamingHttpResponse(csv_stream(job), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="people-{stamp}.csv"'
    else:
        export_file(job).unlink(missing_ok=True)
        reader = SealedReader(handle, job.uid)
        response = FileResponse(reader, as_attachment=True, filename=f"people-{stamp}.xlsx")
        response["Content-Length"] = str(size)
    response["Cache-Control"] = "private, no-store"
    return response


def _close(handle: Any) -> None:
    if handle is not None:
        handle.close()
