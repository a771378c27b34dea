from __future__ import annotations

from typing import cast

from django import forms

from registry.standard.codes import load_table

from .hooks import FILTERS
from .models import Status
from .selectors import AGE_BANDS


def _choices(table: str) -> list[tuple[str, str]]:
    return [("", "全部"), *load_table(table).choices()]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="姓名或证件号码", required=False, max_length=32)
    agency = forms.ChoiceField(label="管理机构", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *Status.choices])
    sex = forms.ChoiceField(label="性别", required=False)
    education = forms.ChoiceField(label="最高学历", required=False)
    age_band = forms.ChoiceField(
        label="年龄段", required=False, choices=[("", "全部")] + [(k, k) for k in AGE_BANDS]
    )

    def __init__(self, *args: object, agencies: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["agency"]).choices = [("", "全部"), *agencies]
        cast(forms.ChoiceField, self.fields["sex"]).choices = [("", "全部"), ("1", "男"), ("2", "女")]
        cast(forms.ChoiceField, self.fields["education"]).choices = _choices("education")
        for key, extra in FILTERS.items():
            self.fields[key] = forms.ChoiceField(
                label=extra.label, required=False, choices=[("", "全部"), *extra.choices()]
            )
