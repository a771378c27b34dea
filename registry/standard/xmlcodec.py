"""XML form of the interface messages and the person record, for file exchange (interface spec §3).

The XML form carries exactly the message's JSON form: `from_xml(to_xml(m)) == m` for every message
that can be written as XML, so the signature over the canonical JSON form (signing.py) verifies
whichever form the message travelled in. The mapping (docs/interface/README.md §3 repeats it):

- One namespace, ``urn:registry:interface:<spec version>``; every element is in it.
- The root element is named after ``message_type`` (``change_batch``, ``ack`` …) and carries no
  ``message_type`` child; a bare person record has the root ``person_record``.
- An object member is a child element named after the member (order does not matter to readers;
  writers follow the schema). A member that is absent from the object has no element; a member
  whose value is null is an empty element with ``xsi:nil="true"``. Absent and null therefore
  survive a round trip as they were.
- A list is an element whose children are one ``<item>`` per entry, in order; ``[]`` is an empty
  element. A fixed-length list (a tuple such as a bucket's ``[index, version]``) is the same.
- A map with free keys (``signature``, ``extensions``) is an element whose children are one
  ``<entry key="…">`` per member.
- A string is the element's text, exactly (no trimming; ``""`` is an empty element). Numbers,
  booleans and dates are written as in JSON: ``42``, ``1.5``, ``true``/``false``,
  ``2026-03-01T08:00:00Z``.
- Types come from the schema (docs/interface/interface.xsd, generated from the same models). Where
  the schema does not fix one type — the values of ``extensions``, or a value of the wrong type —
  the element carries ``type="string|integer|number|boolean|object|array"``. A number without a
  fraction or exponent reads back as an integer, one with them as a floating-point number.

Parsing goes through defusedxml with DTDs forbidden: no DOCTYPE, no entities, no external
references (billion laughs, XXE). Strings may not hold characters XML 1.0 cannot carry (controls
other than TAB, LF, CR); `to_xml` refuses them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from . import SPEC_VERSION
from .messages import MESSAGE_TYPES
from .record import PersonRecord

NS = f"urn:registry:interface:{SPEC_VERSION}"
NS_PREFIX = "urn:registry:interface:"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RECORD_ROOT = "person_record"
ITEM = "item"
ENTRY = "entry"
JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array")
# Deeper than any message needs (a record is 5 levels inside a batch); guards the recursion.
MAX_DEPTH = 40

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DOUBLE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NIL_ATTR = f"{{{XSI}}}nil"
_ROOT_ATTRS = {f"{{{XSI}}}schemaLocation", f"{{{XSI}}}noNamespaceSchemaLocation"}

Schema = dict[str, Any]


class XmlEncodeError(ValueError):
    """The value has no XML form (a control character in a string, a key that is not an XML name)."""


@dataclass(frozen=True)
class XmlIssue:
    path: str
    message: str


@dataclass
class XmlFormatError(ValueError):
    """The document is not well-formed, is refused (DTD, entities) or breaks the mapping."""

    issues: list[XmlIssue] = field(default_factory=list)

    def __str__(self) -> str:
        return "；".join(f"{i.path}: {i.message}" for i in self.issues)


def json_path(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """`events[3].record.identity.archive_no`; `$` for the document itself."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out or "$"


# --- schema access ---------------------------------------------------------------------------


@cache
def kind_schema(kind: str) -> Schema | None:
    """The JSON Schema (validation mode) of a message type, or of the person record."""
    if kind == RECORD_ROOT:
        return PersonRecord.model_json_schema()
    model = MESSAGE_TYPES.get(kind)
    return model.model_json_schema() if model is not None else None


