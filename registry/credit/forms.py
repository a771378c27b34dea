"""Forms of the credit pages. They only parse; the services check the rules (through the standard)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from registry.standard.codes import load_table

from .models import HonourLevel, Kind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class CreditForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=Kind.choices, widget=forms.RadioSelect)
    item = forms.CharField(label="奖励名称或失信行为", max_length=200)
    level = forms.ChoiceField(
        label="奖励级别（守信）",
        required=False,
        choices=[("", "（失信不填）"), *HonourLevel.choices],
        help_text="只登记市级及以上的表彰奖励",
    )
    decided_by = forms.CharField(label="授予单位或决定机关", max_length=100)
    decided_on = forms.DateField(label="决定日期", widget=DATE)
    effective_on = forms.DateField(label="生效日期", required=False, widget=DATE, help_text="不填为决定日期")
    document_no = forms.CharField(label="文号", max_length=60, required=False)
    penalty = forms.ChoiceField(label="处罚种类（失信）", required=False)
    basis = forms.CharField(label="处罚依据（失信）", max_length=200, required=False)
    criminal = forms.BooleanField(label="因与会计职务有关的违法行为被追究刑事责任", required=False)
    serious = forms.BooleanField(label="严重失信，列入黑名单", required=False)
    public_until = forms.DateField(
        label="公开期限",
        required=False,
        widget=DATE,
        help_text="失信信息必填；列入黑名单的不填则公开至黑名单期满（永久列入的长期公开）",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        penalty = cast(forms.ChoiceField, self.fields["penalty"])
        penalty.choices = [("", "（守信不填）"), *load_table("penalty_kind").choices()]

    def data_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.fields}


class EvidenceForm(forms.Form):
    """The proofs are read from request.FILES by the view; this only draws the input."""

    evidence = forms.FileField(
        label="证明材料",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class ObjectionForm(forms.Form):
    reason = forms.CharField(label="异议理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class QueryForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    archive_no = forms.CharField(
        label="证件号码（档案号）",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
