"""The national hub's own tables: agency credentials, the feed inbox and cursors, quarantine."""

from __future__ import annotations

from django.db import models

from registry.orgs.models import Agency


class AgencyKey(models.Model):
    """An HMAC-SM3 key shared with one provincial body. Several may be valid at once during rotation."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="hub_keys")
    key_id = models.CharField("密钥标识", max_length=64, unique=True)
    # The secret must be usable for HMAC, so it is kept encrypted (SM4-GCM), not hashed.
    secret_cipher = models.BinaryField()
    valid_from = models.DateTimeField("生效时间")
    valid_until = models.DateTimeField("失效时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["agency__code", "-valid_from"]
        verbose_name = "接口密钥"

    def __str__(self) -> str:
        return self.key_id


class FeedCursor(models.Model):
    """How far the hub has applied one agency's change feed."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="hub_cursor")
    last_applied_seq = models.BigIntegerField(default=0)
    last_digest = models.CharField(max_length=64, default="0" * 64)
    events_applied = models.BigIntegerField(default=0)
    events_stale = models.BigIntegerField(default=0)
    events_quarantined = models.BigIntegerField(default=0)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    last_applied_at = models.DateTimeField(null=True, blank=True)
    # Commit time (in the province) of the newest applied change: the freshness of the master copy.
    last_event_at = models.DateTimeField(null=True, blank=True)
    errors = models.BigIntegerField(default=0)
    conflicts = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "报送进度"

    def __str__(self) -> str:
        return f"{self.agency.code}@{self.last_applied_seq}"


class InboxBatch(models.Model):
    """A received change batch, kept so a re-send can be compared and out-of-order ones applied later."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="hub_batches")
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    prev_digest = models.CharField(max_length=64)
    # The batch's events with their records: SM4-GCM ciphertext (records hold full ID numbers).
    body = models.BinaryField()
    oldest_event_at = models.DateTimeField()
    received_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    # The seqs of this batch that this batch applied (a range; empty when an overlap applied them).
    applied_from = models.BigIntegerField(null=True, blank=True)
    applied_to = models.BigIntegerField(null=True, blank=True)
    resends = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "first_seq"], name="hub_inbox_agency_first")]
        indexes = [models.Index(fields=["agency", "applied_at", "first_seq"], name="hub_inbox_pending")]
        verbose_name = "收件批次"

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.first_seq}-{self.last_seq}"


class SeenNonce(models.Model):
    agency_code = models.CharField(max_length=12)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency_code", "nonce"], name="hub_nonce_unique")]

    def __str__(self) -> str:
        return self.nonce


class Incident(models.Model):
    """A rejected message or an alarm, for the freshness page and the operators."""

    agency_code = models.CharField(max_length=12, db_index=True)
    code = models.CharField(max_length=32)
    message = models.CharField(max_length=500)
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "接口异常"

    def __str__(self) -> str:
        return f"{self.code} {self.agency_code}"


class Quarantine(models.Model):
    """A record reported by an agency that does not own the person: kept aside, not applied."""

    reporter = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(Agency, null=True, on_delete=models.PROTECT, related_name="+")
    seq = models.BigIntegerField(null=True)
    person_uid = models.UUIDField()
    person_version = models.PositiveIntegerField()
    archive_index = models.CharField(max_length=64, db_index=True)
    archive_masked = models.CharField(max_length=40)
    name = models.CharField(max_length=50)
    code = models.CharField(max_length=32)
    record_cipher = models.BinaryField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "归属冲突"
        # Every province polls the open ones; resolved rows are kept and must not slow that down.
        indexes = [
            models.Index(
                fields=["-created_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="hub_quarantine_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.person_uid}"


class HubTransfer(models.Model):
    """One cross-province transfer as the hub routes it: the single record both provinces look at."""

    class Status(models.TextChoices):
        DEST_REVIEW = "dest_review", "调入地审核中"
        COMPLETED = "completed", "已调入"
        DEST_RETURNED = "dest_returned", "调入地退回"

    app_no = models.CharField(max_length=40, unique=True)
    person_uid = models.UUIDField(db_index=True)
    origin = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    dest = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    dest_agency_code = models.CharField(max_length=12)
    reason = models.CharField(max_length=16)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DEST_REVIEW)
    digest = models.CharField(max_length=64)
    # The package (record with full ID number, proofs): SM4-GCM ciphertext.
    package = models.BinaryField()
    name = models.CharField(max_length=50)
    archive_masked = models.CharField(max_length=40)
    received_at = models.DateTimeField()
    dest_due = models.DateTimeField()
    fetched_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    steps = models.JSONField(default=list)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "跨省调转"
        constraints = [
            models.UniqueConstraint(
                fields=["person_uid"], condition=models.Q(status="dest_review"), name="hub_one_open_transfer"
            )
        ]

    def __str__(self) -> str:
        return self.app_no
