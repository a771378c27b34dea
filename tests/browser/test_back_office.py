"""The back office in a real browser (Debian's Chromium through Playwright), desktop and phone."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.people.snapshot import person_archive_no

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REGISTRY_SCREENSHOTS", Path(tempfile.gettempdir()) / "registry-screenshots"))


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/people/")


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}])
def test_reviewer_finds_a_person_and_opens_the_record(
    browser: Any, live_server: Any, make_person: Any, make_user: Any, viewport: dict[str, int]
) -> None:
    people = [make_person() for _ in range(3)]
    target = people[1]
    make_user(Role.CITY_REVIEWER, "440100", username="gz_reviewer")
    page = browser.new_page(viewport=viewport)
    _login(page, live_server.url, "gz_reviewer")
    assert page.locator("#total").inner_text() == "3"
    if viewport["width"] < 768:
        page.click("text=筛选条件")  # filters fold away on a phone
    page.fill("#id_q", person_archive_no(target))
    page.click("button:has-text('查询')")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    row = page.locator("#results tbody tr").first
    assert target.name in row.inner_text() and target.archive_masked in row.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"list-{viewport['width']}.png"), full_page=True)
    row.locator("a").click()
    page.wait_for_url(f"**/people/{target.uid}/")
    assert page.locator("h1").inner_text() == target.name
    page.click("button:has-text('工作经历')")
    page.wait_for_selector("#tab-work.show")
    assert target.works.first().unit_name in page.locator("#tab-work").inner_text()
    page.screenshot(path=str(SHOTS / f"detail-{viewport['width']}.png"), full_page=True)
    assert person_archive_no(target) not in page.content()  # a reviewer never sees the full number


def test_admin_reveal_is_shown_in_place(
    browser: Any, live_server: Any, make_person: Any, make_user: Any
) -> None:
    person = make_person()
    make_user(Role.PROVINCE_ADMIN, "440000", username="gd_admin")
    page = browser.new_page()
    _login(page, live_server.url, "gd_admin")
    page.goto(f"{live_server.url}/people/{person.uid}/")
    assert person_archive_no(person) not in page.content()
    page.click("text=查看完整号码")
    page.wait_for_selector("#archive-no .text-danger")
    assert person_archive_no(person) in page.locator("#archive-no").inner_text()
