"""Forms parse input only; the rules live in the services (through the standard)."""

from __future__ import annotations

from typing import Any

from django import forms

from registry.core.errors import DomainError
from registry.standard.codes import load_table

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(table: str) -> list[tuple[str, str]]:
    return [("", "请选择"), *load_table(table).choices()]


class QualificationForm(forms.Form):
    level = forms.ChoiceField(label="级别")
    title = forms.CharField(
        label="资格名称", max_length=50, required=False, help_text="可不填，按级别自动填写（如“会计师”）"
    )
    route = forms.ChoiceField(label="取得方式")
    obtained_on = forms.DateField(label="取得日期", widget=DATE)
    certificate_no = forms.CharField(label="证书编号或批文号", max_length=60)
    issuer = forms.CharField(label="发证机关", max_length=100, required=False)
    appointed_title = forms.CharField(label="聘任职务", max_length=50, required=False)
    appointed_on = forms.DateField(label="聘任日期", required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = _choices("qualification_level")  # type: ignore[attr-defined]
        self.fields["route"].choices = _choices("qualification_route")  # type: ignore[attr-defined]


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=500)


def attach_errors(form: forms.Form, exc: DomainError) -> None:
    """Each service error next to its field; anything else at the top of the form."""
    for error in exc.errors:
        name = error.field.split(".")[-1]
        if name in form.fields and not form.has_error(name):
            form.add_error(name, error.message)
        elif name not in form.fields:
            form.add_error(None, error.message)


class BatchForm(forms.Form):
    file = forms.FileField(
        label="登记文件（CSV）",
        allow_empty_file=True,  # the import says what is wrong with an empty file
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
