"""Import fixtures: synthetic rows, files as spreadsheet programs save them, jobs run in-process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from registry.imports.models import ImportJob
from registry.imports.runner import commit_job, validate_job
from registry.imports.services import import_job_confirm, import_job_create
from registry.imports.testing import row_for


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def fakes(fake_people: Iterator[Any]) -> Iterator[Any]:
    """Synthetic accountants at work (the root conftest's generator: numbers that belong to nobody)."""
    return (f for f in fake_people if f.category == "1")


@pytest.fixture
def rows(fakes: Iterator[Any]) -> Callable[..., list[dict[str, Any]]]:
    def make(n: int, agency_code: str = "440106") -> list[dict[str, Any]]:
        return [row_for(next(fakes), agency_code) for _ in range(n)]

    return make


@pytest.fixture
def run(db: Any, agency: Callable[[str], Any]) -> Callable[..., ImportJob]:
    """Upload a file and run the dry run in this process; `commit=True` confirms and commits too."""

    def go(
        data: bytes,
        name: str = "people.csv",
        *,
        actor: Any = None,
        code: str = "440100",
        commit: bool = False,
    ) -> ImportJob:
        job = import_job_create(actor=actor, agency=agency(code), file_name=name, data=data, start=False)
        job = validate_job(job.pk)
        if commit:
            job = import_job_confirm(actor=actor, job=job, start=False)
            job = commit_job(job.pk)
        return job

    return go
