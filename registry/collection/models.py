"""信息采集: one collection (application) per person at a time, reviewed by the 属地 agency."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from registry.core.workflow import transitions
from registry.orgs.models import Agency
from registry.people.models import Person


class CollectionStatus(models.TextChoices):
    DRAFT = "draft", "填写中"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"


OPEN_STATES = (CollectionStatus.DRAFT, CollectionStatus.SUBMITTED, CollectionStatus.RETURNED)

# (state, action) → state, and who may act: the person (owner) or a reviewer of the holding agency.
TRANSITIONS = transitions(
    [
        ("draft", "submit", "submitted", "owner"),
        ("returned", "submit", "submitted", "owner"),
        ("submitted", "approve", "approved", "reviewer"),
        ("submitted", "return", "returned", "reviewer"),
        ("submitted", "reassign", "submitted", "reviewer"),
    ]
)


class Collection(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="collections")
    status = models.CharField(
        "状态", max_length=16, choices=CollectionStatus.choices, default=CollectionStatus.DRAFT
    )
    agency = models.ForeignKey(
        Agency, verbose_name="审核机构", on_delete=models.PROTECT, related_name="collections"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    deadline = models.DateField("审核期限", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    # Field group → the reviewer's reason, shown to the person next to that part of the form.
    return_reasons = models.JSONField("退回原因", default=dict, blank=True)
    submissions = models.PositiveSmallIntegerField("提交次数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信息采集"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status__in=OPEN_STATES), name="one_open_collection_per_person"
            )
        ]
        indexes = [
            # The queue reads submitted rows oldest first and stops at a page: an index in that order
            # serves every scope (the agency filter is applied while walking it).
            models.Index(fields=["status", "submitted_at", "id"], name="collection_queue"),
            models.Index(fields=["status", "deadline"], name="collection_overdue"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"


class ResetCode(models.Model):
    """A password-reset code sent by email: stored hashed, short-lived, few attempts."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="reset_codes")
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reset code for {self.user_id}"
