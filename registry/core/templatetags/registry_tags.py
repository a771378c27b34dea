from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

ACTION_LABELS = {
    "person.create": "建立记录",
    "person.update": "修改信息",
    "person.reveal_archive_no": "查看完整证件号码",
    "collection.pledge": "确认承诺函",
    "collection.submit": "提交采集信息",
    "collection.approve": "审核通过",
    "collection.return": "退回修改",
    "collection.reassign": "转办",
    "collection.walk_in": "窗口现场采集",
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


@register.filter
def choice_groups(choices: Any) -> list[tuple[str | None, list[tuple[Any, Any]]]]:
    """Choices as (group label or None, options), so a template can draw optgroups."""
    out: list[tuple[str | None, list[tuple[Any, Any]]]] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            out.append((str(value), list(label)))
        elif out and out[-1][0] is None:
            out[-1][1].append((value, label))
        else:
            out.append((None, [(value, label)]))
    return out
