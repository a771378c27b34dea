"""Models shared by every workflow: the decision log of state transitions."""

from __future__ import annotations

from django.db import models


class Decision(models.Model):
    """One applied transition: who moved what from which state to which, when and why."""

    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32)
    actor_id = models.BigIntegerField(null=True)
    actor_name = models.CharField(max_length=150, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="decision_object")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.from_state}→{self.to_state}"
