"""Re-encoding and merging. A stored image is drawn anew from its pixels alone, so EXIF (GPS),
comments, colour-profile blobs and anything appended to the upload never reach storage."""

from __future__ import annotations

import contextlib
import io

from PIL import Image, ImageCms, ImageOps
from pypdf import PdfReader, PdfWriter

from .limits import Rule

SRGB = ImageCms.createProfile("sRGB")
A4_LONG_INCHES = 11.69
ALPHA_MODES = frozenset({"LA", "La", "PA", "RGBA", "RGBa"})


def clean_image(im: Image.Image, rule: Rule) -> Image.Image:
    """Upright, sRGB (or grey), fitted into the rule's box, with no metadata at all."""
    icc = im.info.get("icc_profile")
    # A broken EXIF block only loses the rotation hint; the block itself is dropped anyway.
    with contextlib.suppress(Exception):
        im = ImageOps.exif_transpose(im) or im
    im = _flatten(_to_srgb(im, icc))
    im.thumbnail(rule.box, Image.Resampling.LANCZOS)
    # A fresh image from raw pixels carries no `info`: Pillow would otherwise copy e.g. a
    # JPEG comment into the re-encoded file.
    return Image.frombytes(im.mode, im.size, im.tobytes())


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    # Phones tag photos Display P3; convert the colours before the profile is dropped.
    if not icc or im.mode not in ("RGB", "CMYK"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, source, SRGB, outputMode="RGB") or im
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im  # a profile LittleCMS cannot use: keep the pixels as they are


def _flatten(im: Image.Image) -> Image.Image:
    """JPEG holds grey or RGB: flatten transparency onto white, scale 16-bit grey down."""
    if im.mode in ("RGB", "L"):
        return im
    if im.mode == "1":
        return im.convert("L")
    if im.mode.startswith("I") or im.mode == "F":
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ALPHA_MODES:
        rgba = im.convert("RGBA")
        white = Image.new("RGB", im.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return im.convert("RGB")


def jpeg_bytes(im: Image.Image, rule: Rule) -> bytes:
    # Step the quality down until the output fits the rule's byte limit (the photo's 200 KB).
    for quality in range(rule.quality, 29, -10):
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=quality, optimize=True)
        if rule.max_output_bytes is None or buf.tell() <= rule.max_output_bytes:
            return buf.getvalue()
    raise ValueError(f"{im.size} image does not fit {rule.max_output_bytes} bytes")


def pdf_page(im: Image.Image, rule: Rule) -> bytes:
    """One page holding the image, sized so its long side is an A4 page's long side."""
    buf = io.BytesIO()
    im.save(buf, "PDF", resolution=max(im.size) / A4_LONG_INCHES, quality=rule.quality)
    return buf.getvalue()


def merge_pdfs(parts: list[bytes]) -> tuple[bytes, int]:
    writer = PdfWriter()
    for data in parts:
        writer.append(PdfReader(io.BytesIO(data), strict=False))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)
