"""The /sync/ page's conflict list in a real browser (Debian's Chromium), on a phone and a desktop.

Screenshots go to REGISTRY_SCREENSHOTS."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.people.snapshot import person_archive_no
from registry.standard.masking import mask_archive_no
from registry.sync.conflicts import conflicts_refresh

from .test_conflicts import ListingHub, item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REGISTRY_SCREENSHOTS", Path(tempfile.gettempdir()) / "registry-screenshots"))


@pytest.mark.parametrize("width", [390, 1280])
def test_both_sides_of_a_conflict_on_the_sync_page(
    browser: Any, live_server: Any, make_person: Any, make_user: Any, width: int
) -> None:
    make_user(Role.PROVINCE_ADMIN, username="sync_admin")
    ours, theirs = make_person(), make_person()
    numbers = [person_archive_no(ours), person_archive_no(theirs)]
    hub = ListingHub()
    hub.items = [
        item(12, SimpleNamespace(archive_no=numbers[0], name=ours.name)),
        item(9, SimpleNamespace(archive_no=numbers[1], name=theirs.name), role="reporter"),
    ]
    conflicts_refresh(hub)

    page = browser.new_page(viewport={"width": width, "height": 844 if width < 500 else 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "sync_admin")
    page.fill("#id_password", "a-long-test-password")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/sync/")
    shown = page.locator(".conflict-cards" if width < 768 else ".conflict-table")
    text = shown.inner_text()
    assert "本省管理的人员被北京市财政局报送" in text and "该人员由北京市朝阳区财政局管理" in text
    assert mask_archive_no(numbers[0]) in text and numbers[0] not in page.content()
    # Nothing wider than the screen: a phone scrolls down, never sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"sync-conflicts-{width}.png"), full_page=True)
