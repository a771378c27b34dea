"""批量导入 pages: the upload and the user's jobs, the job's progress and report, the downloads."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from registry.core.errors import DomainError, Forbidden, NotVisible

from . import exports
from .forms import UploadForm
from .models import ImportJob
from .reader import max_bytes
from .selectors import job_get, jobs_of, may_import, rejected_rows
from .services import import_error_file, import_job_confirm, import_job_create, import_job_resume

REPORT_ROWS = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_importer(request: HttpRequest) -> None:
    if not may_import(request.user):
        raise PermissionDenied


def _job(request: HttpRequest, uid: str) -> ImportJob:
    _require_importer(request)
    try:
        return job_get(request.user, uid)
    except NotVisible as exc:
        raise Http404 from exc


def _download(body: bytes, content_type: str, ascii_name: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        agency = form.agencies[form.cleaned_data["agency"]]
        try:
            if (upload.size or 0) > max_bytes():
                raise DomainError.single(
                    "imports.file_too_large",
                    "file",
                    f"文件超过 {max_bytes() // 1024 // 1024} MB，请分成几个文件导入",
                )
            upload.seek(0)
            job = import_job_create(
                actor=request.user,
                agency=agency,
                file_name=upload.name or "",
                data=upload.read(max_bytes() + 1),
            )
        except Forbidden as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            for e in exc.errors:
                form.add_error("file", e.message)
        else:
            messages.info(request, "文件已上传，正在逐行检查。检查完成后请核对结果，再确认导入。")
            return redirect("imports:job", uid=job.uid)
    context = {"form": form, "jobs": jobs_of(request.user)[:50], "max_mb": max_bytes() // 1024 // 1024}
    return render(request, "imports/jobs.html", context)


@login_required
def template_xlsx(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    return _download(
        exports.template_xlsx(), XLSX, "people-import-template.xlsx", "会计人员信息导入模板.xlsx"
    )


@login_required
def template_csv(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    return _download(
        exports.template_csv(),
        "text/csv; charset=utf-8",
        "people-import-template.csv",
        "会计人员信息导入模板.csv",
    )


def _status_context(job: ImportJob) -> dict[str, object]:
    rows = rejected_rows(job)
    shown = list(rows[:REPORT_ROWS]) if not job.is_running else []
    return {
        "job": job,
        "report": shown,
        "report_more": job.planned_rejected + job.rejected > len(shown) and len(shown) == REPORT_ROWS,
        "report_limit": REPORT_ROWS,
        "has_rejected": bool(shown),
    }


@login_required
def job(request: HttpRequest, uid: str) -> HttpResponse:
    found = _job(request, uid)
    return render(request, "imports/job.html", _status_context(found))


@login_required
def job_status(request: HttpRequest, uid: str) -> HttpResponse:
    found = _job(request, uid)
    return render(request, "imports/_status.html", _status_context(found))


@login_required
@require_POST
def job_commit(request: HttpRequest, uid: str) -> HttpResponse:
    found = _job(request, uid)
    try:
        import_job_confirm(actor=request.user, job=found)
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        messages.error(request, "；".join(e.message for e in exc.errors))
    else:
        messages.info(request, "已确认导入，正在写入。导入完成前请勿重复上传同一文件。")
    return redirect("imports:job", uid=found.uid)


@login_required
@require_POST
def job_resume(request: HttpRequest, uid: str) -> HttpResponse:
    found = _job(request, uid)
    try:
        import_job_resume(actor=request.user, job=found)
    except Forbidden as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        messages.error(request, "；".join(e.message for e in exc.errors))
    return redirect("imports:job", uid=found.uid)


@login_required
def job_errors(request: HttpRequest, uid: str, fmt: str) -> HttpResponse:
    found = _job(request, uid)
    if found.is_running:
        raise Http404
    try:
        body = import_error_file(actor=request.user, job=found, fmt=fmt)
    except Forbidden as exc:
        raise PermissionDenied from exc
    stem = f"import-errors-{str(found.uid)[:8]}"
    name = f"错误清单-{found.file_name.rsplit('.', 1)[0]}"
    if fmt == "csv":
        return _download(body, "text/csv; charset=utf-8", f"{stem}.csv", f"{name}.csv")
    return _download(body, XLSX, f"{stem}.xlsx", f"{name}.xlsx")
