"""Conformance check of an interface document: `registry spec validate FILE...` (interface spec §9).

`validate_document(data)` takes the bytes of a file or a request body and reports every violation
it can find, each with the path of the offending value in the JSON form
(`events[1].record.identity.archive_no`), a Chinese message and a stable code:

1. form: JSON or XML, recognised from the content (a UTF-8 BOM is allowed);
2. well-formedness: UTF-8, JSON syntax without duplicate member names or NaN; XML without DTDs or
   entities, in the interface namespace and following the mapping of `xmlcodec.py`;
3. kind: `message_type` names the message; an object without it that looks like a person record
   is one; a JSON array is a list of person records;
4. schema: the Pydantic models of `messages.py` and `record.py` in strict mode (numbers must be
   numbers, not text) — the same rules the hub applies; for XML also the generated XSD;
5. limits: MAX_MESSAGE_BYTES for every message except `record_export` (a file); the models hold
   MAX_EVENTS, MAX_RECORDS and MAX_PREFIXES;
6. signature: present and well-formed (an `error` reply may be unsigned), signing agency equal to
   the message's agency; with a key, the HMAC-SM3 value. Files are checked without the replay
   window; pass `at` to check the window against that clock as the hub does for live messages.

No Django: the command in registry/core/management/commands/spec.py only prints the report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeGuard
from uuid import UUID

from pydantic import BaseModel, ValidationError

from .identity import DocumentType, check_identity
from .messages import INDEX_PREFIX, MAX_MESSAGE_BYTES, MESSAGE_TYPES
from .record import PersonRecord
from .signing import SignatureProblem, canonical_bytes, signature_block, verify
from .validation import field_errors
from .xmlcodec import RECORD_ROOT, XmlFormatError, decode, json_path

RECORD_LIST = "person_records"
UNCAPPED = {"record_export", RECORD_ROOT, RECORD_LIST}
# Replies the hub sends unsigned when it could not identify the sender's key.
MAY_BE_UNSIGNED = {"error"}

# Messages for Pydantic error types validation.field_errors words only generically.
_MESSAGES = {
    "too_long": "不能超过 {max_length} 项",
    "too_short": "至少应有 {min_length} 项",
    "string_pattern_mismatch": "格式不符合要求（{pattern}）",
    "less_than_equal": "不能大于 {le}",
    "less_than": "应小于 {lt}",
    "greater_than": "应大于 {gt}",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "int_from_float": "应为整数",
    "literal_error": "取值应为 {expected}",
    "enum": "取值应为 {expected}",
    "uuid_type": "应为 UUID 文本（如 00000000-0000-4000-8000-000000000001）",
    "datetime_type": "时间应为 RFC 3339 文本（如 2026-03-01T08:00:00Z）",
    "date_type": "日期应为 YYYY-MM-DD 文本",
    "tuple_type": "应为数组",
    "string_type": "应为文本",
    "bool_type": "应为 true 或 false",
    "int_type": "应为整数",
}
# Model-level rules of record.py, located at the member they are about.
_MODEL_RULES = {
    "至少应有一条学历信息": "education",
    "在职会计人员应填写工作经历": "work",
    "在校学生应填写学籍信息": "student",
    "毕业日期不能早于入学日期": "end_date",
    "截止日期不能早于起始日期": "end_date",
    "first_seq..last_seq 与事件数不符": "last_seq",
}
_IDENTITY_RULES = {
    "出生日期与证件号码不一致": "birth_date",
    "性别与证件号码不一致": "sex",
    "证件号码应为规范形式（18 位、大写）": "archive_no",
}
_IDENTITY_FIELDS = {"number": "archive_no", "nationality": "nationality", "document_type": "document_type"}
_LEADING_PATH = re.compile(r"^([A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*) (.+)$", re.S)


@dataclass(frozen=True)
class Violation:
    """One problem: where (JSON path, `$` = the document), what (Chinese), which rule (stable code).

    `code` is the interface error code of the spec (MALFORMED, TOO_LARGE, SCHEMA_INVALID,
    SIGNATURE_*, AGENCY_MISMATCH); `rule` names the precise rule (`identity.check_mismatch`,
    `standard.extra_forbidden`, `xml.mapping`, `xsd`)."""

    path: str
    message: str
    code: str
    rule: str

    def __str__(self) -> str:
        rule = self.rule if self.rule != self.code else ""
        return f"{self.path}: {self.message} ({self.code}{' ' + rule if rule else ''})"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "code": self.code, "rule": self.rule}


@dataclass
class Report:
    form: str | None = None  # "json" | "xml"
    kind: str | None = None  # a message_type, "person_record" or "person_records"
    violations: list[Violation] = field(default_factory=list)
    signature: str = "无签名块"  # what was found out about the signature, for people
    key_id: str | None = None
    message: Any = None  # the JSON form, when it could be read

    @property
    def ok(self) -> bool:
        return not self.violations

    def add(self, path: str, message: str, code: str, rule: str | None = None) -> None:
        violation = Violation(path, message, code, rule or code)
        if not any(v.path == violation.path and v.message == violation.message for v in self.violations):
            self.violations.append(violation)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "form": self.form,
            "kind": self.kind,
            "signature": self.signature,
            "key_id": self.key_id,
            "violations": [v.as_dict() for v in self.violations],
        }


def validate_document(
    data: bytes,
    *,
    key: bytes | None = None,
    at: datetime | None = None,
    require_signature: bool = True,
    xsd: bool = True,
) -> Report:
    """Every violation of the interface spec in one document (see the module docstring)."""
    report = Report()
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    start = body.lstrip()[:1]
    if start == b"<":
        report.form = "xml"
        value = _read_xml(body, report)
    elif start in {b"{", b"["}:
        report.form = "json"
        value = _read_json(body, report)
    else:
        report.add("$", "应为 JSON 对象、JSON 数组或 XML 文档（以 { 、[ 或 < 开头）", "MALFORMED")
        return report
    if value is _UNREADABLE:
        return report
    report.message = value
    report.kind = _kind(value, report)
    if report.kind is None:
        return report
    _check_size(report, value, len(body))
    if report.kind == RECORD_LIST:
        for index, item in enumerate(value):
            _check_model(report, PersonRecord, item, [index])
        return report
    model: type[BaseModel] = PersonRecord if report.kind == RECORD_ROOT else MESSAGE_TYPES[report.kind]
    _check_model(report, model, value, [])
    schema_ok = report.ok
    for check in _LOCATED.get(report.kind, ()):
        check(report, value)
    if report.kind != RECORD_ROOT:
        _check_signature(report, value, key=key, at=at, required=require_signature)
    if report.form == "xml" and xsd and schema_ok:
        _check_xsd(report, body)
    return report


# --- reading ---------------------------------------------------------------------------------

_UNREADABLE = object()


def _read_json(body: bytes, report: Report) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.add("$", f"不是 UTF-8 文本（第 {exc.start} 字节）", "MALFORMED")
        return _UNREADABLE
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, item in items:
            if name in out:
                duplicates.append(name)
            out[name] = item
        return out

    def constant(name: str) -> Any:
        raise ValueError(f"{name} 不是 JSON 数字")

    try:
        value = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        report.add(
            "$",
            f"不是合法的 JSON：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}",
            "MALFORMED",
            "json.syntax",
        )
        return _UNREADABLE
    except ValueError as exc:
        report.add("$", f"不是合法的 JSON：{exc}", "MALFORMED", "json.syntax")
        return _UNREADABLE
    except RecursionError:
        report.add("$", "不是合法的 JSON：嵌套过深", "MALFORMED", "json.depth")
        return _UNREADABLE
    for name in duplicates:
        report.add(
            "$",
            f"成员名 {name} 重复出现（签名的规范形式要求成员名唯一）",
            "MALFORMED",
            "json.duplicate_member",
        )
    return value


def _read_xml(body: bytes, report: Report) -> Any:
    declared = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']", body)
    if declared and declared.group(1).lower() not in {b"utf-8", b"utf8"}:
        report.add(
            "$", f"XML 应使用 UTF-8 编码，而不是 {declared.group(1).decode()}", "MALFORMED", "xml.encoding"
        )
        return _UNREADABLE
    try:
        value, issues = decode(body)
    except XmlFormatError as exc:
        for issue in exc.issues:
            report.add(issue.path, issue.message, "MALFORMED", "xml.syntax")
        return _UNREADABLE
    for issue in issues:
        report.add(issue.path, issue.message, "SCHEMA_INVALID", "xml.mapping")
    return value


def _kind(value: Any, report: Report) -> str | None:
    if isinstance(value, list):
        return RECORD_LIST
    if not isinstance(value, dict):
        report.add("$", "应为 JSON 对象（报文或人员记录）或人员记录的数组", "MALFORMED", "json.top_level")
        return None
    kind = value.get("message_type")
    if kind is None:
        if "message_type" not in value and ("identity" in value or "person_id" in value):
            return RECORD_ROOT
        known = "、".join(MESSAGE_TYPES)
        report.add(
            "message_type", f"缺少报文类型（应为 {known} 之一）", "SCHEMA_INVALID", "message.type_missing"
        )
        return None
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        known = "、".join(MESSAGE_TYPES)
        report.add(
            "message_type",
            f"未定义的报文类型 {kind!r}（应为 {known} 之一）",
            "SCHEMA_INVALID",
            "message.type_unknown",
        )
        return None
    return kind


def _check_size(report: Report, value: Any, raw_size: int) -> None:
    if report.kind in UNCAPPED:
        return
    size = raw_size if report.form == "json" else len(canonical_bytes(value))
    if size > MAX_MESSAGE_BYTES:
        where = "字节" if report.form == "json" else "字节（按 JSON 形式计）"
        report.add("$", f"报文 {size} {where}，超过上限 {MAX_MESSAGE_BYTES}", "TOO_LARGE")


# --- schema ----------------------------------------------------------------------------------


def _check_model(report: Report, model: type[BaseModel], value: Any, prefix: list[str | int]) -> None:
    try:
        model.model_validate_json(json.dumps(value, ensure_ascii=False), strict=True)
    except ValidationError as exc:
        unions: dict[str, list[str]] = {}
        for error, standard in zip(exc.errors(include_url=False), field_errors(exc), strict=True):
            parts, tagged = _value_path(value, error["loc"])
            if tagged:
                # One error per member of a union (str | int | …): say once what would do.
                path = json_path([*prefix, *parts])
                message = _locate(value, error, standard.message)[0][1]
                unions.setdefault(path, [])
                if message not in unions[path]:
                    unions[path].append(message)
                continue
            for path_parts, message, rule in _locate(value, error, standard.message):
                report.add(json_path([*prefix, *path_parts]), message, "SCHEMA_INVALID", rule)
        for path, messages in unions.items():
            report.add(path, "；或".join(messages), "SCHEMA_INVALID", "standard.union")


def _locate(value: Any, error: Any, message: str) -> list[tuple[list[str | int], str, str]]:
    """Where a Pydantic error belongs, in the terms of the JSON form; model-level rules are moved to
    the member they are about (and an identity rule is split into its field errors)."""
    path, _ = _value_path(value, error["loc"])
    kind = error["type"]
    template = _MESSAGES.get(kind)
    if template is not None:
        try:
            message = template.format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            message = template
    rule = f"standard.{kind}"
    if kind != "value_error":
        return [(path, message, rule)]
    target = _at(value, path)
    if path and path[-1] == "identity" and isinstance(target, dict):
        found = _identity_errors(target, message)
        if found:
            return [([*path, name], text, code) for name, text, code in found]
    if message in _MODEL_RULES:
        return [([*path, _MODEL_RULES[message]], message, rule)]
    leading = _LEADING_PATH.match(message)
    if leading and isinstance(target, dict):
        parts = _parse_path(leading.group(1))
        if parts and parts[0] in target:
            return [([*path, *parts], leading.group(2), rule)]
    return [(path, message, rule)]


def _value_path(value: Any, loc: tuple[str | int, ...]) -> tuple[list[str | int], bool]:
    """The error's location without Pydantic's union-member tags (which are no part of the value),
    and whether there were any."""
    out: list[str | int] = []
    skipped = False
    current = value
    for part in loc:
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            current = current[part]
        elif isinstance(current, dict) and isinstance(part, str):
            current = None  # a missing member: keep its name
        else:
            skipped = True
            continue
        out.append(part)
    return out, skipped


def _at(value: Any, path: list[str | int]) -> Any:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            return None
    return value


def _parse_path(text: str) -> list[str | int]:
    out: list[str | int] = []
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", text):
        out.append(name if name else int(index))
    return out


def _identity_errors(identity: dict[str, Any], message: str) -> list[tuple[str, str, str]]:
    for text, name in _IDENTITY_RULES.items():
        if text in message:
            return [(name, text, "standard.value_error")]
    document_type = identity.get("document_type")
    number = identity.get("archive_no")
    if not isinstance(document_type, str) or not isinstance(number, str):
        return []
    nationality = identity.get("nationality", "CHN")
    if document_type == DocumentType.RESIDENT_ID:
        nationality = None
    result = check_identity(document_type, number, nationality if isinstance(nationality, str) else None)
    return [(_IDENTITY_FIELDS.get(e.field, e.field), e.message, e.code) for e in result.errors]


# --- rules located at their member (the models state them once for the whole message) ----------


def _change_batch(report: Report, message: dict[str, Any]) -> None:
    first, last, events = message.get("first_seq"), message.get("last_seq"), message.get("events")
    if not isinstance(events, list):
        return
    if _is_int(first):
        for offset, event in enumerate(events):
            seq = event.get("seq") if isinstance(event, dict) else None
            if _is_int(seq) and seq != first + offset:
                report.add(
                    f"events[{offset}].seq",
                    f"应为 {first + offset}",
                    "SCHEMA_INVALID",
                    "standard.value_error",
                )
        if _is_int(last) and last - first + 1 != len(events):
            report.add(
                "last_seq", "first_seq..last_seq 与事件数不符", "SCHEMA_INVALID", "standard.value_error"
            )
    for offset, event in enumerate(events):
        record = event.get("record") if isinstance(event, dict) else None
        if not isinstance(record, dict):
            continue
        version, person_version = record.get("version"), event.get("person_version")
        if _is_int(version) and _is_int(person_version) and version != person_version:
            path = f"events[{offset}].record.version"
            report.add(path, "与 person_version 不一致", "SCHEMA_INVALID", "standard.value_error")
        record_id, event_id = _uuid(record.get("person_id")), _uuid(event.get("person_id"))
        if record_id is not None and event_id is not None and record_id != event_id:
            path = f"events[{offset}].record.person_id"
            report.add(path, "与 person_id 不一致", "SCHEMA_INVALID", "standard.value_error")


def _reconcile_request(report: Report, message: dict[str, Any]) -> None:
    prefixes = message.get("prefixes")
    if not isinstance(prefixes, list):
        return
    located = False
    for index, item in enumerate(prefixes):
        if isinstance(item, str) and not INDEX_PREFIX.match(item):
            report.add(
                f"prefixes[{index}]",
                f"前缀 {item!r} 应为 0–8 位小写十六进制",
                "SCHEMA_INVALID",
                "standard.value_error",
            )
            located = True
    if located:  # the model's own message names only the first bad prefix, at the list
        report.violations = [
            v for v in report.violations if not (v.path == "prefixes" and v.message.startswith("前缀 "))
        ]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


_LOCATED: dict[str, tuple[Callable[[Report, dict[str, Any]], None], ...]] = {
    "change_batch": (_change_batch,),
    "reconcile_request": (_reconcile_request,),
}


# --- signature -------------------------------------------------------------------------------


def _check_signature(
    report: Report, message: dict[str, Any], *, key: bytes | None, at: datetime | None, required: bool
) -> None:
    if message.get("signature") is None:
        report.signature = "无签名块"
        if required and report.kind not in MAY_BE_UNSIGNED:
            report.add("signature", "报文未签名", "SIGNATURE_MISSING")
        return
    try:
        block = signature_block(message)
    except SignatureProblem as problem:
        report.signature = "签名块不完整或格式错误"
        report.add(problem.path, problem.message, problem.code)
        return
    report.key_id = block["key_id"]
    signed_at = _parse_time(block["signed_at"])
    if signed_at is None:
        report.signature = "签名块格式错误"
        report.add(
            "signature.signed_at",
            "签名时间应为带时区的 RFC 3339 时间（如 2026-03-01T08:00:00Z）",
            "SIGNATURE_INVALID",
        )
        return
    agency = message.get("agency")
    if isinstance(agency, str) and block["agency"] != agency:
        report.add(
            "signature.agency", f"签名机构 {block['agency']} 与报文机构 {agency} 不一致", "AGENCY_MISMATCH"
        )
    if key is None:
        report.signature = "签名块完整（未提供密钥，未校验签名值）"
        return
    try:
        verify(message, key=key, now=at or signed_at)
    except SignatureProblem as problem:
        report.signature = "签名无效"
        report.add(problem.path, problem.message, problem.code)
        return
    report.signature = "签名有效" + ("" if at is None else "（在时间窗口内）")


def _parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# --- XSD -------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _xml_schema() -> Any:
    try:
        import xmlschema
    except ImportError:  # pragma: no cover - the models have checked everything that matters
        return None
    from .xsd import interface_xsd

    return xmlschema.XMLSchema(interface_xsd())


def _check_xsd(report: Report, body: bytes) -> None:
    schema = _xml_schema()
    if schema is None:  # pragma: no cover
        return
    from .xmlcodec import parse

    seen: set[str] = set()
    for error in schema.iter_errors(parse(body)):
        path = _xsd_path(error.path)
        if path not in seen:  # one reason per element is enough
            seen.add(path)
            report.add(path, f"不符合 XSD：{error.reason}", "SCHEMA_INVALID", "xsd")


def _xsd_path(xpath: str | None) -> str:
    """`/r:change_batch/r:events/r:item[2]` → `events[1]`."""
    parts: list[str | int] = []
    for step in re.sub(r"\{[^}]*\}", "", xpath or "").strip("/").split("/")[1:]:
        name = step.split(":")[-1]
        match = re.match(r"^(.*?)\[(\d+)\]$", name)
        if match:
            name, position = match.group(1), int(match.group(2))
        else:
            position = 1
        if name == "item":
            parts.append(position - 1)
        elif name:
            parts.append(name)
    return json_path(parts)
