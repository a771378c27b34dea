"""The Person aggregate: identity and 采集 items, education and work history."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from registry.orgs.models import Agency


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审核"
    COLLECTED = "collected", "已采集"
    TRANSFERRED_OUT = "transferred_out", "已调出"
    CANCELLED = "cancelled", "注销"


class Person(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The archive number (= ID number) exists only encrypted; the blind index finds and dedupes it.
    archive_cipher = models.BinaryField()
    archive_index = models.CharField(max_length=64)
    archive_masked = models.CharField("证件号码", max_length=40)
    document_type = models.CharField("证件类型", max_length=32)
    nationality = models.CharField("国籍/地区", max_length=3, default="CHN")
    name = models.CharField("姓名", max_length=50, db_index=True)
    sex = models.CharField("性别", max_length=1)
    birth_date = models.DateField("出生日期", db_index=True)
    region_code = models.CharField("证件地区", max_length=6, blank=True)
    ethnicity = models.CharField("民族", max_length=2, blank=True)
    political_status = models.CharField("政治面貌", max_length=2, blank=True)
    mobile = models.CharField("手机号", max_length=20, blank=True)
    email = models.CharField("电子邮箱", max_length=254, blank=True)
    address = models.CharField("通讯地址", max_length=200, blank=True)
    residence_region = models.CharField("户籍或居住地", max_length=6, blank=True)
    category = models.CharField("人员类别", max_length=1)
    # No index of its own: the (agency, status, id) and (agency, id) indexes lead with it.
    agency = models.ForeignKey(
        Agency, verbose_name="管理机构", on_delete=models.PROTECT, related_name="people", db_index=False
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Derived from the education rows, kept for filters and statistics.
    highest_education = models.CharField("最高学历", max_length=2, blank=True)
    student_school = models.CharField("学校", max_length=100, blank=True)
    student_region = models.CharField("学籍所在地", max_length=6, blank=True)
    student_expected_graduation = models.DateField("预计毕业", null=True, blank=True)
    pledge_version = models.CharField("承诺函版本", max_length=20, blank=True)
    pledge_accepted_at = models.DateTimeField("承诺函确认时间", null=True, blank=True)
    pledge_address = models.GenericIPAddressField("确认地址", null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    version = models.PositiveIntegerField("版本", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    collected_at = models.DateTimeField("采集完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "会计人员"
        # A constraint, not unique=True: PostgreSQL then builds no LIKE index for an HMAC value.
        constraints = [models.UniqueConstraint(fields=["archive_index"], name="person_archive_index_unique")]
        indexes = [
            models.Index(fields=["agency", "status", "id"], name="person_agency_status"),
            models.Index(fields=["agency", "id"], name="person_agency_id"),
            models.Index(fields=["status", "id"], name="person_status_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.archive_masked}）"


class Education(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="educations")
    position = models.PositiveSmallIntegerField(default=0)
    mode = models.CharField("培养方式", max_length=1)
    school = models.CharField("学校", max_length=100)
    education = models.CharField("学历", max_length=2)
    degree = models.CharField("学位", max_length=4, blank=True)
    major = models.CharField("专业", max_length=100, blank=True)
    start_date = models.DateField("入学日期", null=True, blank=True)
    end_date = models.DateField("毕业日期", null=True, blank=True)
    diploma_no = models.CharField("学历证书号", max_length=40, blank=True)
    degree_cert_no = models.CharField("学位证书号", max_length=40, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.school


class Work(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="works")
    position = models.PositiveSmallIntegerField(default=0)
    start_date = models.DateField("起始日期")
    end_date = models.DateField("截止日期", null=True, blank=True)
    unit_name = models.CharField("单位名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    unit_nature = models.CharField("单位性质", max_length=4, blank=True)
    industry = models.CharField("所属行业", max_length=1, blank=True)
    unit_region = models.CharField("单位所在地", max_length=6, blank=True)
    is_accounting = models.BooleanField("从事会计工作", default=True)
    post = models.CharField("会计岗位", max_length=4, blank=True)
    position_title = models.CharField("会计职务", max_length=50, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.unit_name
