"""继续教育: the per-person ledger of entries, batch uploads, and each province's configuration."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.core.workflow import transitions
from registry.orgs.models import Agency
from registry.people.models import Person


class Route(models.TextChoices):
    """The ce_route code table: who registered the entry."""

    AGENCY = "agency", "会计管理机构登记"
    BATCH = "batch", "单位或机构批量报送"
    SELF = "self", "本人申报"


class EntryStatus(models.TextChoices):
    APPROVED = "approved", "已登记"
    PENDING = "pending", "待审核"
    RETURNED = "returned", "已退回"


# A self-report is reviewed by a reviewer of the person's agency; agency and batch entries are
# approved when they are registered.
TRANSITIONS = transitions(
    [
        ("pending", "approve", "approved", "reviewer"),
        ("pending", "return", "returned", "reviewer"),
    ]
)
# A returned self-report stays for the record and no longer blocks the same activity.
LIVE_STATES = (EntryStatus.APPROVED, EntryStatus.PENDING)


class Batch(models.Model):
    """One uploaded batch file and what became of its rows."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField("文件名", max_length=100, blank=True)
    sha = models.CharField("SM3", max_length=64)
    rows = models.PositiveIntegerField("数据行数", default=0)
    created = models.PositiveIntegerField("新登记", default=0)
    unchanged = models.PositiveIntegerField("已登记过", default=0)
    rejected = models.PositiveIntegerField("未通过", default=0)
    # [{"row": 3, "column": "证件号码", "code": "...", "message": "..."}] — no personal data.
    errors = models.JSONField("错误", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "继续教育批量报送"

    def __str__(self) -> str:
        return f"{self.file_name} {self.created_at:%Y-%m-%d %H:%M}"


class Entry(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ce_entries")
    year = models.PositiveSmallIntegerField("年度")
    held_on = models.DateField("日期")
    form = models.CharField("形式", max_length=2)
    subject = models.CharField("科目类别", max_length=1)
    credits = models.DecimalField("学分", max_digits=4, decimal_places=1)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, null=True, blank=True)
    days = models.DecimalField("天数", max_digits=4, decimal_places=1, null=True, blank=True)
    role = models.CharField("本人角色", max_length=8, blank=True)
    title = models.CharField("项目名称", max_length=100, blank=True)
    provider = models.CharField("举办单位", max_length=100, blank=True)
    route = models.CharField("登记方式", max_length=8, choices=Route.choices)
    status = models.CharField("状态", max_length=10, choices=EntryStatus.choices)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)
    # The proof is a document of the person (documents know owners only by uid): no foreign key.
    proof_uid = models.UUIDField("证明材料", null=True, blank=True)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    return_reason = models.TextField("退回原因", blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "继续教育学分"
        constraints = [
            # The natural key: one activity is registered once, by whichever route comes first;
            # a re-uploaded batch row finds it and changes nothing.
            models.UniqueConstraint(
                fields=["person", "held_on", "form", "subject", "credits", "provider"],
                condition=Q(status__in=LIVE_STATES),
                name="ce_entry_natural_key",
            ),
            models.CheckConstraint(
                condition=Q(credits__gt=0, credits__lte=90), name="ce_entry_credits_range"
            ),
        ]
        indexes = [
            # Totals per person and year, and the compliance subqueries, read approved rows by person.
            models.Index(fields=["person", "status", "year"], name="ce_entry_person_year"),
            # The review list reads pending rows oldest first.
            models.Index(fields=["status", "registered_at", "id"], name="ce_entry_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.form} {self.credits}"


class Settings(models.Model):
    """A provincial body's configuration (one row per body; defaults until someone saves)."""

    agency = models.OneToOneField(
        Agency, verbose_name="省级会计管理机构", on_delete=models.PROTECT, related_name="ce_settings"
    )
    # Per configurable form: {"1": {"unit": "day", "credits": "10"}, "9": {"unit": "declared"}, ...}
    conversions = models.JSONField("学时折算", default=dict)
    close_month = models.PositiveSmallIntegerField("补登截止月", default=3)
    close_day = models.PositiveSmallIntegerField("补登截止日", default=31)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "继续教育设置"

    def __str__(self) -> str:
        return f"继续教育设置 {self.agency_id}"
