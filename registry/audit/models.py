"""Append-only, hash-chained audit events, and the outbox of the change feed to the hub.

Both live here (below `people`) because every person write appends to both in
the same transaction; the `sync` app above drains the outbox (ADR 0003).
"""

from __future__ import annotations

from django.db import models


class Counter(models.Model):
    """Node-wide counters; the row is locked while a write takes the next value, so
    sequence numbers commit in order and without gaps."""

    name = models.CharField(primary_key=True, max_length=32)
    value = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, db_index=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = "审计事件"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class OutboxEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField()
    person_uid = models.UUIDField(db_index=True)
    person_version = models.PositiveIntegerField()
    kind = models.CharField(max_length=64)
    # The person's snapshot in the standard's form, SM4-GCM encrypted: it holds the full ID number.
    payload = models.BinaryField()
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = "上报队列"

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} v{self.person_version}"