@dataclass(frozen=True)
class _Node:
    """A position in a kind's schema: the options (anyOf, resolved) a value there may take."""

    root: Schema | None
    options: tuple[Schema, ...]

    @classmethod
    def of(cls, root: Schema | None, schema: Schema | None) -> _Node:
        if root is None or schema is None:
            return cls(root, ())
        return cls(root, tuple(_flatten(root, schema)))

    def types(self) -> set[str]:
        out: set[str] = set()
        for option in self.options:
            out |= _types_of(option)
        return out

    def primary(self) -> str | None:
        """The type a value without a `type` attribute has here (None: the schema does not say)."""
        types = self.types() - {"null"}
        for kind in ("string", "object", "array", "number", "integer", "boolean"):
            if kind in types:
                return kind
        return None

    def _of_type(self, kind: str) -> list[Schema]:
        return [o for o in self.options if kind in _types_of(o)]

    def member(self, key: str) -> _Node:
        for option in self._of_type("object"):
            props = option.get("properties", {})
            if key in props:
                return _Node.of(self.root, props[key])
        return _Node(self.root, ())

    def is_map(self) -> bool:
        objects = self._of_type("object")
        return bool(objects) and all(
            "properties" not in o and isinstance(o.get("additionalProperties"), dict) for o in objects
        )

    def map_value(self) -> _Node:
        for option in self._of_type("object"):
            extra = option.get("additionalProperties")
            if isinstance(extra, dict):
                return _Node.of(self.root, extra)
        return _Node(self.root, ())

    def item(self, index: int) -> _Node:
        for option in self._of_type("array"):
            prefix = option.get("prefixItems")
            if isinstance(prefix, list):
                return _Node.of(self.root, prefix[index]) if index < len(prefix) else _Node(self.root, ())
            if isinstance(option.get("items"), dict):
                return _Node.of(self.root, option["items"])
        return _Node(self.root, ())


def _resolve(root: Schema, schema: Schema) -> Schema:
    seen = 0
    while "$ref" in schema and seen < 20:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {})[name]
        seen += 1
    return schema


