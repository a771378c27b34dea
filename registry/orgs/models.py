"""The agency tree: national hub → 40 provincial bodies → city → county finance bureaus."""

from __future__ import annotations

from django.db import models


class Level(models.TextChoices):
    NATIONAL = "national", "全国"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class Agency(models.Model):
    code = models.CharField("机构代码", max_length=12, unique=True)
    name = models.CharField("机构名称", max_length=100)
    short_name = models.CharField("简称", max_length=50)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("/000000/440000/440100/") so a subtree is one indexed prefix scan.
    path = models.CharField(max_length=200, db_index=True)
    division_code = models.CharField("行政区划代码", max_length=6, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "会计管理机构"

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2
