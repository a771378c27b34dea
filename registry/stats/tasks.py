"""Background work (django-tasks: immediate in the embedded default, a worker in production)."""

from __future__ import annotations

from django_tasks import task

from .services import export_build


@task()
def build_export(uid: str) -> None:
    export_build(uid=uid)
