"""信用信息: 守信 and 失信 records, their corrections, and the person's objections."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.core.workflow import transitions
from registry.orgs.models import Agency
from registry.people.models import Person

from . import clock


class Kind(models.TextChoices):
    HONOUR = "honour", "守信"
    DISHONOUR = "dishonour", "失信"


class HonourLevel(models.TextChoices):
    """Rewards count from city level up (财会〔2018〕9号); the value is what the standard carries."""

    CITY = "市级", "市级"
    PROVINCE = "省级", "省级"
    NATIONAL = "国家级", "国家级"


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    CORRECTED = "corrected", "已更正"
    SUPERSEDED = "superseded", "已被替代"
    EXPIRED = "expired", "公开期满"
    WITHDRAWN = "withdrawn", "已撤销"


# Shown to the public (within the public period) and open to objection.
IN_FORCE = (RecordStatus.ACTIVE, RecordStatus.CORRECTED)
# Count towards the blacklist and the bar: the end of the public period ends neither.
COUNTED = (RecordStatus.ACTIVE, RecordStatus.CORRECTED, RecordStatus.EXPIRED)

RECORD_TRANSITIONS = transitions(
    [
        ("active", "correct", "corrected", "agency"),
        ("corrected", "correct", "corrected", "agency"),
        ("active", "withdraw", "withdrawn", "agency"),
        ("corrected", "withdraw", "withdrawn", "agency"),
        ("active", "supersede", "superseded", "agency"),
        ("corrected", "supersede", "superseded", "agency"),
        ("active", "expire", "expired", "system"),
        ("corrected", "expire", "expired", "system"),
    ]
)


class CreditRecord(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credit_records")
    # The agency that entered the decision: it answers the person's objections.
    agency = models.ForeignKey(
        Agency, verbose_name="录入机构", on_delete=models.PROTECT, related_name="credit_records"
    )
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    item = models.CharField("奖励名称或失信行为", max_length=200)
    level = models.CharField("奖励级别", max_length=30, blank=True, choices=HonourLevel.choices)
    decided_by = models.CharField("授予单位或决定机关", max_length=100)
    decided_on = models.DateField("决定日期")
    effective_on = models.DateField("生效日期")
    document_no = models.CharField("文号", max_length=60, blank=True)
    penalty = models.CharField("处罚种类", max_length=2, blank=True)
    basis = models.CharField("处罚依据", max_length=200, blank=True)
    criminal = models.BooleanField("刑事处罚", default=False)
    serious = models.BooleanField("严重失信（列入黑名单）", default=False)
    blacklisted_until = models.DateField("黑名单至", null=True, blank=True)
    blacklist_permanent = models.BooleanField("永久列入黑名单", default=False)
    barred_until = models.DateField("禁止从事会计工作至", null=True, blank=True)
    bar_permanent = models.BooleanField("终身禁止从事会计工作", default=False)
    public_until = models.DateField("公开期限", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    # Document uids of every version's proofs: a correction adds, never removes.
    evidence = models.JSONField("证明材料", default=list, blank=True)
    entry_deadline = models.DateField("录入期限")
    late = models.BooleanField("逾期录入", default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField("录入时间", auto_now_add=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    revision = models.PositiveSmallIntegerField("版本", default=1)

    class Meta:
        verbose_name = "信用信息"
        ordering = ["-decided_on", "-id"]
        indexes = [
            models.Index(fields=["person", "status"], name="credit_person_status"),
            models.Index(fields=["status", "public_until"], name="credit_status_public"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item}"

    @property
    def blacklisted(self) -> bool:
        return self.serious

    def public_on(self, day: date) -> bool:
        return self.status in IN_FORCE and (self.public_until is None or day <= self.public_until)

    @property
    def public_today(self) -> bool:
        return self.public_on(clock.today())


class CreditRevision(models.Model):
    """The record's values after each version: number 1 is the decision as entered, kept for good."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveSmallIntegerField()
    values = models.JSONField()
    evidence = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    objection = models.ForeignKey(
        "CreditObjection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="credit_revision_unique")]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.number}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待处理"
    UPHELD = "upheld", "异议成立"
    REJECTED = "rejected", "异议不成立"
    WITHDRAWN = "withdrawn", "已撤回"


OBJECTION_TRANSITIONS = transitions(
    [
        ("open", "uphold", "upheld", "agency"),
        ("open", "reject", "rejected", "agency"),
        ("open", "withdraw", "withdrawn", "owner"),
    ]
)


class CreditObjection(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="objections")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="credit_objections")
    agency = models.ForeignKey(
        Agency, verbose_name="处理机构", on_delete=models.PROTECT, related_name="credit_objections"
    )
    status = models.CharField(
        "状态", max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    reason = models.TextField("异议理由")
    evidence = models.JSONField("证明材料", default=list, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField("提出时间", auto_now_add=True)
    deadline = models.DateField("处理期限")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decision_reason = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "信用信息异议"
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="open"), name="credit_one_open_objection"
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="credit_objection_due")]

    def __str__(self) -> str:
        return f"{self.record} {self.get_status_display()}"

    def overdue_on(self, day: date) -> bool:
        return self.status == ObjectionStatus.OPEN and day > self.deadline

    @property
    def overdue(self) -> bool:
        return self.overdue_on(clock.today())
