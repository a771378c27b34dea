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
    "qualification.add": "录入专业技术资格",
    "qualification.report": "申报专业技术资格",
    "qualification.approve": "专业技术资格审核通过",
    "qualification.return": "专业技术资格退回",
    "qualification.batch_add": "批量录入专业技术资格",
    "talent.add": "录入高端会计人才",
    "talent.status": "高端会计人才状态变更",
    "ce.register": "登记继续教育学分",
    "ce.batch": "批量报送继续教育学分",
    "ce.self_report": "申报继续教育学分",
    "ce.approve": "继续教育学分审核通过",
    "ce.return": "继续教育学分退回",
    "extensions.set": "修改省级扩充项",
    "change.submit": "提出信息变更申请",
    "change.revise": "修改信息变更申请",
    "change.return": "信息变更申请退回",
    "change.reject": "信息变更申请不予通过",
    "change.withdraw": "撤回信息变更申请",
    "change.approve": "信息变更审核通过",
    "credit.add": "录入信用信息",
    "credit.supersede": "信用信息被替代",
    "credit.expire": "信用信息公开期满",
    "credit.objection_file": "提出信用异议",
    "credit.objection_uphold": "信用异议成立",
    "credit.objection_reject": "信用异议不成立",
    "credit.objection_withdraw": "撤回信用异议",
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
