"""The admin's item form, and the values form any page can include (staff tab, portal step)."""

from __future__ import annotations

from typing import Any

from django import forms

from registry.core.errors import DomainError
from registry.standard.codes import load_table

from .models import ExtensionItem, ItemType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ItemForm(forms.Form):
    key = forms.CharField(
        label="标识", max_length=40, help_text="小写字母开头，如 cpa_member_no；保存后不能修改"
    )
    label = forms.CharField(label="名称", max_length=50)
    type = forms.ChoiceField(label="类型", choices=ItemType.choices)
    codes = forms.CharField(
        label="代码表",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "1 是\n2 否"}),
        help_text="代码选择类填写，每行一个：代码 名称",
    )
    pattern = forms.CharField(
        label="格式（正则表达式）",
        required=False,
        max_length=200,
        help_text="格式文本类填写，整个值须完全符合，如 [A-Z]{2}\\d{6}",
    )
    pattern_hint = forms.CharField(
        label="格式说明", required=False, max_length=100, help_text="不符合时提示给填写人"
    )
    min_value = forms.CharField(label="最小值", required=False, max_length=30)
    max_value = forms.CharField(label="最大值", required=False, max_length=30)
    max_length = forms.IntegerField(label="最大长度", initial=100, min_value=1, max_value=500)
    required = forms.BooleanField(label="必填", required=False)
    categories = forms.MultipleChoiceField(
        label="适用人员类别",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选则适用于全部人员",
    )
    active = forms.BooleanField(label="启用", required=False, initial=True)
    order = forms.IntegerField(label="排序", initial=100, min_value=0, max_value=32767)
    help_text = forms.CharField(label="填写说明", required=False, max_length=200)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = load_table("person_category").choices()  # type: ignore[attr-defined]
        if editing:
            self.fields["key"].disabled = True

    @staticmethod
    def initial_for(item: ExtensionItem) -> dict[str, Any]:
        return {
            "key": item.key,
            "label": item.label,
            "type": item.type,
            "codes": "\n".join(f"{code} {name}" for code, name in item.codes),
            "pattern": item.pattern,
            "pattern_hint": item.pattern_hint,
            "min_value": "" if item.min_value is None else format(item.min_value.normalize(), "f"),
            "max_value": "" if item.max_value is None else format(item.max_value.normalize(), "f"),
            "max_length": item.max_length,
            "required": item.required,
            "categories": item.categories,
            "active": item.active,
            "order": item.order,
            "help_text": item.help_text,
        }

    def add_domain_errors(self, exc: DomainError) -> None:
        for e in exc.errors:
            field = e.field if e.field in self.fields else None
            self.add_error(field, e.message)


def _field(item: ExtensionItem) -> forms.Field:
    common: dict[str, Any] = {"label": item.label, "required": item.required, "help_text": item.help_text}
    if item.type == ItemType.DATE:
        return forms.DateField(widget=DATE, **common)
    if item.type == ItemType.BOOLEAN:
        return forms.ChoiceField(choices=[("", "未填"), ("true", "是"), ("false", "否")], **common)
    if item.type == ItemType.CHOICE:
        return forms.ChoiceField(choices=[("", "请选择"), *item.codes], **common)
    attrs = {"inputmode": "decimal" if item.type == ItemType.DECIMAL else "numeric"}
    if item.type in (ItemType.INTEGER, ItemType.DECIMAL):
        return forms.CharField(max_length=40, widget=forms.TextInput(attrs=attrs), **common)
    if item.type == ItemType.PATTERN and item.pattern_hint:
        common["help_text"] = "；".join(t for t in (item.help_text, f"格式：{item.pattern_hint}") if t)
    return forms.CharField(max_length=item.max_length, **common)


class ExtensionValuesForm(forms.Form):
    """One field per active item that applies to the person's category, named by the item's key.

    Use a prefix ("ext") when it shares a page with another form. The service is the judge of the
    values; its errors (`extensions.<key>`) are placed back with `add_domain_errors`."""

    def __init__(
        self, *args: Any, items: list[ExtensionItem], stored: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        stored = stored or {}
        kwargs.setdefault("initial", {item.key: stored.get(item.key, "") for item in items})
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[item.key] = _field(item)

    def values(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.fields}

    def add_domain_errors(self, exc: DomainError) -> None:
        for e in exc.errors:
            key = e.field.removeprefix("extensions.")
            if key in self.fields and not self.has_error(key):
                self.add_error(key, e.message)
            elif key not in self.fields:
                self.add_error(None, e.message)
