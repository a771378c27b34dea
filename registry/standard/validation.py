"""Turn Pydantic validation errors into the standard's field errors, in Chinese."""

from __future__ import annotations

from pydantic import ValidationError

from .errors import FieldError

_MESSAGES = {
    "missing": "此项为必填项",
    "string_too_short": "此项不能为空或过短",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_type": "应为文本",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "datetime_from_date_parsing": "时间格式不正确",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是或否",
    "bool_type": "应为是或否",
    "uuid_parsing": "标识格式不正确",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "extra_forbidden": "不允许的数据项",
    "greater_than_equal": "不能小于 {ge}",
    "list_type": "应为列表",
    "model_type": "应为对象",
    "dict_type": "应为对象",
}


def field_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"])
        field = ".".join(p for p in (prefix, loc) if p) or "record"
        kind = err["type"]
        if kind == "value_error":
            message = str(err.get("ctx", {}).get("error", err["msg"]))
        else:
            template = _MESSAGES.get(kind, "数据不符合标准")
            try:
                message = template.format(**err.get("ctx", {}))
            except (KeyError, IndexError):
                message = template
        out.append(FieldError(f"standard.{kind}", field, message))
    return out
