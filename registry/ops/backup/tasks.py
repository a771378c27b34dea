"""The backup as a task, for deployments whose task backend runs a worker (docs/ops-backup.md).

Kept out of the package's `__init__` because declaring a task reads the TASKS setting."""

from __future__ import annotations

from pathlib import Path

from django_tasks import task

from .create import backup_create


@task()
def backup_task(output: str, keep: int | None = None) -> str:
    """Runs where the worker runs: that machine needs the database, the storage and the keys."""
    return str(backup_create(Path(output), keep=keep).path)
