"""Checking an item definition: its key, its code list and, for a pattern, that the regular
expression is safe to run on every value (bounded, no nested or back-referencing repetition)."""

from __future__ import annotations

import re
import re._parser as sre
from decimal import Decimal, InvalidOperation
from typing import Any

from registry.standard.codes import load_table
from registry.standard.errors import FieldError

from .models import ItemType

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")
MAX_PATTERN = 200
MAX_PATTERN_VALUE = 100
MAX_UNBOUNDED = 3
MAX_CODES = 500
MAX_TEXT = 500
REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}


def parse_codes(raw: Any) -> tuple[list[list[str]], list[FieldError]]:
    """Lines "code 名称" (or [[code, name], ...]) → [[code, name], ...]."""
    lines = raw if isinstance(raw, list) else str(raw or "").splitlines()
    codes: list[list[str]] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        parts = [str(p) for p in line] if isinstance(line, list | tuple) else line.strip().split(None, 1)
        if not parts or not "".join(parts).strip():
            continue
        code, name = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
        if not CODE.match(code) or not name or len(name) > 50:
            errors.append(
                FieldError(
                    "extensions.bad_code_line", "codes", f"第 {n} 行应为“代码 名称”，代码由字母、数字组成"
                )
            )
        elif code in seen:
            errors.append(FieldError("extensions.duplicate_code", "codes", f"第 {n} 行：代码 {code} 重复"))
        else:
            seen.add(code)
            codes.append([code, name])
    if not codes and not errors:
        errors.append(FieldError("extensions.codes_required", "codes", "代码选择类的扩充项至少应有一个代码"))
    if len(codes) > MAX_CODES:
        errors.append(FieldError("extensions.too_many_codes", "codes", f"代码不超过 {MAX_CODES} 个"))
    return codes, errors


def _walk(items: Any, repeated: bool, counts: dict[str, int]) -> str | None:
    for op, av in items:
        if op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            return "不支持反向引用"
        if op in REPEATS:
            low, high, sub = av
            if high == sre.MAXREPEAT:
                counts["unbounded"] += 1
            many = high > 1
            if repeated and low != high:
                return "重复部分中不能再有可变次数的重复（如 (a+)+），以免校验耗时过长"
            problem = _walk(sub, repeated or many, counts)
        elif op == sre.SUBPATTERN:
            problem = _walk(av[3], repeated, counts)
        elif op == sre.BRANCH:
            if repeated:
                return "重复部分中不能使用“|”分支，请改用字符集（如 [A-Z0-9]+）"
            problem = next((p for b in av[1] if (p := _walk(b, repeated, counts))), None)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            problem = _walk(av[1], repeated, counts)
        else:
            problem = None
        if problem:
            return problem
    return None


def check_pattern(pattern: str) -> list[FieldError]:
    """A pattern every value is fully matched against (re.fullmatch): refuse what may not compile or
    may take long on a crafted value."""

    def error(code: str, message: str) -> list[FieldError]:
        return [FieldError(code, "pattern", message)]

    if not pattern:
        return error("extensions.pattern_required", "请填写格式（正则表达式）")
    if len(pattern) > MAX_PATTERN:
        return error("extensions.pattern_too_long", f"正则表达式不超过 {MAX_PATTERN} 个字符")
    try:
        re.compile(pattern)
        parsed = sre.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return error("extensions.bad_pattern", f"正则表达式有误：{exc}")
    counts = {"unbounded": 0}
    problem = _walk(parsed, False, counts)
    if problem:
        return error("extensions.unsafe_pattern", problem)
    if counts["unbounded"] > MAX_UNBOUNDED:
        return error("extensions.unsafe_pattern", f"不限次数的重复（*、+）不超过 {MAX_UNBOUNDED} 处")
    return []


def _decimal(raw: Any, field: str, label: str) -> tuple[Decimal | None, list[FieldError]]:
    if raw is None or str(raw).strip() == "":
        return None, []
    try:
        value = Decimal(str(raw).strip())
        if not value.is_finite() or abs(value) >= Decimal(10) ** 18:
            raise InvalidOperation
    except InvalidOperation:
        return None, [FieldError("extensions.bad_bound", field, f"{label}应为数字")]
    return value, []


def _given(value: Any, default: int) -> Any:
    return default if value is None or value == "" else value


def check_definition(data: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """The definition as it would be stored, and every problem with it."""
    errors: list[FieldError] = []
    key = str(data.get("key") or "").strip()
    if not KEY.match(key):
        errors.append(
            FieldError(
                "extensions.bad_key", "key", "标识应以小写字母开头，由小写字母、数字和下划线组成（2–40 位）"
            )
        )
    label = str(data.get("label") or "").strip()
    if not label or len(label) > 50:
        errors.append(FieldError("extensions.bad_label", "label", "请填写名称（不超过 50 个字）"))
    kind = str(data.get("type") or "")
    if kind not in ItemType.values:
        errors.append(FieldError("extensions.bad_type", "type", "请选择类型"))
    out: dict[str, Any] = {
        "key": key,
        "label": label,
        "type": kind,
        "codes": [],
        "pattern": "",
        "pattern_hint": str(data.get("pattern_hint") or "").strip()[:100],
        "min_value": None,
        "max_value": None,
        "required": bool(data.get("required")),
        "active": bool(data.get("active", True)),
        "help_text": str(data.get("help_text") or "").strip()[:200],
    }
    try:
        out["order"] = max(0, min(32767, int(_given(data.get("order"), 100))))
        out["max_length"] = int(_given(data.get("max_length"), 100))
    except (TypeError, ValueError):
        errors.append(FieldError("extensions.bad_number", "order", "排序和最大长度应为整数"))
        out["order"], out["max_length"] = 100, 100
    if not 1 <= out["max_length"] <= MAX_TEXT:
        errors.append(
            FieldError("extensions.bad_max_length", "max_length", f"最大长度应在 1–{MAX_TEXT} 之间")
        )
    known = set(load_table("person_category").entries)
    categories = [str(c) for c in data.get("categories") or []]
    if any(c not in known for c in categories):
        errors.append(FieldError("extensions.bad_category", "categories", "适用人员类别不正确"))
    out["categories"] = sorted(set(categories))
    if kind == ItemType.CHOICE:
        out["codes"], code_errors = parse_codes(data.get("codes"))
        errors += code_errors
    if kind == ItemType.PATTERN:
        out["pattern"] = str(data.get("pattern") or "").strip()
        errors += check_pattern(out["pattern"])
        out["max_length"] = min(out["max_length"], MAX_PATTERN_VALUE)
    if kind in (ItemType.INTEGER, ItemType.DECIMAL):
        out["min_value"], low_errors = _decimal(data.get("min_value"), "min_value", "最小值")
        out["max_value"], high_errors = _decimal(data.get("max_value"), "max_value", "最大值")
        errors += low_errors + high_errors
        low, high = out["min_value"], out["max_value"]
        if low is not None and high is not None and low > high:
            errors.append(FieldError("extensions.bad_bounds", "max_value", "最大值不能小于最小值"))
    return out, errors
