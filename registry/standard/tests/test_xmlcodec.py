"""The XML form: exact round trips, the signature across forms, the XSD, and refused documents."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.standard.examples import EXAMPLE_KEY, example_messages, sign_example, zhang_san
from registry.standard.signing import verify
from registry.standard.xmlcodec import NS, XmlEncodeError, XmlFormatError, decode, from_xml, to_xml
from registry.standard.xsd import XSD_PATH, interface_xsd, kinds

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs/interface/examples"
MESSAGES = example_messages()
SCHEMA = xmlschema.XMLSchema(interface_xsd())


def _now(message: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(message["signature"]["signed_at"].replace("Z", "+00:00"))


@pytest.mark.parametrize("name", sorted([*MESSAGES, "person_record"]))
def test_committed_xml_reads_back_as_the_committed_json(name: str) -> None:
    as_json = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    as_xml = (EXAMPLES / f"{name}.xml").read_bytes()
    assert from_xml(as_xml) == as_json
    assert to_xml(as_json) == as_xml
    SCHEMA.validate(as_xml.decode())


@pytest.mark.parametrize("name", sorted(n for n, m in MESSAGES.items() if m.get("signature")))
def test_signature_verifies_after_an_xml_round_trip(name: str) -> None:
    message = MESSAGES[name]
    verify(from_xml(to_xml(message)), key=EXAMPLE_KEY, now=_now(message))


def test_committed_xsd_is_the_generated_one() -> None:
    assert (ROOT / XSD_PATH).read_text(encoding="utf-8") == interface_xsd()
    assert set(SCHEMA.elements) == set(kinds())


def test_root_is_the_message_type_in_the_interface_namespace() -> None:
    xml = to_xml(MESSAGES["ack"]).decode()
    assert f'<ack xmlns="{NS}"' in xml
    assert "<message_type>" not in xml
    assert from_xml(xml.encode())["message_type"] == "ack"


def test_null_and_absent_stay_apart() -> None:
    record = zhang_san(1)
    assert record["student"] is None
    xml = to_xml(record).decode()
    assert '<student xsi:nil="true"/>' in xml
    without = {k: v for k, v in record.items() if k != "student"}
    assert "<student" not in to_xml(without).decode()
    assert "student" not in from_xml(to_xml(without))
    assert from_xml(to_xml(record))["student"] is None


def test_lists_maps_tuples_and_types() -> None:
    reply = MESSAGES["reconcile_reply-detail"]
    xml = to_xml(reply).decode()
    assert "<entries>\n        <item>\n          <item>" in xml  # [index, version] as nested items
    entries = from_xml(xml.encode())["buckets"][0]["entries"]
    assert isinstance(entries[0][1], int)
    record = zhang_san(1)
    xml = to_xml(record).decode()
    assert '<entry key="gd_cpd_hours" type="integer">12</entry>' in xml
    assert '<entry key="gd_mentor" type="boolean">false</entry>' in xml
    assert "<credits>64.0</credits>" in xml
    back = from_xml(xml.encode())
    assert back["continuing_education"][0]["entries"][0]["credits"] == 64.0
    assert isinstance(back["continuing_education"][0]["entries"][0]["credits"], float)
    assert back["extensions"] == {"gd_member_no": "GD-EX-0001", "gd_cpd_hours": 12, "gd_mentor": False}
    assert back["talents"] == []


def test_whitespace_and_markup_in_text_survive() -> None:
    message = copy.deepcopy(MESSAGES["error"])
    message["message"] = "  a <b> & c\r\n\td ]]> 'e' \"f\"  "
    assert from_xml(to_xml(message)) == message
    message["message"] = ""
    assert from_xml(to_xml(message)) == message


def test_characters_xml_cannot_carry_are_refused() -> None:
    message = copy.deepcopy(MESSAGES["error"])
    message["message"] = "bell\x07"
    with pytest.raises(XmlEncodeError):
        to_xml(message)


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n\r"), max_size=20)
)
names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, extension=json_values)
def test_any_json_value_round_trips_exactly(value: Any, extension: Any) -> None:
    """Even values the schema does not expect (here: an unknown member, an extension) come back."""
    record = zhang_san(1)
    record["unexpected"] = value
    record["extensions"] = {"x": extension, "键 with space": extension}
    assert from_xml(to_xml(record)) == record


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), new=json_scalars)
def test_signature_survives_the_xml_form_whatever_the_values(data: st.DataObject, new: Any) -> None:
    name = data.draw(st.sampled_from(sorted(n for n, m in MESSAGES.items() if m.get("signature"))))
    message = copy.deepcopy(MESSAGES[name])
    block = message.pop("signature")
    path = data.draw(st.sampled_from([p for p in _leaves(message) if p != ("message_type",)]))
    target = message
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    signed = sign_example(message, signed_at=block["signed_at"], nonce=block["nonce"])
    verify(from_xml(to_xml(signed)), key=EXAMPLE_KEY, now=_now(signed))


# --- refused and broken documents ------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<error xmlns="urn:registry:interface:1.0.0"><code>&lol2;</code></error>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE error [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<error xmlns="urn:registry:interface:1.0.0"><code>&xxe;</code></error>"""


