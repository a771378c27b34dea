"""Test files made on the spot: real images and PDFs, and the hostile variants of them."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

EXIF_MARKER = "EXIF-SECRET-MARKER"
COMMENT_MARKER = b"COMMENT-SECRET-MARKER"
PNG_TEXT_MARKER = "PNG-TEXT-SECRET-MARKER"
ZIP_MARKER = b"ZIP-SECRET-PAYLOAD"
PDF_MARKER = "PDFPLAINTEXTMARKER"  # no "-": pypdf escapes it in strings


def picture(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> Image.Image:
    # Noise compresses badly, like a real photo, so sizes are realistic.
    return Image.effect_noise(size, 40).convert(mode)


def jpeg(
    size: tuple[int, int] = (640, 480), *, orientation: int | None = None, secrets: bool = False
) -> bytes:
    im = picture(size)
    exif = Image.Exif()
    extra: dict[str, object] = {}
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if secrets:
        exif[ExifTags.Base.ImageDescription] = EXIF_MARKER
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (23.0, 7.0, 30.0)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = (113.0, 19.0, 10.0)
        extra["comment"] = COMMENT_MARKER
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes(), quality=90, **extra)
    return buf.getvalue()


def png(size: tuple[int, int] = (640, 480), mode: str = "RGB", *, text: bool = False) -> bytes:
    im = picture(size, "L" if mode == "LA" else "RGB").convert(mode)
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", PNG_TEXT_MARKER)
    buf = io.BytesIO()
    im.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def png_with_zip() -> bytes:
    """A polyglot: a valid PNG with a ZIP archive appended after IEND."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("payload.txt", ZIP_MARKER)
    return png() + buf.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def pdf(pages: int = 1, *, marker: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if marker:
        writer.add_metadata({"/Title": PDF_MARKER})
    return _write(writer)


def pdf_encrypted(user_password: str = "secret") -> bytes:  # noqa: S107 -- a test file
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password, owner_password="owner")
    return _write(writer)


def pdf_with_javascript(*, escaped: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    data = _write(writer)
    # `#53` is "S": the same name, spelled so that a byte search would miss it.
    return data.replace(b"/JavaScript", b"/Java#53cript") if escaped else data


def pdf_with_attachment() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("payload.exe", b"MZ\x90\x00")
    return _write(writer)


def _write(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def gif() -> bytes:
    buf = io.BytesIO()
    Image.new("P", (10, 10)).save(buf, "GIF")
    return buf.getvalue()


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())
