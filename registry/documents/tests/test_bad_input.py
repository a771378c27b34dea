"""Every kind of bad upload: a clear Chinese message, a stable code, and nothing stored."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from registry.audit.models import AuditEvent
from registry.core.errors import DomainError
from registry.documents import services
from registry.documents.limits import MAX_FILE_BYTES
from registry.documents.models import Document, Kind
from registry.documents.services import document_store

from . import builders as b

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
Files = Callable[[], list[Any]]


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def reported_too_big() -> list[Any]:
    # The upload handler says 12 MB: refused before a byte is read.
    return [UploadedFile(io.BytesIO(b.jpeg()), name="big.jpg", size=12 * 1024 * 1024)]


CASES: list[tuple[str, Files, str, str, str, str]] = [
    # id, files, kind, code, field, words the message must contain
    ("no files", lambda: [], Kind.WORK, "document.required", "files", "请选择"),
    ("empty file", lambda: [("a.jpg", b"")], Kind.WORK, "document.empty", "files.0", "为空"),
    ("gif", lambda: [("a.gif", b.gif())], Kind.WORK, "document.unsupported_type", "files.0", "JPG、PNG"),
    (
        "exe",
        lambda: [("a.exe", b"MZ\x90\x00" + b"\0" * 200)],
        Kind.WORK,
        "document.unsupported_type",
        "files.0",
        "不支持",
    ),
    (
        "html named jpg",
        lambda: [("a.jpg", b"<html><script>alert(1)</script></html>")],
        Kind.WORK,
        "document.unsupported_type",
        "files.0",
        "不支持",
    ),
    (
        "heic",
        lambda: [("IMG_0001.HEIC", b"\0\0\0\x18ftypheic" + b"\0" * 100)],
        Kind.WORK,
        "document.unsupported_type",
        "files.0",
        "兼容性最佳",
    ),
    (
        "pdf named jpg",
        lambda: [("photo.jpg", b.pdf())],
        Kind.WORK,
        "document.type_mismatch",
        "files.0",
        "“.jpg”",
    ),
    ("png named pdf", lambda: [("scan.pdf", b.png())], Kind.WORK, "document.type_mismatch", "files.0", "PNG"),
    (
        "bidi-disguised exe",
        lambda: [("photo\u202egpj.exe", b.jpeg())],
        Kind.WORK,
        "document.type_mismatch",
        "files.0",
        "“.exe”",
    ),
    (
        "oversized bytes",
        lambda: [("big.jpg", b"\xff\xd8\xff" + b"\0" * MAX_FILE_BYTES)],
        Kind.WORK,
        "document.too_large",
        "files.0",
        "10 MB",
    ),
    ("oversized upload", reported_too_big, Kind.WORK, "document.too_large", "files.0", "12.0 MB"),
    (
        "too many files",
        lambda: [("a.pdf", b"%PDF-")] * 7,
        Kind.WORK,
        "document.too_many_files",
        "files",
        "最多",
    ),
    (
        "two photos",
        lambda: [("a.jpg", b.jpeg()), ("b.jpg", b.jpeg())],
        Kind.PHOTO,
        "document.too_many_files",
        "files",
        "1 个",
    ),
    ("pdf photo", lambda: [("a.pdf", b.pdf())], Kind.PHOTO, "document.images_only", "files.0", "图片"),
    (
        "pixel bomb header",
        lambda: [("bomb.png", b.png_header_only(50_000, 50_000))],
        Kind.WORK,
        "document.too_many_pixels",
        "files.0",
        "4000 万像素",
    ),
    (
        "45 megapixels",
        lambda: [("big.png", b.png_header_only(7_500, 6_000))],
        Kind.WORK,
        "document.too_many_pixels",
        "files.0",
        "7500×6000",
    ),
    (
        "truncated jpeg",
        lambda: [("a.jpg", truncated(b.jpeg()))],
        Kind.WORK,
        "document.image_invalid",
        "files.0",
        "损坏",
    ),
    (
        "truncated png",
        lambda: [("a.png", truncated(b.png()))],
        Kind.WORK,
        "document.image_invalid",
        "files.0",
        "损坏",
    ),
    (
        "pdf does not parse",
        lambda: [("a.pdf", b"%PDF-1.7\n1 0 obj garbage\n%%EOF")],
        Kind.WORK,
        "document.pdf_invalid",
        "files.0",
        "无法打开",
    ),
    ("truncated pdf", lambda: [("a.pdf", b.pdf()[:40])], Kind.WORK, "document.pdf_invalid", "files.0", "PDF"),
    (
        "encrypted pdf",
        lambda: [("a.pdf", b.pdf_encrypted())],
        Kind.WORK,
        "document.pdf_encrypted",
        "files.0",
        "加密",
    ),
    (
        "owner-password pdf",
        lambda: [("a.pdf", b.pdf_encrypted(user_password=""))],
        Kind.WORK,
        "document.pdf_encrypted",
        "files.0",
        "加密",
    ),
    (
        "pdf with javascript",
        lambda: [("a.pdf", b.pdf_with_javascript())],
        Kind.WORK,
        "document.pdf_active_content",
        "files.0",
        "脚本",
    ),
    (
        "pdf with escaped javascript",
        lambda: [("a.pdf", b.pdf_with_javascript(escaped=True))],
        Kind.WORK,
        "document.pdf_active_content",
        "files.0",
        "脚本",
    ),
    (
        "pdf with attachment",
        lambda: [("a.pdf", b.pdf_with_attachment())],
        Kind.WORK,
        "document.pdf_active_content",
        "files.0",
        "附件",
    ),
    (
        "pdf over 50 pages",
        lambda: [("a.pdf", b.pdf(pages=51))],
        Kind.WORK,
        "document.too_many_pages",
        "files.0",
        "50 页",
    ),
    (
        "merged over 50 pages",
        lambda: [("a.pdf", b.pdf(pages=30)), ("b.pdf", b.pdf(pages=30))],
        Kind.WORK,
        "document.too_many_pages",
        "files",
        "合并后共 60 页",
    ),
    (
        "good then bad",
        lambda: [("a.jpg", b.jpeg()), ("b.jpg", b"GIF89a")],
        Kind.WORK,
        "document.unsupported_type",
        "files.1",
        "不支持",
    ),
    ("unknown kind", lambda: [("a.jpg", b.jpeg())], "passport_scan", "document.kind_unknown", "kind", "类型"),
]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("files", "kind", "code", "field", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_refused_and_nothing_is_stored(
    media: Path, owner: uuid.UUID, files: Files, kind: str, code: str, field: str, words: str
) -> None:
    audit_before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        document_store(actor=None, owner_uid=owner, kind=kind, files=files())
    [error] = exc.value.errors
    assert (error.code, error.field) == (code, field)
    assert CHINESE.search(error.message) and words in error.message, error.message
    assert not Document.objects.exists()
    assert b.stored_files(media) == []
    assert AuditEvent.objects.count() == audit_before


def test_every_bad_file_is_named_at_once(media: Path, owner: uuid.UUID) -> None:
    files = [("ok.jpg", b.jpeg()), ("x.gif", b.gif()), ("ok.pdf", b.pdf()), ("bad.pdf", b"%PDF-1.4 junk")]
    with pytest.raises(DomainError) as exc:
        document_store(actor=None, owner_uid=owner, kind=Kind.WORK, files=files)
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("files.1", "document.unsupported_type"),
        ("files.3", "document.pdf_invalid"),
    ]
    assert not Document.objects.exists() and b.stored_files(media) == []


def test_a_failed_database_write_leaves_no_blob(
    media: Path, owner: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_append", broken)
    with pytest.raises(RuntimeError):
        document_store(actor=None, owner_uid=owner, kind=Kind.WORK, files=[("a.pdf", b.pdf())])
    assert not Document.objects.exists() and b.stored_files(media) == []


def test_a_lost_race_is_a_clear_error_and_leaves_no_blob(
    media: Path, owner: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    def collide(**kwargs: Any) -> None:
        raise IntegrityError("document_one_current")

    monkeypatch.setattr(services, "audit_append", collide)
    with pytest.raises(DomainError) as exc:
        document_store(actor=None, owner_uid=owner, kind=Kind.WORK, files=[("a.pdf", b.pdf())])
    assert exc.value.errors[0].code == "document.conflict"
    assert not Document.objects.exists() and b.stored_files(media) == []


def test_one_current_document_per_owner_and_kind_is_a_database_rule(media: Path, owner: uuid.UUID) -> None:
    doc = document_store(actor=None, owner_uid=owner, kind=Kind.WORK, files=[("a.pdf", b.pdf())])
    doc.pk, doc.uid, doc.storage_name = None, uuid.uuid4(), "documents/00/other.bin"
    with pytest.raises(IntegrityError), transaction.atomic():
        doc.save()
