"""省级扩充项: items a province adds to the national table, defined without code changes.

Values live here, apart from the national items, one row per person and item, as text; the
standard's snapshot carries them typed under `extensions` (see `values.typed`).
"""

from __future__ import annotations

from django.db import models

from registry.people.models import Person


class ItemType(models.TextChoices):
    TEXT = "text", "文本"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "小数"
    DATE = "date", "日期"
    BOOLEAN = "boolean", "是/否"
    CHOICE = "choice", "代码选择"
    PATTERN = "pattern", "格式文本（正则表达式）"


class ExtensionItem(models.Model):
    key = models.CharField("标识", max_length=40, unique=True)
    label = models.CharField("名称", max_length=50)
    type = models.CharField("类型", max_length=16, choices=ItemType.choices)
    codes = models.JSONField("代码表", default=list, blank=True)  # [[code, name], ...] in order
    pattern = models.CharField("格式（正则表达式）", max_length=200, blank=True)
    pattern_hint = models.CharField("格式说明", max_length=100, blank=True)
    min_value = models.DecimalField("最小值", max_digits=24, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField("最大值", max_digits=24, decimal_places=6, null=True, blank=True)
    max_length = models.PositiveSmallIntegerField("最大长度", default=100)
    required = models.BooleanField("必填", default=False)
    categories = models.JSONField("适用人员类别", default=list, blank=True)  # empty: every category
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=100)
    help_text = models.CharField("填写说明", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "省级扩充项"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.label}（{self.key}）"

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories

    @property
    def code_names(self) -> dict[str, str]:
        return {str(code): str(name) for code, name in self.codes}


class ExtensionValue(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="extension_values")
    item = models.ForeignKey(ExtensionItem, on_delete=models.PROTECT, related_name="values")
    value = models.TextField("值")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "省级扩充项取值"
        constraints = [
            models.UniqueConstraint(fields=["person", "item"], name="one_extension_value_per_person_item")
        ]

    def __str__(self) -> str:
        return f"{self.item.key}={self.value}"
