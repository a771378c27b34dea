"""Portal and review forms. Choices come from the standard's code tables; validation of the
record itself happens in the services through the standard (nothing is checked twice here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory

from registry.orgs.models import Agency, Level
from registry.standard.codes import divisions, load_table

from .proofs import RETURN_FIELDS
from .routing import home_body

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def code_choices(table: str, blank: str = "请选择") -> list[tuple[str, str]]:
    return [("", blank), *load_table(table).choices()]


def region_choices() -> list[Any]:
    """This province's counties grouped by city, then the other provinces (routing tells those
    people where to go instead)."""
    body = home_body()
    table = divisions()
    groups: list[Any] = [("", "请选择所在地")]
    cities = Agency.objects.filter(parent=body).order_by("code")
    for city in cities:
        counties = list(Agency.objects.filter(parent=city).order_by("code"))
        if city.level == Level.COUNTY or not counties:
            groups.append((city.division_code, city.short_name))
        else:
            groups.append((city.short_name, [(c.division_code, c.short_name) for c in counties]))
    others = [(p.code, p.name) for p in table.provinces() if p.code != body.division_code]
    groups.append(("其他省份", others))
    return groups


class RegisterForm(forms.Form):
    document_type = forms.ChoiceField(
        label="证件类型",
        choices=[
            ("resident_id", "居民身份证"),
            ("hmt_residence_permit", "港澳台居民居住证"),
            ("foreign_permanent_residence", "外国人永久居留身份证"),
            ("passport", "护照（外籍人员）"),
        ],
    )
    archive_no = forms.CharField(label="证件号码", max_length=40, help_text="证件号码即会计人员档案号")
    nationality = forms.ChoiceField(
        label="国籍", required=False, help_text="持护照或外国人永久居留身份证者填写"
    )
    name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(
        label="手机号", max_length=11, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    email = forms.EmailField(label="电子邮箱", help_text="用于找回密码")
    password = forms.CharField(
        label="设置密码", widget=forms.PasswordInput, help_text="至少 10 位，不能全为数字"
    )
    password2 = forms.CharField(label="确认密码", widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = code_choices("country", "（不适用）")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class ResetRequestForm(forms.Form):
    login = forms.CharField(label="证件号码或手机号", max_length=40)


class ResetConfirmForm(forms.Form):
    login = forms.CharField(label="证件号码或手机号", max_length=40)
    code = forms.CharField(
        label="邮件验证码", max_length=6, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    password = forms.CharField(label="新密码", widget=forms.PasswordInput)


class BasicForm(forms.Form):
    category = forms.ChoiceField(label="人员类别", widget=forms.RadioSelect)
    ethnicity = forms.ChoiceField(label="民族", required=False)
    political_status = forms.ChoiceField(label="政治面貌", required=False)
    email = forms.CharField(label="电子邮箱", required=False, max_length=254)
    address = forms.CharField(label="通讯地址", required=False, max_length=200)
    residence_region = forms.ChoiceField(
        label="户籍或居住地", required=False, help_text="“其他”人员据此确定审核机构"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = load_table("person_category").choices()  # type: ignore[attr-defined]
        self.fields["ethnicity"].choices = code_choices("ethnicity")  # type: ignore[attr-defined]
        self.fields["political_status"].choices = code_choices("political_status")  # type: ignore[attr-defined]
        self.fields["residence_region"].choices = region_choices()  # type: ignore[attr-defined]


class EducationForm(forms.Form):
    mode = forms.ChoiceField(label="培养方式")
    school = forms.CharField(label="学校", max_length=100)
    education = forms.ChoiceField(label="学历")
    degree = forms.ChoiceField(label="学位", required=False)
    major = forms.CharField(label="专业", max_length=100, required=False)
    start_date = forms.DateField(label="入学日期", required=False, widget=DATE)
    end_date = forms.DateField(label="毕业日期", required=False, widget=DATE)
    diploma_no = forms.CharField(label="学历证书号", max_length=40, required=False)
    degree_cert_no = forms.CharField(label="学位证书号", max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = code_choices("training_mode")  # type: ignore[attr-defined]
        self.fields["education"].choices = code_choices("education")  # type: ignore[attr-defined]
        self.fields["degree"].choices = code_choices("degree", "无")  # type: ignore[attr-defined]


class WorkForm(forms.Form):
    unit_name = forms.CharField(label="单位名称", max_length=100)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=24, required=False)
    unit_region = forms.ChoiceField(label="单位所在地")
    unit_nature = forms.ChoiceField(label="单位性质", required=False)
    industry = forms.ChoiceField(label="所属行业", required=False)
    start_date = forms.DateField(label="起始日期", widget=DATE)
    end_date = forms.DateField(
        label="截止日期", required=False, widget=DATE, help_text="仍在职请留空（至今）"
    )
    is_accounting = forms.BooleanField(label="从事会计工作", required=False, initial=True)
    post = forms.ChoiceField(label="会计岗位", required=False)
    position = forms.CharField(label="会计职务", max_length=50, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_region"].choices = region_choices()  # type: ignore[attr-defined]
        self.fields["unit_nature"].choices = code_choices("unit_nature")  # type: ignore[attr-defined]
        self.fields["industry"].choices = code_choices("industry")  # type: ignore[attr-defined]
        self.fields["post"].choices = code_choices("accounting_post")  # type: ignore[attr-defined]


class StudentForm(forms.Form):
    school = forms.CharField(label="学校", max_length=100)
    school_region = forms.ChoiceField(label="学籍所在地")
    expected_graduation = forms.DateField(label="预计毕业", required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_region"].choices = region_choices()  # type: ignore[attr-defined]


EducationFormSet = formset_factory(EducationForm, extra=0, min_num=1, max_num=8, validate_min=True)
WorkFormSet = formset_factory(WorkForm, extra=0, min_num=1, max_num=20, validate_min=True)


class ReturnForm(forms.Form):
    """One optional reason per part of the form; at least one must be given (the service checks)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in RETURN_FIELDS.items():
            self.fields[f"reason__{key}"] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "无问题请留空"}),
            )

    def reasons(self) -> dict[str, str]:
        return {k.removeprefix("reason__"): v for k, v in self.cleaned_data.items() if v}


