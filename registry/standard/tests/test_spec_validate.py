"""The conformance checker: every example passes; each kind of fault is reported at its path."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from registry.standard.examples import EXAMPLE_CLOCK, EXAMPLE_KEY, example_messages, sign_example, zhang_san
from registry.standard.messages import MAX_EVENTS, MAX_MESSAGE_BYTES
from registry.standard.validate import Report, validate_document
from registry.standard.xmlcodec import to_xml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs/interface/examples"
MESSAGES = example_messages()
FILES = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in {".json", ".xml"})


def _check(message: Any, *, form: str = "json", **options: Any) -> Report:
    data = to_xml(message) if form == "xml" else json.dumps(message, ensure_ascii=False).encode()
    return validate_document(data, **options)


def _paths(report: Report) -> dict[str, str]:
    return {v.path: f"{v.code} {v.rule} {v.message}" for v in report.violations}


def _resigned(message: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in message.items() if k != "signature"}
    return sign_example(
        body, signed_at=message["signature"]["signed_at"], nonce=message["signature"]["nonce"]
    )


def _batch() -> dict[str, Any]:
    return copy.deepcopy(MESSAGES["change_batch"])


@pytest.mark.parametrize("name", FILES)
def test_every_committed_example_passes_and_its_signature_verifies(name: str) -> None:
    report = validate_document((EXAMPLES / name).read_bytes(), key=EXAMPLE_KEY)
    assert report.ok, [str(v) for v in report.violations]
    assert report.form == name.rsplit(".", 1)[1]
    expected = name.rsplit(".", 1)[0].split("-")[0]
    assert report.kind == expected
    if expected not in {"person_record", "error"}:
        assert report.signature.startswith("签名有效")
    live = validate_document((EXAMPLES / name).read_bytes(), key=EXAMPLE_KEY, at=EXAMPLE_CLOCK)
    assert live.ok, [str(v) for v in live.violations]


def test_examples_checked_as_live_messages_use_the_window() -> None:
    data = (EXAMPLES / "ack.json").read_bytes()
    assert validate_document(data, key=EXAMPLE_KEY, at=EXAMPLE_CLOCK).ok
    late = validate_document(data, key=EXAMPLE_KEY, at=EXAMPLE_CLOCK + timedelta(hours=1))
    assert [(v.path, v.code) for v in late.violations] == [("signature.signed_at", "TIMESTAMP_EXPIRED")]


@pytest.mark.parametrize("form", ["json", "xml"])
def test_bad_check_digit_is_reported_at_the_archive_number(form: str) -> None:
    batch = _batch()
    batch["events"][1]["record"]["identity"]["archive_no"] = "110105194912310021"
    report = _check(_resigned(batch), form=form, key=EXAMPLE_KEY)
    paths = _paths(report)
    assert list(paths) == ["events[1].record.identity.archive_no"]
    assert "identity.check_mismatch" in paths["events[1].record.identity.archive_no"]
    assert "校验位" in paths["events[1].record.identity.archive_no"]


def test_birth_date_disagreeing_with_the_number_is_reported_at_the_date() -> None:
    batch = _batch()
    batch["events"][0]["record"]["identity"]["birth_date"] = "1990-05-18"
    assert list(_paths(_check(batch))) == ["events[0].record.identity.birth_date"]


def test_gap_in_sequence_numbers() -> None:
    batch = _batch()
    batch["events"][1]["seq"] = 3
    paths = _paths(_check(batch))
    assert "events[1].seq" in paths and "应为 2" in paths["events[1].seq"]
    assert "signature.value" not in paths  # without a key the value is not checked


def test_wrong_count_of_events_for_the_range() -> None:
    batch = _batch()
    batch["last_seq"] = 3
    assert list(_paths(_check(batch))) == ["last_seq"]


def test_record_version_differs_from_the_event_version() -> None:
    batch = _batch()
    batch["events"][0]["record"]["version"] = 5
    assert list(_paths(_check(batch))) == ["events[0].record.version"]


def test_every_violation_is_reported_together() -> None:
    batch = _batch()
    batch["events"][1]["record"]["identity"]["archive_no"] = "110105194912310021"
    batch["events"][1]["seq"] = 7
    batch["events"][0]["record"]["version"] = 5
    batch["agency"] = "gd"
    batch["surprise"] = True
    del batch["events"][0]["record"]["collection"]["category"]
    paths = _paths(_check(batch, key=EXAMPLE_KEY))
    assert set(paths) >= {
        "events[1].record.identity.archive_no",
        "events[1].seq",
        "events[0].record.version",
        "agency",
        "surprise",
        "events[0].record.collection.category",
        "signature.value",
    }
    assert (
        "extra_forbidden" in paths["surprise"] and "missing" in paths["events[0].record.collection.category"]
    )


def test_unknown_message_type() -> None:
    message = {**MESSAGES["ack"], "message_type": "acknowledgement"}
    paths = _paths(_check(message))
    assert list(paths) == ["message_type"] and "message.type_unknown" in paths["message_type"]


def test_missing_message_type_of_something_that_is_not_a_record() -> None:
    message = {k: v for k, v in MESSAGES["ack"].items() if k != "message_type"}
    assert list(_paths(_check(message))) == ["message_type"]


def test_missing_signature_field() -> None:
    message = copy.deepcopy(MESSAGES["ack"])
    del message["signature"]["nonce"]
    report = _check(message, key=EXAMPLE_KEY)
    assert [(v.path, v.code) for v in report.violations] == [("signature.nonce", "SIGNATURE_MISSING")]


def test_unsigned_message_and_its_exceptions() -> None:
    message = {k: v for k, v in MESSAGES["ack"].items() if k != "signature"}
    assert [v.code for v in _check(message).violations] == ["SIGNATURE_MISSING"]
    assert _check(message, require_signature=False).ok
    assert _check(MESSAGES["error-unsigned"]).ok  # the hub cannot sign for an unknown key


def test_signature_by_another_agency() -> None:
    message = sign_example(
        {k: v for k, v in MESSAGES["ack"].items() if k != "signature"},
        signed_at="2026-03-02T08:00:00Z",
        nonce="0" * 32,
        agency="110000",
    )
    report = _check(message, key=EXAMPLE_KEY)
    assert [(v.path, v.code) for v in report.violations] == [("signature.agency", "AGENCY_MISMATCH")]


def test_wrong_key_and_changed_content() -> None:
    report = _check(MESSAGES["ack"], key=b"\x01" * 32)
    assert [(v.path, v.code) for v in report.violations] == [("signature.value", "SIGNATURE_INVALID")]
    changed = {**MESSAGES["ack"], "expected_seq": 4}
    assert [v.code for v in _check(changed, key=EXAMPLE_KEY).violations] == ["SIGNATURE_INVALID"]


@pytest.mark.parametrize("form", ["json", "xml"])
def test_wrong_type(form: str) -> None:
    message = {**MESSAGES["ack"], "expected_seq": "3"}
    paths = _paths(_check(message, form=form))
    assert list(paths) == ["expected_seq"] and "int_type" in paths["expected_seq"]


def test_numbers_as_text_are_not_accepted_even_where_pydantic_would_coerce() -> None:
    batch = _batch()
    batch["events"][0]["record"]["continuing_education"][0]["total"] = "90"
    assert list(_paths(_check(batch))) == ["events[0].record.continuing_education[0].total"]


def test_too_many_events() -> None:
    batch = _batch()
    event = batch["events"][0]
    batch["events"] = [{**event, "seq": n} for n in range(1, MAX_EVENTS + 2)]
    batch["last_seq"] = MAX_EVENTS + 1
    paths = _paths(_check(batch))
    assert list(paths) == ["events"] and str(MAX_EVENTS) in paths["events"]


def test_message_over_the_size_limit() -> None:
    message = {**MESSAGES["error"], "message": "x" * (MAX_MESSAGE_BYTES + 1)}
    report = _check(message, require_signature=False)
    assert [v.code for v in report.violations] == ["TOO_LARGE"]


def test_record_export_files_have_no_size_limit() -> None:
    export = copy.deepcopy(MESSAGES["record_export"])
    export["records"][0]["extensions"]["gd_note"] = "长" * (MAX_MESSAGE_BYTES // 3 + 1)
    big = json.dumps(_resigned(export), ensure_ascii=False).encode()
    assert len(big) > MAX_MESSAGE_BYTES
    assert validate_document(big, key=EXAMPLE_KEY).ok


def test_prefix_not_hex() -> None:
    message = copy.deepcopy(MESSAGES["reconcile_request"])
    message["prefixes"][3] = "0G"
    message["prefixes"][9] = "abcdef012"
    paths = _paths(_check(message))
    assert list(paths) == ["prefixes[3]", "prefixes[9]"]


def test_extra_field() -> None:
    message = copy.deepcopy(MESSAGES["archive_query"])
    message["name"] = "李四"
    paths = _paths(_check(message))
    assert list(paths) == ["name"] and "extra_forbidden" in paths["name"]


def test_union_errors_are_reported_once() -> None:
    record = zhang_san(1)
    record["extensions"]["gd_list"] = [1, 2]
    paths = _paths(_check(record))
    assert list(paths) == ["extensions.gd_list"] and "standard.union" in paths["extensions.gd_list"]


def test_xml_with_a_wrong_element() -> None:
    xml = to_xml(MESSAGES["change_batch"]).decode()
    wrong = xml.replace("<first_seq>1</first_seq>", "<firstseq>1</firstseq>")
    paths = _paths(validate_document(wrong.encode()))
    assert set(paths) == {"first_seq", "firstseq"}


def test_xml_failing_only_the_xsd() -> None:
    """Pydantic accepts a space for the T in a time; the XSD (and so the spec) does not."""
    message = copy.deepcopy(MESSAGES["change_batch"])
    message["sent_at"] = "2026-03-02 08:00:00Z"
    report = _check(message, form="xml")
    assert [(v.path, v.rule) for v in report.violations] == [("sent_at", "xsd")]
    assert _check(message, form="xml", xsd=False).ok


@pytest.mark.parametrize(
    "document",
    [
        b'<!DOCTYPE a [<!ENTITY b "c">]><ack xmlns="urn:registry:interface:1.0.0">&b;</ack>',
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b SYSTEM "file:///etc/passwd">]><ack>&b;</ack>',
    ],
)
def test_xml_bomb_and_external_entities_are_refused(document: bytes) -> None:
    report = validate_document(document)
    assert [(v.path, v.code) for v in report.violations] == [("$", "MALFORMED")]
    assert "DTD" in report.violations[0].message


def test_other_encodings_are_refused() -> None:
    xml = to_xml(MESSAGES["ack"]).decode().replace('encoding="UTF-8"', 'encoding="GB18030"')
    assert [v.rule for v in validate_document(xml.encode("gb18030")).violations] == ["xml.encoding"]


def test_truncated_json() -> None:
    data = (EXAMPLES / "change_batch.json").read_bytes()[:-40]
    report = validate_document(data)
    assert [(v.path, v.code) for v in report.violations] == [("$", "MALFORMED")]
    assert "行" in report.violations[0].message


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "MALFORMED"),
        (b"hello", "MALFORMED"),
        (b'{"a": 1, "a": 2, "message_type": "ack"}', "json.duplicate_member"),
        (b'{"x": NaN}', "json.syntax"),
        (b"\xff\xfe{}", "MALFORMED"),
        (b"[" * 100000, "json.depth"),
    ],
)
def test_malformed_input(data: bytes, rule: str) -> None:
    report = validate_document(data)
    assert report.violations and report.violations[0].path == "$"
    assert report.violations[0].rule == rule


def test_bare_records_and_lists_of_records() -> None:
    record = zhang_san(2)
    report = _check(record)
    assert report.ok and report.kind == "person_record"
    assert _check(record, form="xml").ok
    broken = copy.deepcopy(record)
    broken["identity"]["mobile"] = "12345"
    report = _check([record, broken])
    assert report.kind == "person_records"
    assert list(_paths(report)) == ["[1].identity.mobile"]