def _flatten(root: Schema, schema: Schema) -> Iterator[Schema]:
    schema = _resolve(root, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        for option in options:
            yield from _flatten(root, option)
    else:
        yield schema


def _types_of(schema: Schema) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return set(kind)
    values = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if values is not None:
        return {_json_type(v) for v in values}
    return set(JSON_TYPES) | {"null"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise XmlEncodeError(f"{type(value).__name__} 不是 JSON 值")


# --- writing ---------------------------------------------------------------------------------


def to_xml(message: dict[str, Any]) -> bytes:
    """The XML form of a message (root = its message_type) or of a bare person record."""
    if not isinstance(message, dict):
        raise XmlEncodeError("只有 JSON 对象（报文或人员记录）有 XML 形式")
    kind = message.get("message_type", RECORD_ROOT)
    if not isinstance(kind, str) or not _NAME.match(kind):
        raise XmlEncodeError(f"message_type {kind!r} 不能作为 XML 元素名")
    schema = kind_schema(kind)
    node = _Node.of(schema, schema)
    body = {k: v for k, v in message.items() if not (k == "message_type" and kind != RECORD_ROOT)}
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _write(out, kind, body, node, 0, f' xmlns="{NS}" xmlns:xsi="{XSI}"', force_object=True)
    return "".join(out).encode("utf-8")


def _write(
    out: list[str],
    name: str,
    value: Any,
    node: _Node,
    depth: int,
    attrs: str = "",
    *,
    force_object: bool = False,
) -> None:
    if depth > MAX_DEPTH:
        raise XmlEncodeError("嵌套过深")
    pad = "  " * depth
    kind = _json_type(value)
    if kind == "null":
        out.append(f'{pad}<{name}{attrs} xsi:nil="true"/>\n')
        return
    primary = node.primary()
    same = kind == primary or (kind == "integer" and primary == "number") or force_object
    if not same:
        attrs += f' type="{kind}"'
    if kind == "object":
        as_map = node.is_map() if same else False
        if not value:
            out.append(f"{pad}<{name}{attrs}/>\n")
            return
        out.append(f"{pad}<{name}{attrs}>\n")
        if as_map:
            child = node.map_value()
            for key, item in value.items():
                _write(out, ENTRY, item, child, depth + 1, f' key="{_escape(str(key), attr=True)}"')
        else:
            for key, item in value.items():
                if not isinstance(key, str) or not _NAME.match(key) or ":" in key:
                    raise XmlEncodeError(f"数据项名 {key!r} 不能作为 XML 元素名")
                if key == "message_type" and depth == 0:
                    raise XmlEncodeError("message_type 由根元素名表示")
                _write(out, key, item, node.member(key) if same else _Node(None, ()), depth + 1)
        out.append(f"{pad}</{name}>\n")
    elif kind == "array":
        if not value:
            out.append(f"{pad}<{name}{attrs}/>\n")
            return
        out.append(f"{pad}<{name}{attrs}>\n")
        for index, item in enumerate(value):
            _write(out, ITEM, item, node.item(index) if same else _Node(None, ()), depth + 1)
        out.append(f"{pad}</{name}>\n")
    else:
        out.append(f"{pad}<{name}{attrs}>{_escape(_scalar_text(value))}</{name}>\n")


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise XmlEncodeError("NaN 和无穷大不是 JSON 数字")
        return repr(value)
    return str(value)


def _escape(text: str, *, attr: bool = False) -> str:
    bad = _NOT_XML.search(text)
    if bad:
        raise XmlEncodeError(f"字符 U+{ord(bad.group()):04X} 不能出现在 XML 中")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if attr:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


# --- reading ---------------------------------------------------------------------------------


def parse(data: bytes) -> Element:
    """The element tree of a document; DTDs, entities and external references are refused."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)  # type: ignore[no-any-return]
    except DefusedXmlException as exc:
        raise XmlFormatError(
            [XmlIssue("$", f"XML 不允许包含 DTD、实体声明或外部引用（{type(exc).__name__}）")]
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise XmlFormatError(
            [XmlIssue("$", f"不是格式良好的 XML：第 {line} 行第 {column + 1} 列：{exc}")]
        ) from exc


def decode(data: bytes) -> tuple[Any, list[XmlIssue]]:
    """The JSON form of a document and the ways it breaks the mapping (empty for a good document).

    A broken document still yields its best reading, so a validator can report every problem at
    once. Raises XmlFormatError only when the bytes are not XML at all or are refused."""
    root = parse(data)
    issues: list[XmlIssue] = []
    namespace, kind = _split(root.tag)
    if namespace != NS:
        issues.append(XmlIssue("$", _namespace_message(namespace)))
    for attr in root.attrib:
        if attr not in _ROOT_ATTRS:
            issues.append(XmlIssue("$", f"根元素不应有属性 {_local(attr)}"))
    schema = kind_schema(kind)
    reader = _Reader(issues, namespace)
    value = reader.read_object(root, _Node.of(schema, schema), [], 0, root=True)
    if kind != RECORD_ROOT:
        if "message_type" in value:
            issues.append(XmlIssue("message_type", "message_type 由根元素名表示，不应另设子元素"))
        value = {"message_type": kind, **value}
    return value, issues


def from_xml(data: bytes) -> dict[str, Any]:
    """The JSON form of an XML message or person record; XmlFormatError lists every problem."""
    value, issues = decode(data)
    if issues:
        raise XmlFormatError(issues)
    return value  # type: ignore[no-any-return]


def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return None, tag


def _local(tag: str) -> str:
    return _split(tag)[1]


def _namespace_message(namespace: str | None) -> str:
    if namespace is None:
        return f"元素应在命名空间 {NS} 中（缺少 xmlns）"
    if namespace.startswith(NS_PREFIX):
        return f"不支持的接口规范版本 {namespace[len(NS_PREFIX) :]}（本程序实现 {SPEC_VERSION}）"
    return f"命名空间应为 {NS}，而不是 {namespace}"


@dataclass
class _Reader:
    issues: list[XmlIssue]
    reported_ns: str | None

    def issue(self, path: list[str | int], message: str) -> None:
        self.issues.append(XmlIssue(json_path(path), message))

    def read(
        self, element: Element, node: _Node, path: list[str | int], depth: int, *, entry: bool = False
    ) -> Any:
        if depth > MAX_DEPTH:
            self.issue(path, "嵌套过深")
            return None
        allowed = {_NIL_ATTR, "type", "key"} if entry else {_NIL_ATTR, "type"}
        for attr in element.attrib:
            if attr not in allowed:
                self.issue(path, f"不允许的属性 {_local(attr)}")
        nil = element.get(_NIL_ATTR)
        if nil is not None:
            if nil.strip() not in {"true", "1", "false", "0"}:
                self.issue(path, "xsi:nil 应为 true 或 false")
            elif nil.strip() in {"true", "1"}:
                if len(element) or (element.text or "").strip():
                    self.issue(path, "xsi:nil 的元素应为空")
                return None
        declared = element.get("type")
        if declared is not None and declared not in JSON_TYPES:
            self.issue(path, f"type 属性应为 {'、'.join(JSON_TYPES)} 之一")
            declared = None
        kind = declared or node.primary() or ("object" if len(element) else "string")
        schema_node = node if declared is None or declared == node.primary() else _Node(None, ())
        if kind == "object":
            return self.read_object(element, schema_node, path, depth)
        if kind == "array":
            return self.read_array(element, schema_node, path, depth)
        if len(element):
            self.issue(path, "应为文本，不应包含子元素")
        text = element.text or ""
        if kind == "string":
            return text
        return _typed(kind, text.strip())

    def _children(self, element: Element, path: list[str | int]) -> list[Element]:
        if (element.text or "").strip():
            self.issue(path, "此处只应有子元素，不应有文本")
        for child in element:
            if (child.tail or "").strip():
                self.issue(path, "此处只应有子元素，不应有文本")
        children = list(element)
        for child in children:
            namespace = _split(child.tag)[0]
            if namespace != NS and namespace != self.reported_ns:
                self.issue([*path, _local(child.tag)], _namespace_message(namespace))
                self.reported_ns = namespace
        return children

    def read_object(
        self, element: Element, node: _Node, path: list[str | int], depth: int, *, root: bool = False
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if node.is_map():
            value_node = node.map_value()
            for child in self._children(element, path):
                key = child.get("key")
                if _local(child.tag) != ENTRY or key is None:
                    self.issue([*path, _local(child.tag)], '映射的成员应为 <entry key="…">')
                    continue
                if key in out:
                    self.issue([*path, key], f"重复的键 {key}")
                out[key] = self.read(child, value_node, [*path, key], depth + 1, entry=True)
            return out
        for child in self._children(element, path):
            name = _local(child.tag)
            if name in out:
                self.issue([*path, name], f"元素 {name} 重复出现")
            out[name] = self.read(child, node.member(name), [*path, name], depth + 1)
        return out

    def read_array(self, element: Element, node: _Node, path: list[str | int], depth: int) -> list[Any]:
        out: list[Any] = []
        for index, child in enumerate(self._children(element, path)):
            if _local(child.tag) != ITEM:
                self.issue([*path, index], f"列表的成员应为 <item>，而不是 <{_local(child.tag)}>")
            out.append(self.read(child, node.item(index), [*path, index], depth + 1))
        return out


def _typed(kind: str, text: str) -> Any:
    """A number or boolean from its text; text that is not one stays text (validation reports it)."""
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "number":
        if _INTEGER.match(text):
            return int(text)
        if _DOUBLE.match(text):
            return float(text)
    if kind == "boolean" and text in {"true", "false", "1", "0"}:
        return text in {"true", "1"}
    return text
