"""The province's side of the change feed: where the drain stands, the batches it has cut, and the
hub's quarantined records that concern it."""

from __future__ import annotations

from django.db import models


class FeedState(models.Model):
    """One row: the hub's last acknowledgement and the batch in flight (re-sent unchanged until acked)."""

    last_acked_seq = models.BigIntegerField(default=0)
    last_acked_digest = models.CharField(max_length=64, default="0" * 64)
    pending_first = models.BigIntegerField(null=True, blank=True)
    pending_last = models.BigIntegerField(null=True, blank=True)
    pending_digest = models.CharField(max_length=64, blank=True)
    # The batch's message without signature, SM4-GCM encrypted: the records hold full ID numbers.
    pending_body = models.BinaryField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_code = models.CharField(max_length=32, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    batches_sent = models.BigIntegerField(default=0)
    # When the hub last listed this province's quarantined records (HubConflict); None: never.
    conflicts_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "上报状态"

    def __str__(self) -> str:
        return f"acked {self.last_acked_seq}"


class SentBatch(models.Model):
    """Every batch cut, so a batch's prev_digest can be found after a rewind."""

    first_seq = models.BigIntegerField(unique=True)
    last_seq = models.BigIntegerField(db_index=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.first_seq}-{self.last_seq}"


class HubConflict(models.Model):
    """A record the hub quarantined that concerns this province, as the hub last listed it.

    A mirror, replaced whole on every poll: the hub decides what is open, the province only shows it.
    """

    class Code(models.TextChoices):
        OWNERSHIP = "OWNERSHIP_CONFLICT", "归属冲突"
        RECORD = "RECORD_CONFLICT", "数据冲突"

    class Role(models.TextChoices):
        HOLDER = "holder", "本省管理"
        REPORTER = "reporter", "本省报送"

    hub_id = models.BigIntegerField(unique=True)
    code = models.CharField(max_length=32, choices=Code.choices)
    role = models.CharField(max_length=16, choices=Role.choices)
    person_uid = models.UUIDField()
    person_version = models.PositiveIntegerField()
    archive_masked = models.CharField(max_length=40)
    name = models.CharField(max_length=50)
    reporter_code = models.CharField(max_length=12)
    reporter_name = models.CharField(max_length=100)
    holder_code = models.CharField(max_length=12, blank=True)
    holder_name = models.CharField(max_length=100, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-hub_id"]
        verbose_name = "归属冲突"

    def __str__(self) -> str:
        return f"{self.code} {self.person_uid}"

    @property
    def other_name(self) -> str:
        """The agency on the other side of the conflict."""
        return (self.reporter_name if self.role == self.Role.HOLDER else self.holder_name) or "—"
