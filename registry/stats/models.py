"""Statistics kept in step with every person write, saved queries, and export jobs.

`PersonFacts` holds each person's current values of the charted dimensions; `Cell` holds, for
every agency and each of its ancestors, how many people have a (dimension, value) in a status.
A write moves a person's facts and adds the difference to the cells in the same transaction.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from registry.core.workflow import transitions
from registry.orgs.models import Agency
from registry.people.models import Person

# Continuing-education compliance is kept from this year on (财会〔2018〕10号 took effect 2018-07-01).
CE_FIRST_YEAR = 2018


class PersonFacts(models.Model):
    """What the cells count of one person. Derived data: `registry stats rebuild` remakes it."""

    # No foreign-key constraints in the database on the statistics tables (ADR 0013, "Derived rows"):
    # the ORM keeps CASCADE and PROTECT, and `stats verify` finds rows whose person is gone.
    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    status = models.CharField(max_length=16)
    sex = models.CharField(max_length=1, blank=True)
    education = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=1, blank=True)
    # The date, not an age band: bands move with the calendar and are cut at read time.
    birth_date = models.DateField()
    qualification = models.CharField(max_length=1, default="0")  # highest approved level, "0" none
    collected_month = models.CharField(max_length=7, blank=True)  # YYYY-MM in the node's time zone
    talents = models.CharField(max_length=200, blank=True)  # programme codes in training or graduated
    credit = models.CharField(max_length=2, blank=True)  # "h" 守信, "d" 失信, both, or neither
    # Merged periods "start~end" (end empty: permanent), ";"-separated; read against today.
    blacklist = models.TextField(blank=True)
    bar = models.TextField(blank=True)
    # One letter a year from CE_FIRST_YEAR: m met, u required and not met, - not required. Years after
    # the last one hold no data of their own, so `ce_tail` (required from then on) answers for them.
    ce = models.CharField(max_length=120, blank=True)
    ce_tail = models.BooleanField(default=False)

    class Meta:
        verbose_name = "统计口径（人员）"

    def __str__(self) -> str:
        return f"facts of person {self.person_id}"


class Cell(models.Model):
    """How many people of an agency's subtree, in one status, have a dimension's value."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    dim = models.CharField(max_length=4)
    value = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "统计单元"
        # Column order serves the reads: one agency, a few dimensions, a value range (birth dates).
        constraints = [
            models.UniqueConstraint(fields=["agency", "dim", "value", "status"], name="stats_cell_key")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.dim}={self.value} [{self.status}] {self.n}"


class SavedQuery(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField("名称", max_length=60)
    params = models.JSONField("条件")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "常用查询"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="stats_saved_query_name")]

    def __str__(self) -> str:
        return self.name


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "Excel（xlsx）"
    CSV = "csv", "CSV"


class ExportStatus(models.TextChoices):
    AWAITING = "awaiting", "待审批"
    APPROVED = "approved", "待生成"
    RUNNING = "running", "生成中"
    READY = "ready", "可下载"
    DOWNLOADED = "downloaded", "已下载"
    REJECTED = "rejected", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"
    FAILED = "failed", "生成失败"
    EXPIRED = "expired", "已过期"


# GB/T 35273 §7.1: a large export of personal data is approved by a second person.
EXPORT_TRANSITIONS = transitions(
    [
        ("awaiting", "approve", "approved", "approver"),
        ("awaiting", "reject", "rejected", "approver"),
        ("awaiting", "withdraw", "withdrawn", "requester"),
        ("approved", "start", "running", "system"),
        ("approved", "prepare", "ready", "system"),  # CSV: streamed when downloaded, nothing to build
        ("running", "finish", "ready", "system"),
        ("running", "fail", "failed", "system"),
        ("ready", "download", "downloaded", "requester"),
        ("ready", "expire", "expired", "system"),
        ("awaiting", "expire", "expired", "system"),
    ]
)


class ExportJob(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    params = models.JSONField("查询条件")
    summary = models.CharField("条件摘要", max_length=500, blank=True)
    fmt = models.CharField("格式", max_length=4, choices=ExportFormat.choices)
    full_ids = models.BooleanField("含完整证件号码", default=False)
    # The agencies whose people the export covers: an approver must hold the permission over each.
    scope = models.JSONField("范围机构", default=list)
    # People added after the request are not exported: the approver approved what was counted.
    max_person_id = models.BigIntegerField(default=0)
    rows = models.PositiveIntegerField("行数", default=0)
    rows_done = models.PositiveIntegerField("已生成", default=0)
    status = models.CharField("状态", max_length=12, choices=ExportStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=200, blank=True)
    file_name = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "导出申请"
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"], name="stats_export_status")]

    def __str__(self) -> str:
        return f"{self.get_fmt_display()} {self.rows} 行"

    @property
    def progress(self) -> int:
        if self.status in (ExportStatus.READY, ExportStatus.DOWNLOADED):
            return 100
        return min(99, (100 * self.rows_done) // self.rows) if self.rows else 0
