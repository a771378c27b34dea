"""The person record of data standard v1 (会计人员信息表), as Pydantic models.

This is the one definition of a person's data items: forms, the API, imports,
exports, the change feed and transfer packages all validate through it. Field
descriptions are the table's Chinese item names; codes refer to the code tables
in `registry.standard.codes`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import SPEC_VERSION
from .codes import load_table
from .identity import DocumentType, check_identity
from .uscc import check_uscc

MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _code(table: str):  # type: ignore[no-untyped-def]
    """A validator that accepts only current codes of a code table."""

    def check(value: str | None) -> str | None:
        if value is not None and not load_table(table).contains(value):
            raise ValueError(f"代码 {value} 不在代码表「{load_table(table).title}」中")
        return value

    return check


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Identity(_Base):
    document_type: DocumentType = Field(description="证件类型")
    archive_no: str = Field(description="证件号码（档案号）", min_length=5, max_length=32)
    name: str = Field(description="姓名", min_length=1, max_length=50)
    sex: str = Field(description="性别（GB/T 2261.1）")
    birth_date: date = Field(description="出生日期")
    nationality: str = Field("CHN", description="国籍/地区（GB/T 2659 三字母码）")
    ethnicity: str | None = Field(None, description="民族（GB/T 3304）")
    political_status: str | None = Field(None, description="政治面貌（GB/T 4762）")
    mobile: str | None = Field(None, description="手机号")
    email: str | None = Field(None, description="电子邮箱", max_length=254)
    address: str | None = Field(None, description="通讯地址", max_length=200)
    residence_region: str | None = Field(None, description="户籍或居住地（GB/T 2260）")

    _sex = field_validator("sex")(_code("sex"))
    _nat = field_validator("nationality")(_code("country"))
    _eth = field_validator("ethnicity")(_code("ethnicity"))
    _pol = field_validator("political_status")(_code("political_status"))
    _res = field_validator("residence_region")(_code("division"))

    @field_validator("mobile")
    @classmethod
    def _mobile(cls, v: str | None) -> str | None:
        if v is not None and not MOBILE.match(v):
            raise ValueError("手机号应为 11 位数字，以 1 开头")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not EMAIL.match(v):
            raise ValueError("电子邮箱格式不正确")
        return v

    @model_validator(mode="after")
    def _agrees_with_document(self) -> Identity:
        nationality = None if self.document_type == DocumentType.RESIDENT_ID else self.nationality
        result = check_identity(self.document_type, self.archive_no, nationality)
        if not result.valid:
            raise ValueError("；".join(e.message for e in result.errors))
        if result.archive_no != self.archive_no:
            raise ValueError("证件号码应为规范形式（18 位、大写）")
        if result.birth_date is not None and result.birth_date != self.birth_date:
            raise ValueError("出生日期与证件号码不一致")
        if result.sex is not None and result.sex != self.sex:
            raise ValueError("性别与证件号码不一致")
        return self


class Education(_Base):
    mode: str = Field(description="培养方式（全日制/非全日制）")
    school: str = Field(description="学校", min_length=1, max_length=100)
    education: str = Field(description="学历（GB/T 4658）")
    degree: str | None = Field(None, description="学位（GB/T 6864）")
    major: str | None = Field(None, description="专业", max_length=100)
    start_date: date | None = Field(None, description="入学日期")
    end_date: date | None = Field(None, description="毕业日期")
    diploma_no: str | None = Field(None, description="学历证书号", max_length=40)
    degree_cert_no: str | None = Field(None, description="学位证书号", max_length=40)

    _mode = field_validator("mode")(_code("training_mode"))
    _edu = field_validator("education")(_code("education"))
    _deg = field_validator("degree")(_code("degree"))

    @model_validator(mode="after")
    def _dates(self) -> Education:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("毕业日期不能早于入学日期")
        return self


class Work(_Base):
    start_date: date = Field(description="起始日期")
    end_date: date | None = Field(None, description="截止日期（空为至今）")
    unit_name: str = Field(description="单位名称", min_length=1, max_length=100)
    credit_code: str | None = Field(None, description="统一社会信用代码（GB 32100）")
    unit_nature: str | None = Field(None, description="单位性质")
    industry: str | None = Field(None, description="所属行业（GB/T 4754 门类）")
    unit_region: str | None = Field(None, description="单位所在地（GB/T 2260）")
    is_accounting: bool = Field(True, description="是否从事会计工作")
    post: str | None = Field(None, description="会计岗位")
    position: str | None = Field(None, description="会计职务", max_length=50)

    _nature = field_validator("unit_nature")(_code("unit_nature"))
    _industry = field_validator("industry")(_code("industry"))
    _region = field_validator("unit_region")(_code("division"))
    _post = field_validator("post")(_code("accounting_post"))

    @field_validator("credit_code")
    @classmethod
    def _uscc(cls, v: str | None) -> str | None:
        if v is None:
            return v
        code, errors = check_uscc(v)
        if errors:
            raise ValueError("；".join(e.message for e in errors))
        return code

    @model_validator(mode="after")
    def _dates(self) -> Work:
        if self.end_date and self.end_date < self.start_date:
            raise ValueError("截止日期不能早于起始日期")
        return self


class Student(_Base):
    school: str = Field(description="学校", min_length=1, max_length=100)
    school_region: str = Field(description="学籍所在地（GB/T 2260）")
    expected_graduation: date | None = Field(None, description="预计毕业")

    _region = field_validator("school_region")(_code("division"))


class Collection(_Base):
    category: str = Field(description="人员类别")
    agency_code: str = Field(description="管理机构代码", min_length=6, max_length=12)
    status: str = Field(description="状态")
    pledge_version: str | None = Field(None, description="承诺函版本")
    pledge_accepted_at: datetime | None = Field(None, description="承诺函确认时间")
    collected_at: datetime | None = Field(None, description="采集完成时间")

    _cat = field_validator("category")(_code("person_category"))
    _status = field_validator("status")(_code("person_status"))


class Qualification(_Base):
    level: str = Field(description="级别")
    title: str = Field(description="资格名称", max_length=50)
    route: str = Field(description="取得方式")
    obtained_on: date = Field(description="取得日期")
    certificate_no: str | None = Field(None, description="证书编号或批文号", max_length=60)
    issuer: str | None = Field(None, description="发证机关", max_length=100)
    appointed_title: str | None = Field(None, description="聘任职务", max_length=50)
    appointed_on: date | None = Field(None, description="聘任日期")

    _level = field_validator("level")(_code("qualification_level"))
    _route = field_validator("route")(_code("qualification_route"))


class ContinuingEducationEntry(_Base):
    year: int = Field(ge=1990, le=2100, description="年度")
    held_on: date = Field(description="日期")
    form: str = Field(description="形式")
    subject: str = Field(description="科目类别（专业/公需）")
    credits: float = Field(gt=0, le=90, description="学分")
    provider: str | None = Field(None, description="举办单位", max_length=100)
    route: str = Field(description="登记方式")

    _form = field_validator("form")(_code("ce_form"))
    _subject = field_validator("subject")(_code("ce_subject"))
    _route = field_validator("route")(_code("ce_route"))


class ContinuingEducationYear(_Base):
    year: int = Field(ge=1990, le=2100, description="年度")
    required: bool = Field(description="是否须参加继续教育")
    total: float = Field(ge=0, description="学分合计")
    professional: float = Field(ge=0, description="专业科目学分")
    compliant: bool = Field(description="是否达标")
    entries: list[ContinuingEducationEntry] = Field(default_factory=list)


class Talent(_Base):
    programme: str = Field(description="项目")
    level: Literal["national", "provincial"] = Field(description="级别（国家/省）")
    cohort_year: int = Field(ge=1990, le=2100, description="入选年份")
    cohort: str | None = Field(None, description="期次", max_length=30)
    status: str = Field(description="状态（在培/已毕业/退出）")
    certificate_no: str | None = Field(None, description="证书号", max_length=60)

    _programme = field_validator("programme")(_code("talent_programme"))
    _status = field_validator("status")(_code("talent_status"))


class CreditEntry(_Base):
    kind: Literal["honour", "dishonour"] = Field(description="守信/失信")
    item: str = Field(description="奖励名称或失信行为", max_length=200)
    level: str | None = Field(None, description="奖励级别", max_length=30)
    decided_by: str = Field(description="授予单位或决定机关", max_length=100)
    decided_on: date = Field(description="决定日期")
    effective_on: date | None = Field(None, description="生效日期")
    document_no: str | None = Field(None, description="文号", max_length=60)
    penalty: str | None = Field(None, description="处罚种类")
    basis: str | None = Field(None, description="处罚依据", max_length=200)
    criminal: bool = Field(False, description="刑事处罚")
    blacklisted: bool = Field(False, description="列入黑名单（严重失信）")
    blacklisted_until: date | None = Field(None, description="黑名单期限至（最后一日）")
    blacklist_permanent: bool = Field(False, description="永久列入黑名单（刑事处罚）")
    barred_until: date | None = Field(None, description="禁止从事会计工作至（最后一日）")
    bar_permanent: bool = Field(False, description="终身禁止从事会计工作")
    public_until: date | None = Field(None, description="公开期限")
    status: str = Field("active", description="状态", max_length=20)

    _penalty = field_validator("penalty")(_code("penalty_kind"))


class PersonRecord(_Base):
    """One accountant's record in the standard's form (the snapshot in feeds and packages)."""

    spec_version: Literal["1.0.0"] = Field("1.0.0", description="数据标准版本")
    person_id: UUID = Field(description="记录标识（不透明）")
    version: int = Field(ge=0, description="记录版本，每次变更加一")
    identity: Identity
    collection: Collection
    education: list[Education] = Field(default_factory=list, description="学历信息")
    work: list[Work] = Field(default_factory=list, description="工作经历")
    student: Student | None = Field(None, description="在校学生信息")
    qualifications: list[Qualification] = Field(default_factory=list, description="专业技术资格")
    continuing_education: list[ContinuingEducationYear] = Field(default_factory=list, description="继续教育")
    talents: list[Talent] = Field(default_factory=list, description="高端会计人才")
    credit: list[CreditEntry] = Field(default_factory=list, description="信用信息")
    extensions: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="省级扩充项（与全国数据项分开）"
    )

    @model_validator(mode="after")
    def _complete_when_submitted(self) -> PersonRecord:
        if self.collection.status in {"draft"}:
            return self
        if not self.education:
            raise ValueError("至少应有一条学历信息")
        if self.collection.category == "1" and not self.work:
            raise ValueError("在职会计人员应填写工作经历")
        if self.collection.category == "2" and self.student is None:
            raise ValueError("在校学生应填写学籍信息")
        return self

    def highest_education(self, mode: str) -> Education | None:
        """Highest 全日制 ("1") or 非全日制 ("2") education: the table reports them separately."""
        table = load_table("education")
        rows = [e for e in self.education if e.mode == mode]
        return min(rows, key=lambda e: table.entries[e.education].rank or 99, default=None)


def record_json_schema() -> dict[str, Any]:
    schema = PersonRecord.model_json_schema()
    schema["$id"] = f"urn:registry:person-record:{SPEC_VERSION}"
    schema["title"] = "会计人员信息表 PersonRecord v" + SPEC_VERSION
    return schema
