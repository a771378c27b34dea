"""信息变更: a person's reviewed request to change one group of their record.

The proposal and the group's value when proposed hold personal data (an identity proposal holds
the full archive number), so both are stored SM4-GCM encrypted, bound to the request's uid.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from registry.core.crypto import decrypt, encrypt
from registry.core.workflow import transitions
from registry.orgs.models import Agency
from registry.people.models import Person


class Group(models.TextChoices):
    IDENTITY = "identity", "基础信息"
    EDUCATION = "education", "学历信息"
    WORK = "work", "工作经历"
    STUDENT = "student", "学籍信息"


class ChangeStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "未通过"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATES = (ChangeStatus.SUBMITTED, ChangeStatus.RETURNED)

# (state, action) → state, and who may act: the person (owner) or a reviewer of the managing agency.
# A request is born submitted (its creation is logged as a "submit" decision from no state).
TRANSITIONS = transitions(
    [
        ("submitted", "approve", "approved", "reviewer"),
        ("submitted", "return", "returned", "reviewer"),
        ("submitted", "reject", "rejected", "reviewer"),
        ("returned", "resubmit", "submitted", "owner"),
        ("submitted", "withdraw", "withdrawn", "owner"),
        ("returned", "withdraw", "withdrawn", "owner"),
    ]
)


def _seal(uid: uuid.UUID, part: str, value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return encrypt(text.encode(), aad=f"change:{uid}:{part}".encode())


def _open(uid: uuid.UUID, part: str, blob: Any) -> Any:
    return json.loads(decrypt(bytes(blob), aad=f"change:{uid}:{part}".encode()))


class ChangeRequest(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="change_requests")
    group = models.CharField("变更内容", max_length=16, choices=Group.choices)
    # The new value of the group in the standard's form, and the group as it was when proposed.
    proposed_cipher = models.BinaryField()
    old_cipher = models.BinaryField()
    # Labels of the changed items ("姓名、证件号码"): lists and queues show them without decrypting.
    summary = models.CharField("变更项目", max_length=300)
    needs_proof = models.BooleanField("须提供证明", default=False)
    reason = models.TextField("变更理由")
    evidence = models.JSONField("证明材料", default=list, blank=True)  # document uids, oldest first
    status = models.CharField(
        "状态", max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.SUBMITTED
    )
    agency = models.ForeignKey(
        Agency, verbose_name="审核机构", on_delete=models.PROTECT, related_name="change_requests"
    )
    base_version = models.PositiveIntegerField("提出时的记录版本")
    submitted_at = models.DateTimeField("提交时间")
    deadline = models.DateField("审核期限")
    submissions = models.PositiveSmallIntegerField("提交次数", default=1)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField("审核意见", blank=True)
    applied_version = models.PositiveIntegerField("生效版本", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信息变更申请"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"],
                condition=Q(status__in=OPEN_STATES),
                name="one_open_change_per_person_group",
            )
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at", "id"], name="change_queue"),
            models.Index(fields=["status", "deadline"], name="change_overdue"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_group_display()} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def proposed(self) -> Any:
        return _open(self.uid, "proposed", self.proposed_cipher)

    @property
    def old(self) -> Any:
        return _open(self.uid, "old", self.old_cipher)

    def seal(self, *, proposed: Any, old: Any) -> None:
        self.proposed_cipher = _seal(self.uid, "proposed", proposed)
        self.old_cipher = _seal(self.uid, "old", old)
