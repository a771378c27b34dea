"""Which proofs a collection needs, and the parts of the form a reviewer can return."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Proof kinds (registry.documents Kind values) by 人员类别, in the order the page asks for them.
COMMON = [
    ("id_front", "身份证明（人像面）"),
    ("id_back", "身份证明（国徽面）"),
    ("education", "学历学位证书"),
]
BY_CATEGORY = {
    "1": [("work", "工作证明（劳动合同、在职证明或社保缴纳证明）")],
    "2": [("student", "学生证明（学生证或学籍证明）")],
    "3": [("residence", "户籍或居住证明（户口簿或居住证）")],
}
PHOTO = [("photo", "电子照片（近期免冠证件照）")]


def required_proofs(category: str) -> list[tuple[str, str]]:
    return COMMON + BY_CATEGORY.get(category, BY_CATEGORY["3"]) + PHOTO


def missing_proofs(category: str, on_file: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Proofs still to upload; one already on file is never asked for again."""
    return [(kind, label) for kind, label in required_proofs(category) if kind not in on_file]


RETURN_FIELDS = {
    "identity": "基本信息",
    "education": "学历信息",
    "work": "工作经历",
    "student": "学籍信息",
    "residence": "户籍或居住地",
    "agency": "审核机构（属地）",
    **{f"proofs.{kind}": label for kind, label in COMMON + PHOTO},
    **{f"proofs.{kind}": label for rows in BY_CATEGORY.values() for kind, label in rows},
}
