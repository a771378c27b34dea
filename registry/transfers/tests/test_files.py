"""调转包 files for the offline path: written signed as JSON or XML, read back only when every rule of the
interface standard holds; a bad file is refused with every problem and its path, and nothing changes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from registry.audit.models import AuditEvent
from registry.core.errors import DomainError, Forbidden
from registry.standard.signing import verify
from registry.standard.validate import validate_document
from registry.transfers.files import package_file, read_package_file, transfer_export
from registry.transfers.models import Transfer
from registry.transfers.services import transfer_origin_confirm, transfer_package
from registry.transfers.tests.test_pages import HUB_KEY, apply, incoming, reviewer

pytestmark = pytest.mark.django_db
KEY = bytes.fromhex(HUB_KEY)


@pytest.fixture
def confirmed(accountant: Any, make_user: Any, settings: Any) -> Transfer:
    settings.REGISTRY_HUB_KEY_ID, settings.REGISTRY_HUB_KEY = "gd-1", HUB_KEY
    user, _ = accountant("440106")
    t = apply(user, "110000", "110105")
    transfer_origin_confirm(actor=reviewer(make_user, "440106"), transfer=t)
    t.refresh_from_db()
    return t


def _paths(exc: pytest.ExceptionInfo[DomainError]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_package_file_round_trip(confirmed: Transfer, fmt: str) -> None:
    data = package_file(confirmed, fmt)
    assert data.lstrip().startswith(b"{" if fmt == "json" else b"<?xml")
    report = validate_document(data, key=KEY, xsd=False)
    assert report.ok and report.kind == "transfer_package" and report.signature == "签名有效"
    package = read_package_file(data, key=KEY)
    verify(package, key=KEY)  # the signature covers the content whichever form it travelled in
    assert package["signature"]["agency"] == "440000" and package["signature"]["key_id"] == "gd-1"
    assert {k: v for k, v in package.items() if k != "signature"} == transfer_package(confirmed)
    assert read_package_file(data)["app_no"] == confirmed.app_no  # without the key: the block is checked


def test_json_and_xml_sign_the_same_content(confirmed: Transfer) -> None:
    as_json = read_package_file(package_file(confirmed, "json"))
    as_xml = read_package_file(package_file(confirmed, "xml"))
    strip = lambda m: {k: v for k, v in m.items() if k != "signature"}  # noqa: E731
    assert strip(as_json) == strip(as_xml)


def test_every_problem_is_listed_with_its_path(confirmed: Transfer) -> None:
    package = json.loads(package_file(confirmed, "json"))
    del package["signature"]
    package["app_no"] = "not-a-number"
    package["reason"] = "holiday"
    package["record"]["identity"]["name"] = ""
    package.pop("steps")
    with pytest.raises(DomainError) as exc:
        read_package_file(json.dumps(package, ensure_ascii=False).encode())
    paths = _paths(exc)
    for path in ("app_no", "reason", "record.identity.name", "steps", "signature"):
        assert path in paths, (path, paths)
    assert paths["signature"] == "SIGNATURE_MISSING" and paths["app_no"] == "SCHEMA_INVALID"


def test_a_tampered_proof_or_signature_is_refused(confirmed: Transfer) -> None:
    package = json.loads(package_file(confirmed, "json"))
    package["proofs"][0]["data"] = base64.b64encode(b"another file").decode()
    # Re-signed by someone without our key: the value no longer verifies.
    with pytest.raises(DomainError) as exc:
        read_package_file(json.dumps(package).encode(), key=KEY)
    assert _paths(exc) == {"signature.value": "SIGNATURE_INVALID"}
    # Without a key the signature value is not checked, but the proof's digest still is.
    with pytest.raises(DomainError) as exc:
        read_package_file(json.dumps(package).encode())
    assert _paths(exc) == {"proofs[0].sm3": "SCHEMA_INVALID"}
    with pytest.raises(DomainError) as exc:
        read_package_file(package_file(confirmed, "json"), key=b"\x00" * 32)
    assert "signature.value" in _paths(exc)


def test_other_documents_are_not_packages() -> None:
    cases = {
        b"": "$",
        b"hello": "$",
        b'{"message_type": "transfer_poll", "spec_version": "1.0.0", "agency": "440000"}': "message_type",
        b"<not-xml": "$",
        b'{"a": 1, "a": 2}': "$",
    }
    for data, path in cases.items():
        with pytest.raises(DomainError) as exc:
            read_package_file(data)
        assert path in _paths(exc), (data, _paths(exc))


def test_reading_writes_nothing(confirmed: Transfer) -> None:
    data = package_file(confirmed, "xml")
    before = (Transfer.objects.count(), AuditEvent.objects.count())
    read_package_file(data, key=KEY)
    with pytest.raises(DomainError):
        read_package_file(data.replace(b"<reason>work</reason>", b"<reason>fun</reason>"), key=KEY)
    assert (Transfer.objects.count(), AuditEvent.objects.count()) == before


def test_package_file_refusals(confirmed: Transfer, make_person: Any, make_user: Any, settings: Any) -> None:
    with pytest.raises(DomainError) as exc:
        package_file(confirmed, "csv")
    assert exc.value.errors[0].code == "transfer.export_format"
    received, _ = incoming(make_person)
    with pytest.raises(DomainError) as exc:
        package_file(received, "json")  # another province's package is not ours to sign
    assert exc.value.errors[0].code == "transfer.export_direction"
    settings.REGISTRY_HUB_KEY = "not hex"
    with pytest.raises(DomainError) as exc:
        package_file(confirmed, "json")
    assert exc.value.errors[0].code == "transfer.export_key"
    settings.REGISTRY_HUB_KEY_ID = ""
    with pytest.raises(DomainError) as exc:
        package_file(confirmed, "json")
    assert "REGISTRY_HUB_KEY" in exc.value.errors[0].message


def test_export_is_audited_and_checked(confirmed: Transfer, make_user: Any) -> None:
    with pytest.raises(Forbidden):
        transfer_export(actor=reviewer(make_user, "440104"), transfer=confirmed, fmt="json")
    data = transfer_export(actor=reviewer(make_user, "440106"), transfer=confirmed, fmt="json")
    event = AuditEvent.objects.get(action="transfer.export")
    assert event.object_id == confirmed.app_no and event.data["format"] == "json"
    assert read_package_file(data)["app_no"] == confirmed.app_no
