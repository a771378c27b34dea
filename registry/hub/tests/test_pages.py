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


def _open_item(make_item_fake):
    import uuid

    from registry.hub.models import Quarantine
    from registry.orgs.models import Agency
    from registry.standard.masking import mask_archive_no

    fake = make_item_fake
    return Quarantine.objects.create(
        reporter=Agency.objects.get(code="110000"),
        holder=Agency.objects.get(code="440106"),
        seq=3,
        person_uid=uuid.uuid4(),
        person_version=2,
        archive_index="cd" * 32,
        archive_masked=mask_archive_no(fake.archive_no),
        name=fake.name,
        code="OWNERSHIP_CONFLICT",
        record_cipher=b"",
        created_at=timezone.now(),
    )


def test_admin_resolves_a_conflict_with_a_note_and_it_leaves_the_list(client, make_user, agency, fakes):
    from registry.audit.models import AuditEvent
    from registry.hub.models import Quarantine

    agency("110000")
    item = _open_item(next(fakes))
    client.force_login(_national(make_user, agency))
    page = client.get("/hub/quarantine/").content.decode()
    assert item.name in page and "标记已处理" in page and item.archive_masked in page
    url = f"/hub/quarantine/{item.pk}/resolve/"
    assert client.get(url).status_code == 405
    client.post(url, {"note": "   "})
    assert Quarantine.objects.get(pk=item.pk).resolved_at is None  # a note is required
    response = client.post(url, {"note": "两省核实后已办理调转"}, follow=True)
    assert "已标记处理" in response.content.decode()
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolution == "两省核实后已办理调转" and item.resolved_by
    assert item.name not in client.get("/hub/quarantine/").content.decode()
    event = AuditEvent.objects.filter(action="hub.quarantine_resolve").get()
    assert event.object_id == str(item.pk)
    again = client.post(url, {"note": "重复"}, follow=True).content.decode()
    assert "该冲突已于" in again
    assert Quarantine.objects.get(pk=item.pk).resolution == "两省核实后已办理调转"
    assert client.post("/hub/quarantine/999999/resolve/", {"note": "x"}).status_code == 404


def test_resolving_needs_the_national_admin(client, make_user, agency, fakes):
    from registry.hub.models import Quarantine

    agency("110000")
    item = _open_item(next(fakes))
    client.force_login(make_user(Role.PROVINCE_ADMIN, "440000"))
    assert client.post(f"/hub/quarantine/{item.pk}/resolve/", {"note": "越权"}).status_code == 403
    assert Quarantine.objects.get(pk=item.pk).resolved_at is None
