"""Forms of the change pages. The record's own forms come from the collection portal; the standard
(through the services) is the only judge of the values."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory

from registry.documents.forms import ProofFilesField
from registry.documents.models import Kind
from registry.standard.masking import mask_archive_no

from .models import Group
from .services import REASON_MAX
from .shared import (
    DATE,
    BasicForm,
    EducationForm,
    RegisterForm,
    StudentForm,
    WorkForm,
    code_choices,
    region_choices,
)


class DeletableRows(BaseFormSet):  # type: ignore[type-arg]
    """The portal's row forms, deletable here: a wrong row can be taken out by a reviewed change."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "删除此条"


EducationChangeSet = formset_factory(
    EducationForm, formset=DeletableRows, extra=0, min_num=1, max_num=8, validate_min=True, can_delete=True
)
WorkChangeSet = formset_factory(
    WorkForm, formset=DeletableRows, extra=0, min_num=1, max_num=20, validate_min=True, can_delete=True
)


class IdentityChangeForm(forms.Form):
    """基础信息: the standard's identity items (sex and birth date follow a number that carries them)."""

    document_type = RegisterForm.base_fields["document_type"]
    archive_no = forms.CharField(label="证件号码", max_length=40, required=False)
    nationality = forms.ChoiceField(label="国籍/地区", required=False)
    name = forms.CharField(label="姓名", max_length=50)
    sex = forms.ChoiceField(label="性别", required=False, help_text="居民身份证等证件由号码自动得出")
    birth_date = forms.DateField(
        label="出生日期", required=False, widget=DATE, help_text="居民身份证等证件由号码自动得出"
    )
    ethnicity = BasicForm.base_fields["ethnicity"]
    political_status = BasicForm.base_fields["political_status"]
    mobile = forms.CharField(label="手机号", max_length=11, required=False)
    email = BasicForm.base_fields["email"]
    address = BasicForm.base_fields["address"]
    residence_region = forms.ChoiceField(label="户籍或居住地", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The number is never written into the page: blank keeps it, the hint shows it masked.
        initial = dict(kwargs.pop("initial", None) or {})
        self.kept_archive_no = initial.pop("archive_no", None)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        if self.kept_archive_no:
            masked = mask_archive_no(self.kept_archive_no)
            self.fields["archive_no"].help_text = f"当前为 {masked}；无需更改请留空，更正时填写完整号码"
        self.fields["nationality"].choices = code_choices("country", "（不适用）")  # type: ignore[attr-defined]
        self.fields["sex"].choices = code_choices("sex", "（按证件号码）")  # type: ignore[attr-defined]
        self.fields["ethnicity"].choices = code_choices("ethnicity")  # type: ignore[attr-defined]
        self.fields["political_status"].choices = code_choices("political_status")  # type: ignore[attr-defined]
        self.fields["residence_region"].choices = region_choices()  # type: ignore[attr-defined]


class RequestForm(forms.Form):
    """The reason and the proof that go with every proposal."""

    reason = forms.CharField(
        label="变更理由",
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="请说明变更原因，例如“身份证号码录入错误”“取得新学历”",
    )
    evidence = ProofFilesField(kind=Kind.CHANGE, label="证明材料", required=False)


class DecisionForm(forms.Form):
    reason = forms.CharField(label="审核意见", max_length=REASON_MAX, required=False, widget=forms.Textarea)


def group_form(group: str, data: Any = None, initial: Any = None) -> Any:
    """The form (or formset) of a group, filled with `initial` (the group's value in the standard's form)."""
    if group == Group.IDENTITY:
        return IdentityChangeForm(data, initial=initial or {})
    if group == Group.EDUCATION:
        return EducationChangeSet(data, initial=initial or [], prefix="edu")
    if group == Group.WORK:
        return WorkChangeSet(data, initial=initial or [], prefix="work")
    return StudentForm(data, initial=initial or {}, prefix="stu")


def _blank_to_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if v == "" else v) for k, v in values.items()}


def proposed_value(group: str, form: Any) -> Any:
    """The cleaned form as the group's new value (the service normalises it through the standard)."""
    if group in (Group.EDUCATION, Group.WORK):
        rows, kept = [], []
        for i, row in enumerate(form.forms):
            data = dict(row.cleaned_data)
            if not data or data.pop("DELETE", False):
                continue
            rows.append(_blank_to_none(data))
            kept.append(i)
        form.kept_rows = kept  # row k of the proposal is form row kept[k] (errors are placed there)
        return rows
    data = _blank_to_none(dict(form.cleaned_data))
    if group == Group.IDENTITY:
        # Empty sex or birth date: the number decides (the service drops them when it carries them).
        out = {k: v for k, v in data.items() if not (k in ("sex", "birth_date") and v is None)}
        if out.get("archive_no") is None:
            out["archive_no"] = form.kept_archive_no
        return out
    return data
