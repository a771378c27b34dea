"""The hub's operator pages: freshness, keys, ownership conflicts, transfers; national staff only."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from registry.accounts.roles import Role
from registry.hub.keys import key_lookup
from registry.hub.models import InboxBatch

from .conftest import batch, record


def _national(make_user, agency):
    from registry.orgs.services import agencies_sync

    agencies_sync("000000")
    return make_user(Role.NATIONAL_ADMIN, "000000")


def test_freshness_shows_each_province_and_alarms_on_lag(client, make_user, agency, post, fakes, settings):
    assert post(batch(2, [record(next(fakes))]))[0] == 200  # held: seq 1 never came
    InboxBatch.objects.update(oldest_event_at=timezone.now() - timedelta(seconds=900))
    settings.REGISTRY_HUB_LAG_ALARM_SECONDS = 300
    client.force_login(_national(make_user, agency))
    page = client.get("/hub/").content.decode()
    assert "广东" in page and "告警" in page and "1 个省级机构上报延迟超限" in page
    assert "北京" in page and "未接入" in page


def test_pages_refuse_provincial_staff(client, make_user):
    client.force_login(make_user(Role.PROVINCE_ADMIN, "440000"))
    for url in ("/hub/", "/hub/keys/", "/hub/quarantine/", "/hub/transfers/"):
        assert client.get(url).status_code == 403, url


def test_admin_issues_and_rotates_a_key_shown_once(client, make_user, agency):
    client.force_login(_national(make_user, agency))
    page = client.post("/hub/keys/", {"agency": "440000"}).content.decode()
    assert "密钥只显示这一次" in page and "REGISTRY_HUB_KEY=" in page
    key_id = page.split("REGISTRY_HUB_KEY_ID=")[1].split("\n")[0].strip()
    assert key_lookup("440000", key_id) is not None
    again = client.get("/hub/keys/").content.decode()
    assert key_id in again and "REGISTRY_HUB_KEY=" not in again  # the secret is not shown again
    client.post("/hub/keys/", {"agency": "440000", "rotate": "1"})
    from registry.hub.models import AgencyKey

    assert AgencyKey.objects.get(key_id=key_id).valid_until is not None
