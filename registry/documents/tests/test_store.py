from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms
from pypdf import PdfReader

from registry.audit.models import AuditEvent
from registry.core.crypto import DecryptionError, sm3_hex
from registry.core.errors import NotVisible
from registry.documents.models import Document, Kind
from registry.documents.selectors import current_documents, document_get, document_history, missing_kinds
from registry.documents.services import document_read, document_store

from . import builders as b

pytestmark = pytest.mark.django_db


def store(
    owner: uuid.UUID, *files: tuple[str, bytes], kind: str = Kind.EDUCATION, actor: Any = None
) -> Document:
    return document_store(actor=actor, owner_uid=owner, kind=kind, files=list(files))


def plaintext(document: Document) -> bytes:
    return document_read(actor=None, document=document)


def test_single_jpeg_is_reencoded_without_metadata(media: Path, owner: uuid.UUID) -> None:
    original = b.jpeg(secrets=True)
    assert b.EXIF_MARKER.encode() in original and b.COMMENT_MARKER in original
    doc = store(owner, ("毕业证.jpg", original))
    data = plaintext(doc)
    assert (doc.content_type, doc.pages, doc.original_name) == ("image/jpeg", 1, "毕业证.jpg")
    assert b.EXIF_MARKER.encode() not in data and b.COMMENT_MARKER not in data
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG" and im.size == (640, 480)
    assert not im.getexif() and "comment" not in im.info and "exif" not in im.info


def test_exif_orientation_is_applied_then_dropped(media: Path, owner: uuid.UUID) -> None:
    doc = store(owner, ("rotated.jpg", b.jpeg((200, 100), orientation=6)))
    im = Image.open(io.BytesIO(plaintext(doc)))
    assert im.size == (100, 200) and not im.getexif()


def test_png_becomes_jpeg_and_loses_text_and_appended_zip(media: Path, owner: uuid.UUID) -> None:
    doc = store(owner, ("scan.png", b.png_with_zip()))
    data = plaintext(doc)
    assert doc.content_type == "image/jpeg" and data.startswith(b"\xff\xd8\xff")
    assert b"PK\x03\x04" not in data and b.ZIP_MARKER not in data
    doc = store(owner, ("scan.png", b.png(text=True)))
    assert b.PNG_TEXT_MARKER.encode() not in plaintext(doc)
    assert doc.download_name == "scan.jpg"


def test_transparent_png_is_flattened_onto_white(media: Path, owner: uuid.UUID) -> None:
    im = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    doc = store(owner, ("clear.png", buf.getvalue()))
    out = Image.open(io.BytesIO(plaintext(doc)))
    assert out.mode == "RGB" and min(out.getpixel((25, 25))) > 240  # type: ignore[arg-type]


def test_large_image_is_scaled_to_2400_px(media: Path, owner: uuid.UUID) -> None:
    doc = store(owner, ("big.jpg", b.jpeg((4800, 3000))))
    assert Image.open(io.BytesIO(plaintext(doc))).size == (2400, 1500)


def test_single_pdf_is_kept_as_is(media: Path, owner: uuid.UUID) -> None:
    original = b.pdf(pages=2, marker=True)
    doc = store(owner, ("degree.pdf", original))
    assert plaintext(doc) == original
    assert (doc.content_type, doc.pages, doc.size, doc.sha) == (
        "application/pdf",
        2,
        len(original),
        sm3_hex(original),
    )


def test_three_images_merge_into_one_three_page_pdf(media: Path, owner: uuid.UUID) -> None:
    files = [(f"page{i}.jpg", b.jpeg(secrets=True)) for i in range(3)]
    doc = store(owner, *files)
    data = plaintext(doc)
    assert doc.content_type == "application/pdf" and doc.pages == 3
    assert len(PdfReader(io.BytesIO(data)).pages) == 3
    assert b.EXIF_MARKER.encode() not in data and b.COMMENT_MARKER not in data
    assert doc.original_name == "page0 等3个文件.pdf"
    assert len(b.stored_files(media)) == 1


