"""高端会计人才: programmes (national and provincial) and the people selected into them."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from registry.core.workflow import transitions
from registry.people.models import Person


class ProgrammeLevel(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"


class Programme(models.Model):
    """The editable programme table, seeded from the standard's `talent_programme` code table.

    `code` is this node's own; `standard_code` is the code the snapshot reports (a code of the
    national table). Seeded rows have both equal; a programme a province adds reports the table's
    provincial code it falls under (P01 省级会计领军人才 or P02 省级高端会计人才（其他）)."""

    code = models.CharField("项目代码", max_length=16, unique=True)
    name = models.CharField("项目名称", max_length=100)
    level = models.CharField("级别", max_length=12, choices=ProgrammeLevel.choices)
    standard_code = models.CharField("上报代码", max_length=8)
    active = models.BooleanField("启用", default=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "高端会计人才项目"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class TalentStatus(models.TextChoices):
    """The codes of the standard's `talent_status` table."""

    TRAINING = "1", "在培"
    GRADUATED = "2", "已毕业"
    WITHDRAWN = "3", "退出"


# 在培 ends once, by graduating or withdrawing; the agency acts.
TRANSITIONS = transitions(
    [
        ("1", "graduate", "2", "agency"),
        ("1", "withdraw", "3", "agency"),
    ]
)
ACTION_FOR = {TalentStatus.GRADUATED.value: "graduate", TalentStatus.WITHDRAWN.value: "withdraw"}


class Talent(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="talents")
    programme = models.ForeignKey(
        Programme, verbose_name="项目", on_delete=models.PROTECT, related_name="talents"
    )
    cohort_year = models.PositiveSmallIntegerField("入选年份")
    cohort = models.CharField("期次", max_length=30, blank=True)
    status = models.CharField("状态", max_length=1, choices=TalentStatus.choices)
    certificate_no = models.CharField("证书号", max_length=60, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "高端会计人才"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme", "cohort_year"], name="talent_person_programme_year"
            ),
            models.UniqueConstraint(
                fields=["programme", "certificate_no"],
                condition=~Q(certificate_no=""),
                name="talent_programme_certificate",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="talent_person_status")]

    def __str__(self) -> str:
        return f"{self.programme} {self.cohort_year}"
