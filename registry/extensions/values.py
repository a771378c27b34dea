"""Checking a value against its item (like the standard checks a national item), and the typed value
the snapshot carries. A problem has a stable code and a Chinese message."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .models import ExtensionItem, ItemType

INTEGER = re.compile(r"^[+-]?\d{1,18}$")
DECIMAL = re.compile(r"^[+-]?(\d{1,18}(\.\d{0,6})?|\.\d{1,6})$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRUE = {"true", "1", "yes", "on", "是", "y"}
FALSE = {"false", "0", "no", "off", "否", "n"}


class Problem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def is_empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _number(item: ExtensionItem, text: str) -> Decimal:
    if item.type == ItemType.INTEGER and not INTEGER.match(text):
        raise Problem("extensions.not_integer", "应为整数")
    if item.type == ItemType.DECIMAL and not DECIMAL.match(text):
        raise Problem("extensions.not_decimal", "应为数字（最多 6 位小数）")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise Problem("extensions.not_decimal", "应为数字") from exc
    if item.min_value is not None and number < item.min_value:
        raise Problem("extensions.too_small", f"不能小于 {_plain(item.min_value)}")
    if item.max_value is not None and number > item.max_value:
        raise Problem("extensions.too_large", f"不能大于 {_plain(item.max_value)}")
    return number


def _plain(number: Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _date(raw: Any) -> str:
    if isinstance(raw, date):
        return raw.isoformat()
    text = str(raw).strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise Problem("extensions.bad_date", "日期格式应为 YYYY-MM-DD") from exc


def _boolean(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    text = str(raw).strip().lower()
    if text in TRUE:
        return "true"
    if text in FALSE:
        return "false"
    raise Problem("extensions.bad_boolean", "应为“是”或“否”")


def _text(item: ExtensionItem, raw: Any) -> str:
    text = str(raw).strip()
    if CONTROL.search(text):
        raise Problem("extensions.bad_text", "不能含有控制字符")
    if len(text) > item.max_length:
        raise Problem("extensions.too_long", f"长度不能超过 {item.max_length} 个字符")
    return text


def clean(item: ExtensionItem, raw: Any) -> str | None:
    """The value as stored (text), None when empty. Raises Problem."""
    if is_empty(raw):
        return None
    if item.type in (ItemType.INTEGER, ItemType.DECIMAL):
        if isinstance(raw, bool):
            raise Problem(
                "extensions.not_integer" if item.type == ItemType.INTEGER else "extensions.not_decimal",
                "应为数字",
            )
        number = _number(item, str(raw).strip())
        return str(int(number)) if item.type == ItemType.INTEGER else _plain(number)
    if item.type == ItemType.DATE:
        return _date(raw)
    if item.type == ItemType.BOOLEAN:
        return _boolean(raw)
    if item.type == ItemType.CHOICE:
        code = str(raw).strip()
        if code not in item.code_names:
            raise Problem("extensions.bad_choice", f"代码 {code[:20]} 不在“{item.label}”的代码表中")
        return code
    text = _text(item, raw)
    if item.type == ItemType.PATTERN and not re.fullmatch(item.pattern, text):
        hint = f"：{item.pattern_hint}" if item.pattern_hint else ""
        raise Problem("extensions.pattern_mismatch", f"格式不符合要求{hint}")
    return text


def typed(item: ExtensionItem, stored: str) -> str | int | float | bool:
    """The stored text as the snapshot carries it (dates and codes stay text)."""
    try:
        if item.type == ItemType.INTEGER:
            return int(stored)
        if item.type == ItemType.DECIMAL:
            return float(Decimal(stored))
        if item.type == ItemType.BOOLEAN:
            return stored == "true"
    except (ValueError, InvalidOperation):
        pass
    return stored


def shown(item: ExtensionItem, stored: str | None) -> str:
    """The value for people: names for codes, 是/否 for booleans."""
    if stored is None or stored == "":
        return "—"
    if item.type == ItemType.BOOLEAN:
        return "是" if stored == "true" else "否"
    if item.type == ItemType.CHOICE:
        return item.code_names.get(stored, stored)
    return stored