def test_images_and_pdf_merge_in_order(media: Path, owner: uuid.UUID) -> None:
    doc = store(owner, ("a.png", b.png()), ("b.pdf", b.pdf(pages=2)), ("c.jpg", b.jpeg((300, 900))))
    reader = PdfReader(io.BytesIO(plaintext(doc)))
    assert doc.pages == 4 and len(reader.pages) == 4
    # The portrait photo is the last page, portrait; each image page has an A4 long side.
    last = reader.pages[3].mediabox
    assert float(last.height) > float(last.width) and round(float(last.height) / 72, 1) == 11.7


def test_photo_fits_the_id_photo_box_and_200_kb(media: Path, owner: uuid.UUID) -> None:
    doc = store(owner, ("me.jpg", b.jpeg((3000, 4000), secrets=True)), kind="photo")  # callers pass str
    data = plaintext(doc)
    im = Image.open(io.BytesIO(data))
    assert im.format == "JPEG" and im.width <= 358 and im.height <= 441 and im.size == (331, 441)
    assert len(data) <= 200 * 1024 and not im.getexif()


def test_uploaded_files_from_a_form_are_accepted(media: Path, owner: uuid.UUID) -> None:
    upload = SimpleUploadedFile("id.jpg", b.jpeg(), content_type="application/octet-stream")
    doc = document_store(actor=None, owner_uid=owner, kind=Kind.ID_FRONT, files=[upload])
    assert doc.content_type == "image/jpeg"


def test_blob_is_encrypted_and_bound_to_its_document(media: Path, owner: uuid.UUID) -> None:
    pdf_doc = store(owner, ("x.pdf", b.pdf(marker=True)), kind=Kind.WORK)
    jpg_doc = store(owner, ("x.jpg", b.jpeg()), kind=Kind.ID_FRONT)
    for doc, magic in ((pdf_doc, b"%PDF"), (jpg_doc, b"\xff\xd8\xff")):
        blob = (media / doc.storage_name).read_bytes()
        # Ciphertext may hold any short byte run by chance: check the header and a long marker.
        assert not blob.startswith(magic) and magic not in blob[:64] and b.PDF_MARKER.encode() not in blob
        assert doc.storage_name.startswith("documents/") and doc.storage_name.endswith(".bin")
    assert b.PDF_MARKER.encode() in plaintext(pdf_doc)
    # A blob copied under another document does not decrypt: the uid is associated data.
    (media / jpg_doc.storage_name).write_bytes((media / pdf_doc.storage_name).read_bytes())
    with pytest.raises(DecryptionError):
        plaintext(jpg_doc)


def test_tampered_blob_is_refused(media: Path, owner: uuid.UUID) -> None:
    doc = store(owner, ("x.pdf", b.pdf()))
    path = media / doc.storage_name
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(bytes(blob))
    before = AuditEvent.objects.filter(action="document.read").count()
    with pytest.raises(DecryptionError):
        plaintext(doc)
    assert AuditEvent.objects.filter(action="document.read").count() == before


def test_replacement_supersedes_and_keeps_the_old_proof(media: Path, owner: uuid.UUID) -> None:
    first = store(owner, ("old.pdf", b.pdf()), kind=Kind.WORK)
    second = store(owner, ("new.pdf", b.pdf(pages=2)), kind=Kind.WORK)
    first.refresh_from_db()
    assert first.superseded_at is not None and second.superseded_at is None
    assert current_documents(owner) == {Kind.WORK: second}
    assert list(document_history(owner, Kind.WORK)) == [second, first]
    assert len(PdfReader(io.BytesIO(plaintext(first))).pages) == 1  # still readable
    assert len(b.stored_files(media)) == 2
    event = AuditEvent.objects.get(action="document.store", object_id=str(second.uid))
    assert event.data["supersedes"] == [str(first.uid)]


def test_a_proof_on_file_is_not_asked_for_again(media: Path, owner: uuid.UUID) -> None:
    required = [Kind.ID_FRONT, Kind.ID_BACK, Kind.EDUCATION, Kind.PHOTO]
    assert missing_kinds(owner, required) == required
    store(owner, ("id.jpg", b.jpeg()), kind=Kind.ID_FRONT)
    store(owner, ("p.jpg", b.jpeg()), kind=Kind.PHOTO)
    assert missing_kinds(owner, required) == [Kind.ID_BACK, Kind.EDUCATION]
    assert missing_kinds(uuid.uuid4(), required) == required  # other owners are untouched


