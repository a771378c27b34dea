"""Reads of import jobs, scoped: a job is seen by staff who may edit people at its agency."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm, visible_agencies
from registry.core.errors import NotVisible

from .models import Action, ImportJob, ImportRow


def may_import(actor: Any) -> bool:
    return actor_has_perm(actor, Perm.EDIT_PEOPLE)


def import_agencies(actor: Any) -> QuerySet[Any]:
    """The agencies the actor may import for (where they may edit people)."""
    return visible_agencies(actor, Perm.EDIT_PEOPLE).filter(is_active=True)


def jobs_visible(actor: Any) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(agency__in=visible_agencies(actor, Perm.EDIT_PEOPLE))


def jobs_of(actor: Any) -> QuerySet[ImportJob]:
    """The actor's own jobs, newest first."""
    return jobs_visible(actor).filter(created_by=actor).select_related("agency").order_by("-id")


def job_get(actor: Any, uid: Any) -> ImportJob:
    job = jobs_visible(actor).select_related("agency", "created_by", "committed_by").filter(uid=uid).first()
    if job is None:
        raise NotVisible(str(uid))
    return job


def rejected_rows(job: ImportJob) -> QuerySet[ImportRow]:
    """Rows not imported — by the dry run's plan, or refused at the commit — in file order."""
    qs = ImportRow.objects.filter(job=job)
    if job.commit_started_at is not None:
        qs = qs.filter(Q(result=Action.REJECTED) | Q(result="", action=Action.REJECTED))
    else:
        qs = qs.filter(action=Action.REJECTED)
    return qs.order_by("row_no")


def rejected_issues(job: ImportJob) -> dict[int, list[dict[str, str]]]:
    return dict(rejected_rows(job).values_list("row_no", "issues").iterator(chunk_size=5000))
