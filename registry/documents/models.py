"""Uploaded proofs. The bytes live encrypted in file storage; a row says whose, what and where.

Documents know their owner only as an opaque uid (a person's `uid`): the apps above
decide who may see that person, then call the services here (ARCHITECTURE.md §3).
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    """What a proof shows. A new module adds a member here (and, if it needs special
    handling, a rule in `limits.RULES`); `kind` has no database choices, so no migration.

    One document is current per (owner_uid, kind). A module whose entries each carry a proof
    (a CE entry, a qualification, an objection) uses the entry's own uid as `owner_uid`."""

    ID_FRONT = "id_front", "身份证明（正面/人像面）"
    ID_BACK = "id_back", "身份证明（反面/国徽面）"
    EDUCATION = "education", "学历学位证书"
    WORK = "work", "工作证明"
    STUDENT = "student", "学生证明"
    RESIDENCE = "residence", "户籍或居住证明"
    PHOTO = "photo", "电子照片"
    QUALIFICATION = "qualification", "专业技术资格证书"
    CE = "ce", "继续教育证明"
    CREDIT_DECISION = "credit_decision", "信用信息决定文书"
    CREDIT_OBJECTION = "credit_objection", "信用异议证明材料"
    CHANGE = "change", "信息变更证明"
    OTHER = "other", "其他证明"


EXTENSIONS = {"image/jpeg": ".jpg", "application/pdf": ".pdf"}


class Document(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed through (owner_uid, kind) below, which serves lookups by owner alone as well.
    owner_uid = models.UUIDField()
    kind = models.CharField("证明类型", max_length=32)
    content_type = models.CharField(max_length=64)
    # Display only: sanitised, never used to build a path.
    original_name = models.CharField("文件名", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小")
    pages = models.PositiveSmallIntegerField("页数", default=1)
    sha = models.CharField("SM3", max_length=64)
    # Random; the bytes there are SM4-GCM ciphertext bound to `uid`.
    storage_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)
    # A replacement keeps the old proof for the record; only rows without this are current.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "证明材料"
        indexes = [models.Index(fields=["owner_uid", "kind"], name="document_owner_kind")]
        constraints = [
            # A constraint, not unique=True: PostgreSQL then builds no LIKE index beside it.
            models.UniqueConstraint(fields=["storage_name"], name="document_storage_name_unique"),
            # Two uploads racing for the same proof: one wins, the other gets a clear error.
            models.UniqueConstraint(
                fields=["owner_uid", "kind"],
                condition=Q(superseded_at__isnull=True),
                name="document_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.uid}"

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label if self.kind in Kind.values else self.kind

    @property
    def download_name(self) -> str:
        """The display name with the extension of what is actually stored (a PNG became a JPEG)."""
        stem = PurePosixPath(self.original_name).stem or self.kind_label
        return stem + EXTENSIONS.get(self.content_type, "")
