"""The province's copy of the hub's quarantine list: the worker step that renews it, and the /sync/ page."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from registry.accounts.roles import Role
from registry.people.snapshot import person_archive_no
from registry.standard.masking import mask_archive_no
from registry.sync.client import HubClient, HubRefused, HubUnavailable
from registry.sync.conflicts import conflicts_refresh, conflicts_step
from registry.sync.drain import STEPS, feed_state, run_steps
from registry.sync.models import FeedState, HubConflict

AT = "2026-03-02T07:40:00Z"


class ListingHub(HubClient):
    """Answers conflict_poll with `self.items` (as the hub would sign and send them), or is down."""

    def __init__(self) -> None:
        super().__init__(url="http://hub.invalid/", agency="440000", key_id="k", key=b"k" * 32)
        self.items: list[dict[str, Any]] = []
        self.down = False
        self.calls = 0
        self.reply_agency = "440000"

    def call(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.down:
            raise HubUnavailable("connection refused")
        assert message == {"message_type": "conflict_poll", "agency": "440000"}
        self.calls += 1
        return {
            "message_type": "conflict_list",
            "spec_version": "1.0.0",
            "agency": self.reply_agency,
            "conflicts": self.items,
            "signature": {"agency": "440000"},
        }


def item(n: int, fake: Any, *, role: str = "holder", **extra: Any) -> dict[str, Any]:
    holder = role == "holder"
    return {
        "id": n,
        "code": "OWNERSHIP_CONFLICT",
        "role": role,
        "person_id": str(uuid.uuid4()),
        "person_version": 2,
        "archive_masked": mask_archive_no(fake.archive_no),
        "name": fake.name,
        "reporter_code": "110000" if holder else "440000",
        "reporter_name": "北京市财政局" if holder else "广东省财政厅",
        "holder_code": "440106" if holder else "110105",
        "holder_name": "广州市天河区财政局" if holder else "北京市朝阳区财政局",
        "seq": n,
        "created_at": AT,
        **extra,
    }


@pytest.fixture
def hub() -> ListingHub:
    return ListingHub()


@pytest.fixture
def fakes(fake_people):
    return (f for f in fake_people if f.category == "1")


def _copy() -> list[tuple[int, str]]:
    return list(HubConflict.objects.values_list("hub_id", "role"))


def test_the_copy_is_the_hubs_list(db, hub, fakes):
    a, b = next(fakes), next(fakes)
    hub.items = [item(3, a), item(2, b, role="reporter", seq=None)]
    assert conflicts_refresh(hub) == 2
    assert _copy() == [(3, "holder"), (2, "reporter")]
    first = HubConflict.objects.get(hub_id=3)
    assert first.name == a.name and first.archive_masked == mask_archive_no(a.archive_no)
    assert (first.reporter_code, first.holder_code, first.seq) == ("110000", "440106", 3)
    assert HubConflict.objects.get(hub_id=2).seq is None
    assert feed_state().conflicts_checked_at is not None


def test_items_resolved_at_the_hub_disappear(db, hub, fakes):
    a, b = next(fakes), next(fakes)
    hub.items = [item(3, a), item(2, b)]
    conflicts_refresh(hub)
    hub.items = [item(3, a)]
    conflicts_refresh(hub)
    assert _copy() == [(3, "holder")]
    hub.items = []
    assert conflicts_refresh(hub) == 0
    assert not HubConflict.objects.exists()


def test_an_unreachable_hub_leaves_the_copy_as_it_was(db, hub, fakes):
    hub.items = [item(3, next(fakes))]
    conflicts_refresh(hub)
    checked = feed_state().conflicts_checked_at
    hub.down = True
    with pytest.raises(HubUnavailable):
        conflicts_refresh(hub)
    assert _copy() == [(3, "holder")]
    assert feed_state().conflicts_checked_at == checked
    # As a drain step: the worker reports it and carries on.
    FeedState.objects.update(conflicts_checked_at=None)
    assert any(p.startswith("conflicts_step:") for p in run_steps(hub))
    assert _copy() == [(3, "holder")]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda hub: setattr(hub, "reply_agency", "110000"),  # another province's list
        lambda hub: hub.items[0].update(role="owner"),
        lambda hub: hub.items[0].update(archive_masked="x" * 41),
    ],
)
def test_a_reply_out_of_the_standard_changes_nothing(db, hub, fakes, spoil):
    hub.items = [item(3, next(fakes))]
    conflicts_refresh(hub)
    hub.items = [item(4, next(fakes))]
    spoil(hub)
    with pytest.raises(HubUnavailable):
        conflicts_refresh(hub)
    assert _copy() == [(3, "holder")]


def test_a_refusal_changes_nothing(db, fakes):
    class Refusing(ListingHub):
        def call(self, message: dict[str, Any]) -> dict[str, Any]:
            raise HubRefused("KEY_UNKNOWN", "密钥未登记", 401, {})

    hub = ListingHub()
    hub.items = [item(3, next(fakes))]
    conflicts_refresh(hub)
    with pytest.raises(HubRefused):
        conflicts_refresh(Refusing())
    assert _copy() == [(3, "holder")]


def test_the_step_asks_the_hub_only_when_due(db, hub, settings):
    settings.REGISTRY_CONFLICT_POLL_SECONDS = 30
    assert conflicts_step in STEPS  # registered by SyncConfig.ready
    conflicts_step(hub)
    conflicts_step(hub)
    assert hub.calls == 1
    FeedState.objects.update(conflicts_checked_at=timezone.now() - timedelta(seconds=31))
    conflicts_step(hub)
    assert hub.calls == 2


# --- the /sync/ page -------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(Role.PROVINCE_ADMIN))
    return client


def test_the_page_shows_both_sides_with_masked_numbers(admin_client, hub, make_person):
    # People this province holds: their full numbers are here, and must still not show.
    ours, theirs = make_person(), make_person()
    numbers = [person_archive_no(ours), person_archive_no(theirs)]
    hub.items = [
        item(3, SimpleNamespace(archive_no=numbers[0], name=ours.name)),
        item(2, SimpleNamespace(archive_no=numbers[1], name=theirs.name), role="reporter"),
        item(
            1,
            SimpleNamespace(archive_no=numbers[1], name=theirs.name),
            role="reporter",
            code="RECORD_CONFLICT",
            holder_code=None,
            holder_name=None,
        ),
    ]
    conflicts_refresh(hub)
    page = admin_client.get("/sync/").content.decode()
    assert "归属冲突（枢纽隔离待核）" in page and "暂无归属冲突" not in page
    assert "本省管理的人员被北京市财政局报送，枢纽已隔离该记录，请与对方核实是否应办理调转" in page
    assert "本省报送的记录被枢纽隔离：该人员由北京市朝阳区财政局管理" in page
    assert "本省报送的记录与全国库已有数据冲突" in page
    for header in ["人员姓名", "证件号（已掩码）", "冲突类型", "对方机构", "上报时间"]:
        assert header in page
    for person, number in zip([ours, theirs], numbers, strict=True):
        assert person.name in page and mask_archive_no(number) in page
        assert number not in page


def test_the_page_says_when_there_is_nothing(admin_client):
    page = admin_client.get("/sync/").content.decode()
    assert "暂无归属冲突" in page and "尚未从全国枢纽取得清单" in page


def test_the_refreshing_part_leaves_the_list_out(admin_client, hub, fakes):
    hub.items = [item(3, next(fakes))]
    conflicts_refresh(hub)
    partial = admin_client.get("/sync/", headers={"HX-Request": "true"}).content.decode()
    assert "待上报" in partial and "归属冲突" not in partial


@pytest.mark.parametrize("role", [Role.PROVINCE_REVIEWER, Role.AUDITOR, None])
def test_other_roles_may_not_see_it(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get("/sync/").status_code == 403


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get("/sync/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
