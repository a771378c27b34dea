from __future__ import annotations

import io
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.utils.datastructures import MultiValueDict

from registry.audit.models import AuditEvent
from registry.core.errors import DomainError
from registry.documents.forms import ProofFilesField, ProofUploadForm
from registry.documents.limits import LIMITS_TEXT
from registry.documents.models import Kind
from registry.documents.services import document_store, document_sweep_orphans
from registry.documents.views import serve_document

from . import builders as b

pytestmark = pytest.mark.django_db


def test_serve_document_sends_inert_private_bytes(media: Path, owner: uuid.UUID, actor: Any) -> None:
    doc = document_store(actor=actor, owner_uid=owner, kind=Kind.EDUCATION, files=[("毕业证书.png", b.png())])
    request = RequestFactory().get("/any")
    request.user = actor
    response = serve_document(request, doc)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response.content.startswith(b"\xff\xd8\xff") and response["Content-Length"] == str(
        len(response.content)
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "frame-ancestors 'self'" in csp
    assert "script-src" not in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename=\"education.jpg\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "毕业证书.jpg"
    assert AuditEvent.objects.filter(
        action="document.read", object_id=str(doc.uid), actor_id=actor.pk
    ).exists()


def test_ascii_names_are_kept_and_cannot_break_the_header(media: Path, owner: uuid.UUID, actor: Any) -> None:
    doc = document_store(actor=None, owner_uid=owner, kind=Kind.WORK, files=[("contract 2024.pdf", b.pdf())])
    request = RequestFactory().get("/any")
    request.user = actor
    assert 'filename="contract 2024.pdf"' in serve_document(request, doc)["Content-Disposition"]
    doc = document_store(
        actor=None, owner_uid=owner, kind=Kind.WORK, files=[('a";\r\nX-Evil: 1.pdf', b.pdf())]
    )
    header = serve_document(request, doc)["Content-Disposition"]
    assert "\r" not in header and "\n" not in header and 'filename="work.pdf"' in header


def test_files_field_takes_several_files_and_offers_camera_or_gallery() -> None:
    form = ProofUploadForm(kind=Kind.EDUCATION)
    html = str(form["files"])
    assert "multiple" in html and 'accept="image/jpeg,image/png,application/pdf"' in html
    assert "capture" not in html and form.fields["files"].help_text == LIMITS_TEXT
    photo = str(ProofUploadForm(kind=Kind.PHOTO)["files"])
    assert "multiple" not in photo and 'accept="image/jpeg,image/png"' in photo
    files = MultiValueDict({"files": [SimpleUploadedFile("a.jpg", b"1"), SimpleUploadedFile("b.pdf", b"2")]})
    form = ProofUploadForm({}, files, kind=Kind.EDUCATION)
    assert form.is_valid() and [f.name for f in form.cleaned_data["files"]] == ["a.jpg", "b.pdf"]


def test_files_field_refuses_nothing_and_too_many() -> None:
    assert not ProofUploadForm({}, MultiValueDict(), kind=Kind.WORK).is_valid()
    many = MultiValueDict({"files": [SimpleUploadedFile(f"{i}.jpg", b"1") for i in range(7)]})
    form = ProofUploadForm({}, many, kind=Kind.WORK)
    assert not form.is_valid() and "最多上传 6 个文件" in form.errors["files"][0]
    assert ProofFilesField(required=False).clean([]) == []


def test_service_errors_land_on_the_field_with_the_file_name(media: Path, owner: uuid.UUID) -> None:
    files = MultiValueDict(
        {"files": [SimpleUploadedFile("ok.jpg", b.jpeg()), SimpleUploadedFile("../坏.jpg", b"GIF89a")]}
    )
    form = ProofUploadForm({}, files, kind=Kind.WORK)
    assert form.is_valid()
    with pytest.raises(DomainError) as exc:
        document_store(actor=None, owner_uid=owner, kind=Kind.WORK, files=form.cleaned_data["files"])
    form.add_domain_errors(exc.value)
    [message] = form.errors["files"]
    assert message.startswith("坏.jpg：不支持的文件类型")


def test_sweep_finds_only_blobs_without_a_row(media: Path, owner: uuid.UUID) -> None:
    assert document_sweep_orphans(older_than=timedelta(0)) == []
    kept = document_store(actor=None, owner_uid=owner, kind=Kind.WORK, files=[("a.pdf", b.pdf())])
    orphan = default_storage.save("documents/ab/orphan.bin", ContentFile(b"ciphertext"))
    assert document_sweep_orphans() == []  # too young: may belong to a transaction still open
    assert document_sweep_orphans(older_than=timedelta(0)) == [orphan]
    out = io.StringIO()
    call_command("documents_sweep", "--hours", "0", "--delete", stdout=out)
    assert "已删除 1 个" in out.getvalue()
    assert [p.relative_to(media).as_posix() for p in b.stored_files(media)] == [kept.storage_name]
