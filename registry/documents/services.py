"""Every write to documents. Callers (the apps above) have already checked that the actor
may act for the owner; the actor is passed here for the audit trail only.

Nothing is stored unless every file passes: all files are checked and re-encoded in
memory first, and a blob written before a failed database write is deleted again.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.audit.services import audit_append
from registry.core.crypto import DecryptionError, decrypt, encrypt, sm3_hex
from registry.core.errors import DomainError
from registry.standard.errors import FieldError

from .imaging import clean_image, jpeg_bytes, merge_pdfs, pdf_page
from .inspection import Refused, check_name, check_pdf, open_image, sanitise_name, sniff
from .limits import MAX_FILE_BYTES, MAX_PAGES, MIB, Rule, rule_for
from .models import Document, Kind

log = logging.getLogger(__name__)

FileInput = UploadedFile | tuple[str, bytes]
JPEG, PDF = "image/jpeg", "application/pdf"
STORAGE_PREFIX = "documents"


@dataclass(frozen=True)
class Part:
    name: str
    content_type: str
    data: bytes
    pages: int


def _aad(uid: uuid.UUID) -> bytes:
    # Binds the ciphertext to its row: a blob copied under another document fails to decrypt.
    return f"document:{uid}".encode()


def _read(item: FileInput) -> tuple[str, bytes]:
    if isinstance(item, tuple):
        name, data = item
        size = len(data)
    else:
        name, size = item.name or "", item.size or 0
        data = b""
        if size <= MAX_FILE_BYTES:
            item.seek(0)
            data = item.read(MAX_FILE_BYTES + 1)  # the reported size is not trusted either
            size = len(data)
    if size > MAX_FILE_BYTES:
        raise Refused(
            "document.too_large",
            f"文件过大（{size / MIB:.1f} MB）：单个文件不超过 {MAX_FILE_BYTES // MIB} MB",
        )
    if not data:
        raise Refused("document.empty", "文件为空（0 字节），请重新选择")
    return name, data


def _prepare(item: FileInput, rule: Rule, *, as_page: bool) -> Part:
    """Check one file by its bytes and return what would be stored of it."""
    raw_name, data = _read(item)
    name = sanitise_name(raw_name)
    ftype = sniff(data)
    check_name(name, ftype)
    if rule.images_only and ftype == "pdf":
        raise Refused("document.images_only", "此项只能上传 JPG 或 PNG 图片")
    if ftype == "pdf":
        return Part(name, PDF, data, check_pdf(data))
    try:
        im = clean_image(open_image(data, ftype, rule.box), rule)
        if as_page:
            return Part(name, PDF, pdf_page(im, rule), 1)
        return Part(name, JPEG, jpeg_bytes(im, rule), 1)
    except Refused:
        raise
    except Exception as exc:
        # Decoded but cannot be re-encoded (an exotic mode, a codec error): refuse, do not crash.
        raise Refused("document.image_invalid", "图片无法处理，请转换为常见的 JPG 或 PNG 后重新上传") from exc


def _display_name(parts: list[Part]) -> str:
    first = parts[0].name
    if len(parts) == 1:
        return first
    stem = PurePosixPath(first).stem[:60] or "文件"
    return f"{stem} 等{len(parts)}个文件.pdf"


def _storage_path() -> str:
    # Random, never derived from the upload: names cannot collide, traverse or leak anything.
    token = secrets.token_hex(20)
    return f"{STORAGE_PREFIX}/{token[:2]}/{token}.bin"


def document_store(*, actor: Any, owner_uid: uuid.UUID, kind: str, files: Sequence[FileInput]) -> Document:
    """Store one proof (one file, or several merged into one PDF) as the owner's current `kind`."""
    if kind not in Kind.values:
        raise DomainError.single("document.kind_unknown", "kind", "未知的证明类型")
    rule = rule_for(kind)
    files = list(files)
    if not files:
        raise DomainError.single("document.required", "files", "请选择要上传的文件")
    if len(files) > rule.max_files:
        raise DomainError.single(
            "document.too_many_files",
            "files",
            f"此项证明最多上传 {rule.max_files} 个文件（已选择 {len(files)} 个）",
        )
    parts: list[Part] = []
    errors: list[FieldError] = []
    for i, item in enumerate(files):
        try:
            parts.append(_prepare(item, rule, as_page=len(files) > 1))
        except Refused as refused:
            errors.append(FieldError(refused.code, f"files.{i}", refused.message))
    if errors:
        raise DomainError(errors)
    if len(parts) == 1:
        content_type, data, pages = parts[0].content_type, parts[0].data, parts[0].pages
    else:
        content_type = PDF
        data, pages = merge_pdfs([p.data for p in parts])
        if pages > MAX_PAGES:
            raise DomainError.single(
                "document.too_many_pages", "files", f"合并后共 {pages} 页：每项证明不超过 {MAX_PAGES} 页"
            )
    return _save(
        actor=actor,
        owner_uid=owner_uid,
        kind=kind,
        content_type=content_type,
        data=data,
        pages=pages,
        name=_display_name(parts),
        files=len(parts),
    )


