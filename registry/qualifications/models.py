"""专业技术资格: a person's accounting qualifications, entered by agencies or self-reported and reviewed."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from registry.core.workflow import transitions
from registry.people.models import Person


class Source(models.TextChoices):
    AGENCY = "agency", "机构录入"
    SELF = "self", "本人申报"


class QualificationStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已确认"
    RETURNED = "returned", "已退回"


# A returned self-report stays in the history but no longer holds its certificate number.
ACTIVE_STATES = (QualificationStatus.PENDING, QualificationStatus.APPROVED)
EXAM_ROUTE = "1"  # 考试: the certificate's 管理号 is unique nationally; other routes may share a 批文号

# Self-reports are reviewed by a reviewer of the person's agency; agency entries are approved on entry.
TRANSITIONS = transitions(
    [
        ("pending", "approve", "approved", "reviewer"),
        ("pending", "return", "returned", "reviewer"),
    ]
)


class Qualification(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="qualifications")
    level = models.CharField("级别", max_length=1)
    title = models.CharField("资格名称", max_length=50)
    route = models.CharField("取得方式", max_length=1)
    obtained_on = models.DateField("取得日期")
    certificate_no = models.CharField("证书编号或批文号", max_length=60)
    issuer = models.CharField("发证机关", max_length=100, blank=True)
    appointed_title = models.CharField("聘任职务", max_length=50, blank=True)
    appointed_on = models.DateField("聘任日期", null=True, blank=True)
    source = models.CharField("来源", max_length=8, choices=Source.choices)
    status = models.CharField("状态", max_length=10, choices=QualificationStatus.choices)
    # The proof is a document of the person (documents know owners only by uid): no foreign key.
    proof_uid = models.UUIDField("证明材料", null=True, blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        verbose_name = "专业技术资格"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "certificate_no"],
                condition=Q(status__in=ACTIVE_STATES),
                name="qualification_person_certificate",
            ),
            models.UniqueConstraint(
                fields=["certificate_no"],
                condition=Q(status__in=ACTIVE_STATES, route=EXAM_ROUTE),
                name="qualification_exam_certificate",
            ),
        ]
        indexes = [
            # The list filter asks "has an approved one at these levels" per person.
            models.Index(fields=["person", "status", "level"], name="qualification_person_level"),
            # The review list reads pending rows oldest first.
            models.Index(fields=["status", "created_at", "id"], name="qualification_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.certificate_no}"
