"""调转: one application, its state machine, and its decisions (registry.core.models.Decision rows)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from registry.core.workflow import transitions
from registry.orgs.models import Agency
from registry.people.models import Person


class Direction(models.TextChoices):
    OUT = "out", "跨省调出"
    IN = "in", "跨省调入"
    INTRA = "intra", "省内调转"


class Reason(models.TextChoices):
    WORK = "work", "工作单位变动"
    STUDY = "study", "学籍变动"
    HUKOU = "hukou", "户籍迁移"
    RESIDENCE = "residence", "居住地变动"


class TransferStatus(models.TextChoices):
    APPLIED = "applied", "调出地审核中"
    WITHDRAWN = "withdrawn", "已撤回"
    ORIGIN_RETURNED = "origin_returned", "调出地退回"
    CONFIRMED = "confirmed", "已确认转出，待全国平台转送"
    DEST_REVIEW = "dest_review", "调入地审核中"
    APPROVING = "approving", "调入地已同意，待全国平台确认"
    RETURNING = "returning", "调入地退回，待全国平台确认"
    COMPLETED = "completed", "已调入"
    DEST_RETURNED = "dest_returned", "调入地退回"


OPEN_STATES = [
    TransferStatus.APPLIED,
    TransferStatus.CONFIRMED,
    TransferStatus.DEST_REVIEW,
    TransferStatus.APPROVING,
    TransferStatus.RETURNING,
]
# The origin may not change the record from confirming out until the hub answers: the package the
# destination reviews must be the record it will own.
FROZEN_STATES = [TransferStatus.CONFIRMED, TransferStatus.DEST_REVIEW]

# (state, action, target, who). who: applicant | origin | dest | hub (the hub's answer, applied by the worker)
TRANSITIONS = transitions(
    [
        ("applied", "withdraw", "withdrawn", "applicant"),
        ("applied", "return", "origin_returned", "origin"),
        ("applied", "confirm", "confirmed", "origin"),  # across provinces
        ("applied", "confirm_intra", "dest_review", "origin"),
        ("confirmed", "routed", "dest_review", "hub"),
        ("confirmed", "hub_completed", "completed", "hub"),
        ("confirmed", "hub_returned", "dest_returned", "hub"),
        ("dest_review", "hub_completed", "completed", "hub"),
        ("dest_review", "hub_returned", "dest_returned", "hub"),
        ("dest_review", "approve", "approving", "dest"),  # across provinces: the hub decides the hand-off
        ("dest_review", "return", "returning", "dest"),
        ("dest_review", "approve_intra", "completed", "dest"),
        ("dest_review", "return_intra", "dest_returned", "dest"),
        ("approving", "hub_completed", "completed", "hub"),
        ("returning", "hub_returned", "dest_returned", "hub"),
    ]
)


class Transfer(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    app_no = models.CharField("申请编号", max_length=40, unique=True)
    direction = models.CharField("类型", max_length=8, choices=Direction.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    person_uid = models.UUIDField(db_index=True)
    person_name = models.CharField("姓名", max_length=50)
    archive_masked = models.CharField("证件号码", max_length=40)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Where the person is managed now (this node's agency for out/intra; the other province's for in).
    origin_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_code = models.CharField("调出机构代码", max_length=12)
    origin_name = models.CharField("调出机构", max_length=100)
    dest_body_code = models.CharField("调入省级机构", max_length=12)
    dest_agency_code = models.CharField("调入机构代码", max_length=12)
    dest_agency_name = models.CharField("调入机构", max_length=100)
    reason = models.CharField("调转原因", max_length=16, choices=Reason.choices)
    status = models.CharField(
        "状态", max_length=16, choices=TransferStatus.choices, default=TransferStatus.APPLIED
    )
    applied_at = models.DateTimeField("申请时间")
    origin_due = models.DateTimeField("调出地办理期限", null=True, blank=True)
    dest_due = models.DateTimeField("调入地办理期限", null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_reason = models.CharField("退回原因", max_length=500, blank=True)
    # Cross-province: the package (sent by the origin, received by the destination), SM4-GCM encrypted.
    package = models.BinaryField(null=True, blank=True)
    # The outbox seq of the confirm: the package goes to the hub only after the feed has delivered it.
    confirm_seq = models.BigIntegerField(null=True, blank=True)
    # A message this node still owes the hub (package or decision); cleared by the hub's answer.
    hub_pending = models.CharField(max_length=20, blank=True)
    hub_error = models.CharField(max_length=500, blank=True)
    hub_person_version = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-applied_at"]
        verbose_name = "调转申请"
        constraints = [
            models.UniqueConstraint(
                fields=["person_uid"],
                condition=models.Q(status__in=[str(s) for s in OPEN_STATES]),
                name="transfer_one_open_per_person",
            )
        ]
        indexes = [models.Index(fields=["status", "origin_due"], name="transfer_status_due")]

    def __str__(self) -> str:
        return self.app_no

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES
