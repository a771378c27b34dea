"""The offline path: a signed package file imported at the hub, checked in full before anything changes."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from registry.accounts.roles import Role
from registry.hub.keys import key_install
from registry.hub.models import HubTransfer
from registry.transfers.files import package_file
from registry.transfers.services import transfer_apply, transfer_origin_confirm


@pytest.fixture
def confirmed(accountant, make_user, proof, settings, agency):
    key_install(agency=agency("440000"), key_id="440000-file", secret=b"f" * 32)
    settings.REGISTRY_HUB_KEY_ID, settings.REGISTRY_HUB_KEY = "440000-file", (b"f" * 32).hex()
    user, _ = accountant("440106")
    t = transfer_apply(
        actor=user, dest_body_code="110000", dest_agency_code="110105", reason="work", proofs=proof
    )
    transfer_origin_confirm(actor=make_user(Role.COUNTY_REVIEWER, "440106"), transfer=t)
    t.refresh_from_db()
    return t


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_signed_file_is_routed(confirmed, tmp_path, fmt, agency):
    from registry.orgs.services import agencies_sync

    agencies_sync("110000")
    path = tmp_path / f"p.{fmt}"
    path.write_bytes(package_file(confirmed, fmt))
    call_command("hub_transfer_import", str(path))
    row = HubTransfer.objects.get(app_no=confirmed.app_no)
    assert row.status == "dest_review" and row.dest.code == "110000"


def test_altered_file_changes_nothing(confirmed, tmp_path):
    data = package_file(confirmed, "json").replace(b'"reason": "work"', b'"reason": "study"')
    path = tmp_path / "p.json"
    path.write_bytes(data)
    with pytest.raises(CommandError) as exc:
        call_command("hub_transfer_import", str(path))
    assert "未作任何改变" in str(exc.value)
    assert not HubTransfer.objects.exists()