def _save(
    *,
    actor: Any,
    owner_uid: uuid.UUID,
    kind: str,
    content_type: str,
    data: bytes,
    pages: int,
    name: str,
    files: int,
) -> Document:
    uid = uuid.uuid4()
    storage_name = default_storage.save(_storage_path(), ContentFile(encrypt(data, aad=_aad(uid))))
    try:
        with transaction.atomic():
            previous = list(
                Document.objects.select_for_update().filter(
                    owner_uid=owner_uid, kind=kind, superseded_at__isnull=True
                )
            )
            if previous:
                Document.objects.filter(pk__in=[d.pk for d in previous]).update(superseded_at=timezone.now())
            document = Document.objects.create(
                uid=uid,
                owner_uid=owner_uid,
                kind=kind,
                content_type=content_type,
                original_name=name,
                size=len(data),
                pages=pages,
                sha=sm3_hex(data),
                storage_name=storage_name,
                uploaded_by_id=getattr(actor, "pk", None),
            )
            # No content and no file names: the audit trail records that a proof came, not what it says.
            audit_append(
                actor=actor,
                action="document.store",
                object_type="document",
                object_id=str(uid),
                data={
                    "owner": str(owner_uid),
                    "kind": kind,
                    "content_type": content_type,
                    "size": len(data),
                    "pages": pages,
                    "files": files,
                    "sha": document.sha,
                    "supersedes": [str(d.uid) for d in previous],
                },
            )
    except IntegrityError as exc:
        default_storage.delete(storage_name)
        # Another upload of the same proof committed between our lock and our insert.
        raise DomainError.single(
            "document.conflict", "files", "同一项证明正在由另一请求上传，请刷新页面后重试"
        ) from exc
    except BaseException:
        default_storage.delete(storage_name)
        raise
    return document


def document_read(*, actor: Any, document: Document) -> bytes:
    """The plaintext bytes; the caller has checked access. Raises DecryptionError if the blob
    was altered or swapped, FileNotFoundError if it is gone; each read is audited."""
    with default_storage.open(document.storage_name, "rb") as fh:
        blob = fh.read()
    data = decrypt(blob, aad=_aad(document.uid))
    if sm3_hex(data) != document.sha:
        raise DecryptionError("document digest mismatch")
    with transaction.atomic():
        audit_append(
            actor=actor,
            action="document.read",
            object_type="document",
            object_id=str(document.uid),
            data={"owner": str(document.owner_uid), "kind": document.kind},
        )
    return data


def document_sweep_orphans(*, older_than: timedelta = timedelta(days=1), delete: bool = False) -> list[str]:
    """Blobs without a row. `document_store` deletes its blob when its own transaction fails,
    but when a caller's enclosing transaction rolls back later, Django offers no hook: the
    blob stays behind, unreadable (its key material is bound to a uid that never committed)."""
    cutoff = timezone.now() - older_than
    found: list[str] = []
    if not default_storage.exists(STORAGE_PREFIX):
        return found
    for shard in default_storage.listdir(STORAGE_PREFIX)[0]:
        prefix = f"{STORAGE_PREFIX}/{shard}/"
        names = sorted(prefix + n for n in default_storage.listdir(prefix)[1])
        for start in range(0, len(names), 500):  # stay under SQLite's bound-parameter limit
            batch = names[start : start + 500]
            known = set(
                Document.objects.filter(storage_name__in=batch).values_list("storage_name", flat=True)
            )
            for name in batch:
                if name not in known and default_storage.get_modified_time(name) < cutoff:
                    found.append(name)
                    if delete:
                        default_storage.delete(name)
                        log.warning("deleted orphan document blob %s", name)
    return found
