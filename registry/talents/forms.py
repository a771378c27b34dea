"""Forms parse input only; the rules live in the services (through the standard)."""

from __future__ import annotations

from typing import Any

from django import forms

from registry.core.errors import DomainError
from registry.standard.codes import load_table

from .models import ProgrammeLevel, TalentStatus
from .programmes import provincial_standard_codes
from .selectors import programmes


def programme_choices() -> list[Any]:
    """Active programmes grouped 国家级 / 省级 (a select with optgroups)."""
    groups: list[Any] = [("", "请选择")]
    for level, label in ProgrammeLevel.choices:
        options = [(p.code, p.name) for p in programmes() if p.level == level]
        if options:
            groups.append((label, options))
    return groups


class TalentForm(forms.Form):
    programme = forms.ChoiceField(label="项目")
    cohort_year = forms.IntegerField(
        label="入选年份",
        min_value=1990,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    cohort = forms.CharField(label="期次", max_length=30, required=False, help_text="如“第十期”")
    status = forms.ChoiceField(label="状态", initial=TalentStatus.TRAINING)
    certificate_no = forms.CharField(label="证书号", max_length=60, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = programme_choices()  # type: ignore[attr-defined]
        self.fields["status"].choices = load_table("talent_status").choices()  # type: ignore[attr-defined]


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="项目名称", max_length=100)
    standard_code = forms.ChoiceField(label="上报时归入", help_text="向全国系统上报时使用的项目代码")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "请选择"), *((c, f"{c} {n}") for c, n in provincial_standard_codes())]
        self.fields["standard_code"].choices = choices  # type: ignore[attr-defined]


def attach_errors(form: forms.Form, exc: DomainError) -> None:
    """Each service error next to its field; anything else at the top of the form."""
    for error in exc.errors:
        name = error.field.split(".")[-1]
        if name in form.fields and not form.has_error(name):
            form.add_error(name, error.message)
        elif name not in form.fields:
            form.add_error(None, error.message)
