from __future__ import annotations

from django import template

register = template.Library()

ACTIONS = {
    "submit": "提交申请",
    "resubmit": "修改后重新提交",
    "withdraw": "撤回申请",
    "approve": "批准变更",
    "return": "退回修改",
    "reject": "不予通过",
}
BADGES = {
    "submitted": "warning",
    "returned": "danger",
    "approved": "success",
    "rejected": "dark",
    "withdrawn": "secondary",
}


@register.filter
def change_action(action: str) -> str:
    return ACTIONS.get(action, action)


@register.filter
def change_badge(status: str) -> str:
    return BADGES.get(status, "secondary")
