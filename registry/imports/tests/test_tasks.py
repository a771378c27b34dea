"""The background task: plain JSON arguments, enqueued after the job commits, safe to deliver twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.imports.models import ImportJob, JobStatus
from registry.imports.services import import_job_confirm, import_job_create
from registry.imports.tasks import run_import_job
from registry.imports.testing import csv_bytes
from registry.people.models import Person

pytestmark = pytest.mark.django_db
Rows = Callable[..., list[dict[str, Any]]]


def test_enqueued_on_commit_and_run_by_the_backend(
    rows: Rows, make_user: Any, agency: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(
            actor=staff, agency=agency("440100"), file_name="a.csv", data=csv_bytes(rows(2))
        )
    assert len(callbacks) == 1
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED  # nothing ran before the commit
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATED and job.task_id
    with django_capture_on_commit_callbacks(execute=True):
        import_job_confirm(actor=staff, job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.created == 2


def test_a_task_delivered_twice_does_the_work_once(rows: Rows, make_user: Any, agency: Any) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    job = import_job_create(
        actor=staff, agency=agency("440100"), file_name="a.csv", data=csv_bytes(rows(2)), start=False
    )
    assert run_import_job.call(job.pk, "validate")["status"] == JobStatus.VALIDATED
    assert run_import_job.call(job.pk, "validate")["status"] == JobStatus.VALIDATED
    import_job_confirm(actor=staff, job=job, start=False)
    assert run_import_job.call(job.pk, "commit")["status"] == JobStatus.DONE
    assert run_import_job.call(job.pk, "commit")["status"] == JobStatus.DONE
    assert Person.objects.count() == 2


def test_a_commit_that_stopped_half_way_resumes_after_its_last_chunk(
    rows: Rows, make_user: Any, agency: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.imports import runner

    monkeypatch.setattr(runner, "CHUNK", 2)
    staff = make_user(Role.CITY_REVIEWER, "440100")
    job = import_job_create(
        actor=staff, agency=agency("440100"), file_name="a.csv", data=csv_bytes(rows(5)), start=False
    )
    runner.validate_job(job.pk)
    import_job_confirm(actor=staff, job=job, start=False)
    real = runner._commit_chunk
    calls = {"n": 0}

    def dies_on_the_second_chunk(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        real(*args)

    monkeypatch.setattr(runner, "_commit_chunk", dies_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        runner.commit_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.committed_through == 3 and Person.objects.count() == 2
    # The operator resumes it (registry import --resume): only the rest is written.
    monkeypatch.setattr(runner, "_commit_chunk", real)
    assert runner.resume_job(job.pk) == "commit"
    job = runner.commit_job(job.pk)
    assert (
        job.status == JobStatus.DONE and (job.created, job.rejected) == (5, 0) and Person.objects.count() == 5
    )
