"""Schema documents of the interface, generated from the Pydantic models (never written by hand).

- `interface_xsd()`: one XML Schema (XSD 1.0) for the XML form of every message and of the person
  record (root elements `person_record`, `change_batch`, `ack` …), following the mapping of
  `xmlcodec.py`. One file, one namespace: every named type is declared once, so code generators
  (JAXB, xsd.exe, xsdata) can take it whole.
- `message_json_schema(kind)`: the JSON Schema (2020-12) of each message type.
- `schema_documents()`: all of them by repository path, for `registry standard schema [--check]`.

What XSD 1.0 cannot say, the models still check (the validator runs both): code-table membership,
check digits, cross-field rules, the positional types of a tuple (a bucket entry's
`[index, version]` is declared as two `item`s of text), and the `type` attribute a value of a
province's extension item carries.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from . import SPEC_VERSION
from .messages import MESSAGE_TYPES
from .record import record_json_schema
from .xmlcodec import ENTRY, ITEM, JSON_TYPES, NS, RECORD_ROOT, kind_schema

XS = "http://www.w3.org/2001/XMLSchema"
RECORD_SCHEMA_PATH = "docs/interface/person-record.schema.json"
XSD_PATH = "docs/interface/interface.xsd"
SCHEMA_DIR = "docs/interface/schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Schema = dict[str, Any]

ET.register_namespace("xs", XS)


def kinds() -> list[str]:
    """Every document kind with an XML form: the person record, then the message types."""
    return [RECORD_ROOT, *MESSAGE_TYPES]


def message_json_schema(kind: str) -> Schema:
    schema = MESSAGE_TYPES[kind].model_json_schema()
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": f"{NS}:{kind}", **schema}


def _json_text(schema: Schema) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_documents() -> dict[str, str]:
    """Repository path → text of every generated schema document."""
    docs = {RECORD_SCHEMA_PATH: _json_text(record_json_schema())}
    for kind in MESSAGE_TYPES:
        docs[f"{SCHEMA_DIR}/{kind}.schema.json"] = _json_text(message_json_schema(kind))
    docs[XSD_PATH] = interface_xsd()
    return docs


# --- XSD -------------------------------------------------------------------------------------


def _xs(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def _sub(parent: ET.Element, tag: str, **attrs: str) -> ET.Element:
    return ET.SubElement(parent, _xs(tag), {k.rstrip("_"): v for k, v in attrs.items()})


def _ref_name(schema: Schema) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _strip_anchors(pattern: str) -> str:
    """A Pydantic (search) pattern as an XSD (whole-value) pattern."""
    body = pattern[1:] if pattern.startswith("^") else ".*" + pattern
    return body[:-1] if body.endswith("$") and not body.endswith("\\$") else body + ".*"


class _Builder:
    def __init__(self) -> None:
        self.root = ET.Element(
            _xs("schema"),
            {
                "xmlns": NS,
                "xmlns:r": NS,
                "targetNamespace": NS,
                "elementFormDefault": "qualified",
                "attributeFormDefault": "unqualified",
                "version": SPEC_VERSION,
            },
        )
        doc = _sub(_sub(self.root, "annotation"), "documentation")
        doc.text = (
            f"数据接口规范 {SPEC_VERSION} 的 XML 形式"
            "（由 registry standard schema 从数据模型生成，请勿手工修改）。"
            f" XML form of interface spec {SPEC_VERSION}; generated from the models, do not edit."
        )
        self.elements: list[ET.Element] = []
        self.types: dict[str, ET.Element] = {}
        self.sources: dict[str, str] = {}
        self.uniques = 0
        json_type = ET.Element(_xs("simpleType"), name="JsonType")
        restriction = _sub(json_type, "restriction", base="xs:string")
        for kind in JSON_TYPES:
            _sub(restriction, "enumeration", value=kind)
        self.types["JsonType"] = json_type

    def document(self, kind: str) -> None:
        schema = kind_schema(kind)
        assert schema is not None
        name = schema["title"]
        skip = {"message_type"} if kind != RECORD_ROOT else set()
        self._named(name, {k: v for k, v in schema.items() if k != "$defs"}, schema, skip)
        self.elements.append(ET.Element(_xs("element"), name=kind, type=f"r:{name}"))

    def text(self) -> str:
        for element in self.elements:
            self.root.append(element)
        for name in sorted(self.types):
            self.root.append(self.types[name])
        ET.indent(self.root, "  ")
        body = ET.tostring(self.root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"

    # named types

    def _named(self, name: str, schema: Schema, root: Schema, skip: set[str] | None = None) -> None:
        source = json.dumps([schema, sorted(skip or ())], sort_keys=True, ensure_ascii=False)
        if name in self.sources:
            if self.sources[name] != source:
                raise ValueError(f"类型 {name} 在两个模型中的定义不同，无法放入同一 XSD")
            return
        self.sources[name] = source
        if "properties" in schema:
            node = ET.Element(_xs("complexType"), name=name)
            self._document(node, schema.get("description"))
            self._object_content(node, schema, root, name, skip or set())
        else:
            node = ET.Element(_xs("simpleType"), name=name)
            self._document(node, schema.get("description"))
            self._restriction(node, schema)
        self.types[name] = node

    def _document(self, node: ET.Element, text: str | None, default: Any = None) -> None:
        parts = [text] if text else []
        if default is not None:
            parts.append(f"缺省值 default: {json.dumps(default, ensure_ascii=False)}")
        if parts:
            _sub(_sub(node, "annotation"), "documentation").text = "；".join(parts)

    # content models

    def _object_content(
        self, node: ET.Element, schema: Schema, root: Schema, owner: str, skip: set[str]
    ) -> None:
        group = _sub(node, "all")
        required = set(schema.get("required", []))
        for prop, sub in schema.get("properties", {}).items():
            if prop in skip:
                continue
            self._element(group, prop, sub, root, prop in required, f"{owner}.{prop}")

    def _element(
        self, parent: ET.Element, name: str, schema: Schema, root: Schema, required: bool, where: str
    ) -> None:
        attrs = {"name": name}
        if not required:
            attrs["minOccurs"] = "0"
        options = schema.get("anyOf") or schema.get("oneOf") or [schema]
        concrete = [o for o in options if o.get("type") != "null"]
        if len(concrete) < len(options):
            attrs["nillable"] = "true"
        element = _sub(parent, "element", **attrs)
        self._document(element, schema.get("description"), schema.get("default"))
        if len(concrete) != 1:
            element.set("type", "xs:string")  # a union of scalars: the `type` attribute says which
            return
        target = concrete[0]
        ref = _ref_name(target)
        if ref is not None:
            self._named(ref, root["$defs"][ref], root)
            element.set("type", f"r:{ref}")
            return
        self._inline(element, target, root, where)

    def _inline(self, element: ET.Element, schema: Schema, root: Schema, where: str) -> None:
        kind = schema.get("type")
        if kind == "object" and "properties" in schema:
            self._object_content(_sub(element, "complexType"), schema, root, where, set())
        elif kind == "object":
            self._map(element, schema.get("additionalProperties"), root, where)
        elif kind == "array":
            self._array(_sub(element, "complexType"), schema, root, where)
        else:
            builtin = self._builtin(schema)
            if builtin is not None:
                element.set("type", builtin)
            else:
                self._restriction(_sub(element, "simpleType"), schema)

    def _map(self, element: ET.Element, values: Any, root: Schema, where: str) -> None:
        values = values if isinstance(values, dict) else {}
        sequence = _sub(_sub(element, "complexType"), "sequence")
        entry = _sub(sequence, "element", name=ENTRY, minOccurs="0", maxOccurs="unbounded")
        options = values.get("anyOf") or [values]
        concrete = [o for o in options if o.get("type") != "null"]
        if len(concrete) < len(options):
            entry.set("nillable", "true")
        base = self._builtin(concrete[0]) if len(concrete) == 1 else None
        extension = _sub(
            _sub(_sub(entry, "complexType"), "simpleContent"), "extension", base=base or "xs:string"
        )
        _sub(extension, "attribute", name="key", type="xs:string", use="required")
        if len(concrete) != 1:
            _sub(extension, "attribute", name="type", type="r:JsonType")
        self.uniques += 1
        unique = _sub(element, "unique", name=f"{where}.keys")
        _sub(unique, "selector", xpath=f"r:{ENTRY}")
        _sub(unique, "field", xpath="@key")

    def _array(self, node: ET.Element, schema: Schema, root: Schema, where: str) -> None:
        sequence = _sub(node, "sequence")
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            count = str(len(prefix))
            item = _sub(sequence, "element", name=ITEM, minOccurs=count, maxOccurs=count)
            builtins = {self._builtin(p) for p in prefix}
            common = builtins.pop() if len(builtins) == 1 else None
            item.set("type", common or "xs:string")
            return
        low = str(schema.get("minItems", 0))
        high = str(schema["maxItems"]) if "maxItems" in schema else "unbounded"
        self._element(sequence, ITEM, schema.get("items", {}), root, True, f"{where}.item")
        item = sequence[-1]
        if low != "1":
            item.set("minOccurs", low)
        if high != "1":
            item.set("maxOccurs", high)

    # scalars

    def _base(self, schema: Schema) -> str:
        kind = schema.get("type", "string")
        if kind == "integer":
            return "xs:integer"
        if kind == "number":
            return "xs:double"
        if kind == "boolean":
            return "xs:boolean"
        return {"date": "xs:date", "date-time": "xs:dateTime"}.get(schema.get("format", ""), "xs:string")

    def _facets(self, schema: Schema) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for value in schema.get("enum", [schema["const"]] if "const" in schema else []):
            out.append(("enumeration", str(value)))
        for key, facet in (("minLength", "minLength"), ("maxLength", "maxLength")):
            if key in schema:
                out.append((facet, str(schema[key])))
        if "pattern" in schema:
            out.append(("pattern", _strip_anchors(schema["pattern"])))
        if schema.get("format") == "uuid":
            out.append(
                ("pattern", "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
            )
        bounds = (
            ("minimum", "minInclusive"),
            ("maximum", "maxInclusive"),
            ("exclusiveMinimum", "minExclusive"),
            ("exclusiveMaximum", "maxExclusive"),
        )
        for key, facet in bounds:
            if key in schema:
                out.append((facet, json.dumps(schema[key])))
        return out

    def _builtin(self, schema: Schema) -> str | None:
        """The built-in type of a scalar without facets (None when it needs a restriction)."""
        if "$ref" in schema or schema.get("type") in {"object", "array"} or self._facets(schema):
            return None
        return self._base(schema)

    def _restriction(self, node: ET.Element, schema: Schema) -> None:
        restriction = _sub(node, "restriction", base=self._base(schema))
        for facet, value in self._facets(schema):
            _sub(restriction, facet, value=value)


def interface_xsd() -> str:
    builder = _Builder()
    for kind in kinds():
        builder.document(kind)
    return builder.text()
