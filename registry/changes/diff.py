"""A readable, field-by-field diff of two values in the standard's form.

Labels are the standard's own Chinese item names (the Pydantic field descriptions), codes are shown
by their names, and archive numbers are always masked (with the positions that differ).
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Union, get_args, get_origin

from django.utils import timezone
from pydantic import BaseModel

from registry.orgs.models import Agency
from registry.standard import record as std
from registry.standard.codes import divisions, load_table
from registry.standard.masking import mask_archive_no

Path = tuple[str | int, ...]

SECTION_LABELS = {"identity": "基础信息", "collection": "采集信息", "extensions": "省级扩充项"}
EXTRA_LABELS = {"entries": "明细"}
SKIPPED = {("spec_version",), ("person_id",), ("version",)}
# (model, item) → code table; "division" and "agency" are shown by their names too.
CODE_TABLES = {
    ("Identity", "document_type"): "document_type",
    ("Identity", "sex"): "sex",
    ("Identity", "nationality"): "country",
    ("Identity", "ethnicity"): "ethnicity",
    ("Identity", "political_status"): "political_status",
    ("Identity", "residence_region"): "division",
    ("Collection", "category"): "person_category",
    ("Collection", "status"): "person_status",
    ("Collection", "agency_code"): "agency",
    ("Education", "mode"): "training_mode",
    ("Education", "education"): "education",
    ("Education", "degree"): "degree",
    ("Work", "unit_nature"): "unit_nature",
    ("Work", "industry"): "industry",
    ("Work", "unit_region"): "division",
    ("Work", "post"): "accounting_post",
    ("Student", "school_region"): "division",
    ("Qualification", "level"): "qualification_level",
    ("Qualification", "route"): "qualification_route",
    ("ContinuingEducationEntry", "form"): "ce_form",
    ("ContinuingEducationEntry", "subject"): "ce_subject",
    ("ContinuingEducationEntry", "route"): "ce_route",
    ("Talent", "programme"): "talent_programme",
    ("Talent", "status"): "talent_status",
    ("CreditEntry", "penalty"): "penalty_kind",
}
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Change:
    path: str  # "identity.name", "education.0.school"
    label: str  # "基础信息 · 姓名", "学历信息 第1条 · 学校"
    old: str
    new: str
    kind: str  # changed | added | removed
    note: str = ""


def flatten(value: Any, prefix: Path = ()) -> dict[Path, Any]:
    """Leaves of nested dicts and lists, keyed by their path."""
    if isinstance(value, Mapping):
        out: dict[Path, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, (*prefix, str(key))))
        return out
    if isinstance(value, list | tuple):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, (*prefix, i)))
        return out
    return {prefix: value}


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


@lru_cache(maxsize=512)
def describe(path: Path) -> tuple[str, str | None]:
    """The Chinese label of a path and the code table of its leaf (None if not a code)."""
    model: type[BaseModel] | None = std.PersonRecord
    parts: list[str] = []
    table = None
    for key in path:
        if isinstance(key, int):
            if parts:
                parts[-1] += f" 第{key + 1}条"
            continue
        field = model.model_fields.get(key) if model is not None else None
        if field is None:
            parts.append(EXTRA_LABELS.get(key, key))
            model, table = None, None
            continue
        top = model is std.PersonRecord
        label = SECTION_LABELS.get(key) if top else None
        parts.append(label or field.description or EXTRA_LABELS.get(key, key))
        table = CODE_TABLES.get((model.__name__, key)) if model is not None else None
        model = _inner_model(field.annotation)
    return " · ".join(parts), table


class Labeller:
    """Formats leaf values for people; caches agency names and extension item labels per use."""

    def __init__(self, extension_labels: Mapping[str, str] | None = None) -> None:
        self.extension_labels = dict(extension_labels or {})
        self._agencies: dict[str, str] = {}

    def label(self, path: Path) -> str:
        if len(path) >= 2 and path[0] == "extensions":
            key = str(path[1])
            return f"省级扩充项 · {self.extension_labels.get(key, key)}"
        return describe(path)[0]

    def show(self, path: Path, value: Any) -> str:
        if _empty(value):
            return "—"
        if path and path[-1] == "archive_no":
            return mask_archive_no(str(value))
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, float):
            return f"{value:g}"  # 20.0 → "20", 12.5 → "12.5", as every other page shows credits
        table = describe(path)[1] if path and path[0] != "extensions" else None
        text = str(value)
        if table == "agency":
            if text not in self._agencies:
                agency = Agency.objects.filter(code=text).only("name").first()
                self._agencies[text] = agency.name if agency else text
            return self._agencies[text]
        if table == "division":
            try:
                return str(divisions().full_name(text))
            except KeyError:
                return text
        if table is not None:
            entry = load_table(table).get(text)
            return entry.name if entry else text
        if ISO_DATETIME.match(text):
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                return text
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return moment.strftime("%Y-%m-%d %H:%M")
        return text


def archive_note(old: Any, new: Any) -> str:
    """Which positions of a masked number changed, so a reviewer sees what the mask hides."""
    a, b = str(old or ""), str(new or "")
    if not a or not b:
        return ""
    if len(a) != len(b):
        return f"位数不同（{len(a)} 位 → {len(b)} 位）"
    positions = [str(i + 1) for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return f"第 {'、'.join(positions)} 位不同" if positions else ""


def diff(old: Any, new: Any, prefix: Path = (), labeller: Labeller | None = None) -> list[Change]:
    """Every leaf that differs between `old` and `new` (both in the standard's JSON form)."""
    labeller = labeller or Labeller()
    before, after = flatten(old, prefix), flatten(new, prefix)
    keys = list(before) + [k for k in after if k not in before]
    changes = []
    for path in keys:
        if path in SKIPPED:
            continue
        a, b = before.get(path), after.get(path)
        if a == b or (_empty(a) and _empty(b)):
            continue
        kind = "added" if path not in before or _empty(a) else "removed" if _empty(b) else "changed"
        note = archive_note(a, b) if path[-1:] == ("archive_no",) else ""
        changes.append(
            Change(
                path=".".join(str(p) for p in path),
                label=labeller.label(path),
                old=labeller.show(path, a),
                new=labeller.show(path, b),
                kind=kind,
                note=note,
            )
        )
    return changes


def changed_paths(old: Any, new: Any, prefix: Path = ()) -> list[Path]:
    before, after = flatten(old, prefix), flatten(new, prefix)
    return [
        p
        for p in list(before) + [k for k in after if k not in before]
        if not (before.get(p) == after.get(p) or (_empty(before.get(p)) and _empty(after.get(p))))
    ]


def summary(changes: list[Change], limit: int = 300) -> str:
    """ "姓名、证件号码" — the distinct item names of a diff, for lists."""
    names: list[str] = []
    for c in changes:
        name = re.sub(r" 第\d+条", "", c.label.split(" · ")[-1])
        if name not in names:
            names.append(name)
    text = "、".join(names)
    return text if len(text) <= limit else text[: limit - 1] + "…"