@pytest.mark.parametrize("document", [BOMB, XXE, b'<!DOCTYPE error><error xmlns="x"/>'])
def test_dtds_and_entities_are_refused(document: bytes) -> None:
    with pytest.raises(XmlFormatError, match="DTD"):
        from_xml(document)


def test_not_well_formed() -> None:
    with pytest.raises(XmlFormatError, match="第 1 行"):
        from_xml(b"<ack xmlns='urn:registry:interface:1.0.0'><agency>440000</ack>")


def _issues(xml: str) -> dict[str, str]:
    _, issues = decode(xml.encode())
    return {i.path: i.message for i in issues}


def test_mapping_violations_are_located() -> None:
    base = to_xml(MESSAGES["change_batch"]).decode()
    assert "$" in _issues(base.replace(f' xmlns="{NS}"', ""))
    assert "不支持的接口规范版本" in _issues(base.replace(NS, "urn:registry:interface:9.0.0"))["$"]
    wrong_item = base.replace("<item>\n      <seq>2</seq>", "<event>\n      <seq>2</seq>", 1)
    wrong_item = wrong_item.replace(
        "</record>\n    </item>\n  </events>", "</record>\n    </event>\n  </events>"
    )
    assert "<item>" in _issues(wrong_item)["events[1]"]
    doubled = base.replace("<first_seq>1</first_seq>", "<first_seq>1</first_seq><first_seq>1</first_seq>")
    assert "重复" in _issues(doubled)["first_seq"]
    mixed = base.replace("<agency>440000</agency>", "<agency>440000</agency>loose text")
    assert "文本" in _issues(mixed)["$"]
    nil_with_text = base.replace('<end_date xsi:nil="true"/>', '<end_date xsi:nil="true">x</end_date>', 1)
    assert "events[0].record.work[0].end_date" in _issues(nil_with_text)
    attribute = base.replace("<first_seq>", '<first_seq unit="n">')
    assert "属性" in _issues(attribute)["first_seq"]
    bad_type = base.replace("<first_seq>", '<first_seq type="decimal">')
    assert "type" in _issues(bad_type)["first_seq"]
    with pytest.raises(XmlFormatError):
        from_xml(doubled.encode())


def test_values_of_the_wrong_type_stay_text_for_validation_to_report() -> None:
    base = to_xml(MESSAGES["ack"]).decode()
    value, issues = decode(
        base.replace("<expected_seq>3</expected_seq>", "<expected_seq>three</expected_seq>").encode()
    )
    assert not issues and value["expected_seq"] == "three"


def test_xsd_refuses_a_wrong_element() -> None:
    base = to_xml(MESSAGES["change_batch"]).decode()
    wrong = base.replace("<first_seq>1</first_seq>", "<firstseq>1</firstseq>")
    assert not SCHEMA.is_valid(wrong)
    assert not SCHEMA.is_valid(base.replace("<prev_digest>0", "<prev_digest>Z"))
