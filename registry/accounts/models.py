"""Users and their memberships (user, agency, role)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from registry.orgs.models import Agency

from .roles import Role


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True, db_index=True)

    class Meta:
        verbose_name = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=24, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique")]
        verbose_name = "岗位"

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency} ({self.get_role_display()})"