def test_document_get_only_finds_the_owners_documents(media: Path, owner: uuid.UUID) -> None:
    doc = store(owner, ("x.pdf", b.pdf()))
    assert document_get(owner_uid=owner, uid=str(doc.uid)) == doc
    for other_owner, uid in ((uuid.uuid4(), doc.uid), (owner, uuid.uuid4()), (owner, "not-a-uuid")):
        with pytest.raises(NotVisible):
            document_get(owner_uid=other_owner, uid=uid)


def test_store_and_read_are_audited_without_names_or_content(
    media: Path, owner: uuid.UUID, actor: Any
) -> None:
    doc = store(owner, ("张三的毕业证.jpg", b.jpeg()), actor=actor)
    stored = AuditEvent.objects.get(action="document.store", object_id=str(doc.uid))
    assert stored.actor_id == actor.pk and stored.object_type == "document"
    assert stored.data["owner"] == str(owner) and stored.data["kind"] == "education"
    assert stored.data["sha"] == doc.sha and stored.data["files"] == 1
    assert "张三" not in str(stored.data) and doc.uploaded_by_id == actor.pk
    document_read(actor=actor, document=doc)
    read = AuditEvent.objects.get(action="document.read", object_id=str(doc.uid))
    assert read.actor_id == actor.pk and read.data == {"owner": str(owner), "kind": "education"}


def test_path_tricks_in_names_are_only_display_text(media: Path, owner: uuid.UUID) -> None:
    cases = {
        "../../etc/passwd.jpg": "passwd.jpg",
        "..\\..\\windows\\x.jpg": "x.jpg",
        "C:\\Users\\me\\身份证\x00.jpg": "身份证.jpg",
        "/abs/..\x1b[31m.hidden.jpg": "[31m.hidden.jpg",
    }
    for raw, shown in cases.items():
        doc = store(owner, (raw, b.jpeg()), kind=Kind.OTHER)
        assert doc.original_name == shown
        assert ".." not in doc.storage_name and "passwd" not in doc.storage_name
    files = b.stored_files(media)
    assert len(files) == len(cases)
    assert all(p.is_relative_to(media / "documents") for p in files)
    long = store(owner, ("长" * 300 + ".pdf", b.pdf()), kind=Kind.OTHER)
    assert len(long.original_name) == 100 and long.original_name.endswith(".pdf")


def _image_file(mode: str, fmt: str, **params: Any) -> bytes:
    if mode == "I;16":  # a 16-bit greyscale PNG, as some scanners write
        im = Image.new("I;16", (120, 80), 40000)
    else:
        im = b.picture((120, 80)).convert("L" if mode in ("1", "LA") else "RGB").convert(mode)
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("mode", "fmt", "expected"),
    [
        ("CMYK", "JPEG", "RGB"),
        ("L", "JPEG", "L"),
        ("P", "PNG", "RGB"),
        ("LA", "PNG", "RGB"),
        ("1", "PNG", "L"),
        ("I;16", "PNG", "L"),
        ("RGBA", "PNG", "RGB"),
    ],
)
def test_every_common_image_mode_becomes_a_plain_jpeg(
    media: Path, owner: uuid.UUID, mode: str, fmt: str, expected: str
) -> None:
    ext = "jpg" if fmt == "JPEG" else "png"
    doc = store(owner, (f"x.{ext}", _image_file(mode, fmt)), kind=Kind.OTHER)
    im = Image.open(io.BytesIO(plaintext(doc)))
    assert (im.format, im.mode, im.size) == ("JPEG", expected, (120, 80))


def test_colour_profile_is_applied_then_dropped(media: Path, owner: uuid.UUID) -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    doc = store(owner, ("p3.jpg", _image_file("RGB", "JPEG", icc_profile=icc)))
    assert "icc_profile" not in Image.open(io.BytesIO(plaintext(doc))).info
