"""The province's side of the change feed: where the drain stands, and the batches it has cut."""

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
