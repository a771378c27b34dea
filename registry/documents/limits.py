"""What an upload may be, stated once: the services enforce it and the pages print `LIMITS_TEXT`."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from .models import Kind

MIB = 1024 * 1024
MAX_FILE_BYTES = 10 * MIB
MAX_FILES = 6
MAX_PIXELS = 40_000_000
MAX_PAGES = 50

# Pillow refuses to open anything over twice this (DecompressionBombError) and warns above it;
# the inspection refuses everything above MAX_PIXELS itself, before decoding a single pixel.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ACCEPT = "image/jpeg,image/png,application/pdf"
ACCEPT_IMAGES = "image/jpeg,image/png"

LIMITS_TEXT = (
    f"支持 JPG、PNG、PDF 格式；单个文件不超过 {MAX_FILE_BYTES // MIB} MB；"
    f"每项证明最多 {MAX_FILES} 个文件（多个文件将合并为一个 PDF）；"
    f"图片不超过 {MAX_PIXELS // 10_000} 万像素；PDF 不超过 {MAX_PAGES} 页且不能加密。"
)
PHOTO_LIMITS_TEXT = (
    f"请上传 1 张近期免冠正面证件照（JPG 或 PNG，不超过 {MAX_FILE_BYTES // MIB} MB）；"
    "系统会将其缩放至 358×441 像素以内并转为 JPG。"
)


@dataclass(frozen=True)
class Rule:
    """How the files of one kind are checked and re-encoded."""

    images_only: bool = False
    max_files: int = MAX_FILES
    # Re-encoded images fit this box, keeping their aspect ratio; never enlarged.
    box: tuple[int, int] = (2400, 2400)
    quality: int = 85
    max_output_bytes: int | None = None


DEFAULT_RULE = Rule()
# The ID photo: one image, 2-inch 358×441 box (aspect kept, nothing cropped: the reviewer
# judges the framing), small enough for certificates and the national hub.
PHOTO_RULE = Rule(images_only=True, max_files=1, box=(358, 441), quality=90, max_output_bytes=200 * 1024)

RULES: dict[str, Rule] = {Kind.PHOTO.value: PHOTO_RULE}


def rule_for(kind: str) -> Rule:
    return RULES.get(kind, DEFAULT_RULE)


def limits_text(kind: str) -> str:
    return PHOTO_LIMITS_TEXT if kind == Kind.PHOTO else LIMITS_TEXT
