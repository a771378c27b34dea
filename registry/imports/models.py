"""Bulk import jobs: the uploaded file (encrypted), the dry run's plan per row, and the outcome."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from registry.orgs.models import Agency
from registry.people.models import Person


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队等待检查"
    VALIDATING = "validating", "正在检查"
    VALIDATED = "validated", "检查完成，待确认导入"
    COMMIT_QUEUED = "commit_queued", "排队等待导入"
    COMMITTING = "committing", "正在导入"
    DONE = "done", "导入完成"
    FAILED = "failed", "未能导入"


RUNNING = frozenset({JobStatus.QUEUED, JobStatus.VALIDATING, JobStatus.COMMIT_QUEUED, JobStatus.COMMITTING})


class Action(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "更新"
    UNCHANGED = "unchanged", "无变化"
    REJECTED = "rejected", "不予导入"


class ImportJob(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="import_jobs"
    )
    agency = models.ForeignKey(Agency, verbose_name="导入机构", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField("文件名", max_length=120)
    file_format = models.CharField("格式", max_length=8)
    file_size = models.PositiveIntegerField("大小")
    file_digest = models.CharField("SM3 摘要", max_length=64)
    # SM4-GCM ciphertext in file storage: the rows hold full ID numbers.
    storage_name = models.CharField(max_length=200)
    # The dry run's validated new records for the commit, encrypted like the upload (checked.py).
    checked_name = models.CharField(max_length=200, blank=True)
    status = models.CharField("状态", max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # What the dry run found would happen …
    planned_create = models.PositiveIntegerField(default=0)
    planned_update = models.PositiveIntegerField(default=0)
    planned_unchanged = models.PositiveIntegerField(default=0)
    planned_rejected = models.PositiveIntegerField(default=0)
    # … and what the commit did. Counted in the same transaction as each chunk's writes.
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Last row number whose chunk has committed: a resumed commit starts after it.
    committed_through = models.PositiveIntegerField(default=0)
    notes = models.JSONField("提示", default=list, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commit_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "批量导入任务"
        indexes = [
            models.Index(fields=["created_by", "-id"], name="import_job_owner"),
            models.Index(fields=["agency", "-id"], name="import_job_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def is_committed(self) -> bool:
        return self.status == JobStatus.DONE and self.commit_started_at is not None

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class ImportRow(models.Model):
    """A data row the dry run planned other than as a plain creation (update, unchanged, refused),
    or that the commit refused; a row of the file without one was a creation without remarks. No
    cell values are kept (they hold ID numbers): the error list re-reads the encrypted upload."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_no = models.PositiveIntegerField("行号")
    action = models.CharField("试导入结果", max_length=10, choices=Action.choices)
    # The commit's outcome where it differs from the plan (the record changed meanwhile).
    result = models.CharField("导入结果", max_length=10, choices=Action.choices, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(null=True, blank=True)
    archive_masked = models.CharField("证件号码", max_length=40, blank=True)
    issues = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "row_no"], name="import_row_unique")]
        indexes = [models.Index(fields=["job", "action", "row_no"], name="import_row_action")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_no} {self.action}"

    @property
    def final(self) -> str:
        return self.result or self.action