class ReassignForm(forms.Form):
    agency = forms.ChoiceField(label="转至机构")
    note = forms.CharField(label="转办原因", max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = home_body()
        agencies = Agency.objects.filter(path__startswith=body.path, level__in=[Level.CITY, Level.COUNTY])
        self.fields["agency"].choices = [("", "请选择")] + [  # type: ignore[attr-defined]
            (a.code, a.name) for a in agencies.order_by("path")
        ]


class WalkInForm(forms.Form):
    """The counter: identity and category; education and work come from their own forms."""

    agency = forms.ChoiceField(label="管理机构")
    document_type = RegisterForm.base_fields["document_type"]
    archive_no = forms.CharField(label="证件号码", max_length=40)
    nationality = forms.ChoiceField(label="国籍", required=False)
    name = forms.CharField(label="姓名", max_length=50)
    mobile = forms.CharField(label="手机号", max_length=11, required=False)
    category = forms.ChoiceField(label="人员类别")
    ethnicity = forms.ChoiceField(label="民族", required=False)
    residence_region = forms.ChoiceField(label="户籍或居住地", required=False)

    def __init__(self, *args: Any, agencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "请选择"), *agencies]  # type: ignore[attr-defined]
        self.fields["nationality"].choices = code_choices("country", "（不适用）")  # type: ignore[attr-defined]
        self.fields["category"].choices = load_table("person_category").choices()  # type: ignore[attr-defined]
        self.fields["ethnicity"].choices = code_choices("ethnicity")  # type: ignore[attr-defined]
        self.fields["residence_region"].choices = region_choices()  # type: ignore[attr-defined]
