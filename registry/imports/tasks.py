"""The background task of an import job (django-tasks). Arguments are plain JSON (the job's id and
the phase), so any backend can carry them; the job row holds everything else, including the
progress the page polls."""

from __future__ import annotations

from django_tasks import task

from .runner import commit_job, validate_job

PHASES = {"validate": validate_job, "commit": commit_job}


@task()
def run_import_job(job_id: int, phase: str) -> dict[str, object]:
    job = PHASES[phase](job_id)
    return {"job": str(job.uid), "status": job.status}
