from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

ACTION_LABELS = {
    "person.create": "建立记录",
    "person.update": "修改信息",
    "person.reveal_archive_no": "查看完整证件号码",
}


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "") if mapping else ""


@register.filter
def full_name(table: Any, code: str) -> str:
    try:
        return str(table.full_name(code))
    except KeyError:
        return code


@register.filter
def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
