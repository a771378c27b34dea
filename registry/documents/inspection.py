"""What a file really is, judged by its bytes; names are only checked against them.

(Named `inspection`, not `inspect`, so it never shadows the standard library module.)
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from .limits import MAX_PAGES, MAX_PIXELS

FileType = Literal["jpeg", "png", "pdf"]

MAGIC: tuple[tuple[bytes, FileType], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"%PDF-", "pdf"),
)
EXTENSIONS: dict[FileType, frozenset[str]] = {
    "jpeg": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "png": frozenset({"png"}),
    "pdf": frozenset({"pdf"}),
}
LABELS: dict[FileType, str] = {"jpeg": "JPG 图片", "png": "PNG 图片", "pdf": "PDF 文件"}
PILLOW_FORMATS: dict[FileType, list[str]] = {"jpeg": ["JPEG"], "png": ["PNG"]}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"mif1", b"msf1", b"avif"}

# Names a PDF uses for scripts, attachments and actions that run or open something.
ACTIVE_PDF_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/FileAttachment",
        "/RichMedia",
        "/XFA",
        "/GoToE",
        "/ImportData",
        "/SubmitForm",
    }
)
MAX_PDF_OBJECTS = 200_000
NAME_MAX = 100
_EXTENSION = re.compile(r"\.((?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,5})$")


@dataclass
class Refused(Exception):
    """One file broke one rule; `message` is for the person who uploaded it."""

    code: str
    message: str


def sniff(data: bytes) -> FileType:
    for magic, ftype in MAGIC:
        if data.startswith(magic):
            return ftype
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        # iPhones take HEIC by default; say how to get a JPEG instead of just "wrong type".
        raise Refused(
            "document.unsupported_type",
            "不支持 HEIC/HEIF 格式的照片：请在手机“设置—相机—格式”中选择“兼容性最佳”，"
            "或截图后上传 JPG、PNG 图片",
        )
    raise Refused("document.unsupported_type", "不支持的文件类型：仅支持 JPG、PNG 图片和 PDF 文件")


def sanitise_name(name: str) -> str:
    """A display name: the last path component, no control or direction-override characters."""
    name = unicodedata.normalize("NFC", name or "")
    # Cc: NUL and other controls; Cf: bidi overrides that make "gpj.exe" look like ".jpg".
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"})
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.strip().lstrip(".").strip()
    if len(name) > NAME_MAX:
        match = _EXTENSION.search(name)
        ext = match.group(0) if match else ""
        name = name[: NAME_MAX - len(ext)].rstrip() + ext
    return name


def check_name(name: str, ftype: FileType) -> None:
    """A name with a file-type extension must agree with the bytes; a name without one is fine."""
    match = _EXTENSION.search(name)
    if match and match.group(1).lower() not in EXTENSIONS[ftype]:
        raise Refused(
            "document.type_mismatch",
            f"文件名后缀“{match.group(0)}”与文件实际内容（{LABELS[ftype]}）不符，请确认文件后重新上传",
        )


def open_image(data: bytes, ftype: FileType, box: tuple[int, int]) -> Image.Image:
    """Decode the whole image (a truncated or corrupt file fails here), refusing pixel bombs first."""
    try:
        im = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS[ftype])
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(None) from exc
    except Exception as exc:
        # Pillow raises many types on hostile input; any of them means "not a usable image".
        raise _broken_image() from exc
    if im.width * im.height > MAX_PIXELS:
        raise _too_many_pixels(im.size)
    if ftype == "jpeg":
        # Decode at the smallest DCT scale still at least as big as the output box: the
        # whole stream is still read (truncation shows), in a fraction of the memory.
        side = max(box)
        im.draft(None, (side, side))
    try:
        im.load()
    except Exception as exc:
        raise _broken_image() from exc
    return im


def _too_many_pixels(size: tuple[int, int] | None) -> Refused:
    dims = f"（{size[0]}×{size[1]}）" if size else ""
    return Refused(
        "document.too_many_pixels",
        f"图片尺寸过大{dims}：不超过 {MAX_PIXELS // 10_000} 万像素，请缩小后重新上传",
    )


def _broken_image() -> Refused:
    return Refused("document.image_invalid", "图片文件已损坏或不完整，无法打开，请重新拍摄或导出后上传")


def check_pdf(data: bytes) -> int:
    """Parse the PDF and return its page count; refuse encrypted, huge or active documents."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Refused(
                "document.pdf_encrypted",
                "PDF 文件已加密或设有密码：请上传未加密的文件（可“打印”为新的 PDF，或拍照上传）",
            )
        pages = len(reader.pages)
        if 0 < pages <= MAX_PAGES:
            for page in reader.pages:
                _ = page.mediabox  # every page object must resolve
            active = _active_names(reader.trailer)
    except Refused:
        raise
    except Exception as exc:
        # pypdf raises many types (and RecursionError) on hostile input: all mean "does not parse".
        raise Refused("document.pdf_invalid", "PDF 文件已损坏或格式不正确，无法打开") from exc
    if pages < 1:
        raise Refused("document.pdf_invalid", "PDF 文件没有页面")
    if pages > MAX_PAGES:
        raise Refused("document.too_many_pages", f"PDF 文件共 {pages} 页：每个 PDF 不超过 {MAX_PAGES} 页")
    if active:
        raise Refused(
            "document.pdf_active_content",
            "PDF 文件包含脚本、附件或自动执行的操作，出于安全原因不能上传：请“打印”为新的 PDF 后再上传",
        )
    return pages


def _active_names(root: PdfObject) -> bool:
    """Walk every object reachable from the trailer; names arrive decoded (`/Java#53cript`)."""
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            if len(seen) > MAX_PDF_OBJECTS:
                raise ValueError("too many objects")
            target = obj.get_object()
            if target is not None:  # a dangling reference is null in PDF: nothing to check
                stack.append(target)
        elif isinstance(obj, DictionaryObject):  # streams too: their dictionary, never their data
            for key, value in obj.items():
                if key in ACTIVE_PDF_NAMES:
                    return True
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
        elif isinstance(obj, NameObject) and obj in ACTIVE_PDF_NAMES:
            return True
    return False
