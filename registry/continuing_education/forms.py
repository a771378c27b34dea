"""Forms gather input; the services are the authority and their errors are put back on the fields."""

from __future__ import annotations

from typing import Any

from django import forms

from registry.core.errors import DomainError
from registry.documents.forms import ProofFilesField
from registry.standard.codes import load_table

from .rules import CONFIGURABLE, FIRST, OTHER_ROLE, UNIT_LABELS, CeRules, fmt, form_label
from .services import PROOF_KIND


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def _number(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=8,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class EntryForm(forms.Form):
    held_on = forms.DateField(
        label="日期", widget=DateInput(), help_text="结业、考试通过、会议、发表或出版的日期"
    )
    form = forms.ChoiceField(label="形式")
    subject = forms.ChoiceField(label="科目类别", widget=forms.RadioSelect)
    days = _number("天数", "面授培训、学术会议按天折算，可为半天 0.5")
    hours = _number("学时", "网络培训等按学时折算")
    role = forms.ChoiceField(
        label="本人角色",
        required=False,
        choices=[("", "—"), (FIRST, "主持人 / 独著或第一作者"), (OTHER_ROLE, "参与人 / 其他作者")],
        help_text="研究课题、论文、书籍须选择",
    )
    credits = _number("学分", "可不填：固定折算和按天、学时折算的，系统自动计算")
    provider = forms.CharField(label="举办单位", required=False, max_length=100)
    title = forms.CharField(
        label="项目名称", required=False, max_length=100, help_text="培训班、课程、课题、论文或书籍名称"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = [("", "请选择"), *load_table("ce_form").choices()]  # type: ignore[attr-defined]
        self.fields["subject"].choices = load_table("ce_subject").choices()  # type: ignore[attr-defined]

    def add_domain_errors(self, exc: DomainError) -> None:
        for error in exc.errors:
            name = error.field.split(".")[0]
            name = "proof" if name == "files" else name
            if name in self.fields and not self.has_error(name):
                self.add_error(name, error.message)
            elif name not in self.fields:
                self.add_error(None, error.message)


class SelfReportForm(EntryForm):
    proof = ProofFilesField(kind=PROOF_KIND, label="证明材料", required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class BatchForm(forms.Form):
    file = forms.FileField(
        label="报送文件（CSV）", widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"})
    )


class SettingsForm(forms.Form):
    close_month = forms.IntegerField(label="补登截止：次年 月", min_value=1, max_value=12)
    close_day = forms.IntegerField(label="日", min_value=1, max_value=31)

    def __init__(self, *args: Any, rules: CeRules, **kwargs: Any) -> None:
        initial: dict[str, Any] = {"close_month": rules.close_month, "close_day": rules.close_day}
        for form in CONFIGURABLE:
            conv = rules.conversions.get(form)
            initial[f"unit_{form}"] = conv.unit.value if conv else "declared"
            initial[f"credits_{form}"] = fmt(conv.credits) if conv and conv.unit != "declared" else ""
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.rows = []
        for form in CONFIGURABLE:
            unit = forms.ChoiceField(
                label="折算方式", choices=[(u.value, label) for u, label in UNIT_LABELS.items()]
            )
            rate = _number("每天或每学时学分")
            self.fields[f"unit_{form}"], self.fields[f"credits_{form}"] = unit, rate
            self.rows.append((form_label(form), self[f"unit_{form}"], self[f"credits_{form}"]))

    def data_for_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "conversions": {f: {"unit": d[f"unit_{f}"], "credits": d[f"credits_{f}"]} for f in CONFIGURABLE},
            "close_month": d["close_month"],
            "close_day": d["close_day"],
        }

    def add_domain_errors(self, exc: DomainError) -> None:
        for error in exc.errors:
            parts = error.field.split(".")
            name = f"{parts[2]}_{parts[1]}" if parts[0] == "conversions" and len(parts) == 3 else "close_day"
            self.add_error(name if name in self.fields else None, error.message)
