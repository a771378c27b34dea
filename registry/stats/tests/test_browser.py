"""The dashboard and the query page in Chromium: charts drawn, a click drills down, table view,
an export through approval to download, at desktop and phone sizes (screenshots to look at)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.talents.programmes import programme_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REGISTRY_SCREENSHOTS", Path(tempfile.gettempdir()) / "registry-screenshots"))


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"stats-{name}.png"), full_page=True)


def test_dashboard_drill_down_and_export(
    browser: Any, live_server: Any, make_person: Any, make_user: Any, settings: Any
) -> None:
    programme_seed()
    settings.REGISTRY_EXPORT_APPROVAL_ROWS = 2
    settings.REGISTRY_EXPORT_DIR = tempfile.mkdtemp(prefix="stats-browser-")
    for code in ("440106", "440106", "440104", "440203"):
        make_person(code)
    make_user(Role.PROVINCE_REVIEWER, "440000", username="sheng")
    make_user(Role.PROVINCE_REVIEWER, "440000", username="sheng2")
    base = live_server.url
    errors: list[str] = []

    desk = browser.new_page(viewport={"width": 1366, "height": 900})
    desk.on("pageerror", lambda e: errors.append(str(e)))
    _login(desk, base, "sheng")
    desk.goto(f"{base}/stats/")
    desk.wait_for_selector("#chart-children canvas")
    assert desk.locator("#board-total").inner_text() == "4"
    _shot(desk, "1366-dashboard")
    desk.click("[data-view=table][data-target=children]")
    assert desk.locator("#table-children").is_visible()
    desk.locator("#table-children a", has_text="3").click()  # 广州市: 3 people
    desk.wait_for_url("**/people/**")
    assert desk.locator("#total").inner_text() == "3"

    desk.goto(f"{base}/stats/query/?status=collected")
    assert desk.locator("#result-total").inner_text() == "4"
    desk.select_option("#id_agency", "440100")
    desk.wait_for_function("document.getElementById('result-total').textContent === '3'")
    desk.click("button:has-text('导出名单')")
    desk.click("button:has-text('申请导出')")
    desk.wait_for_selector("text=待审批")
    _shot(desk, "1366-export-awaiting")
    export_url = desk.url

    other = browser.new_page(viewport={"width": 390, "height": 844})
    other.on("pageerror", lambda e: errors.append(str(e)))
    _login(other, base, "sheng2")
    other.goto(f"{base}/stats/exports/")
    other.click("a.btn:has-text('审批')")
    other.click("button:has-text('同意导出')")
    other.wait_for_url("**/stats/exports/")
    _shot(other, "390-exports")

    desk.goto(export_url)
    desk.wait_for_selector("#download")
    with desk.expect_download() as info:
        desk.click("#download")
    assert info.value.suggested_filename.endswith(".xlsx")
    desk.goto(export_url)
    assert desk.locator("text=已于").is_visible()

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.on("pageerror", lambda e: errors.append(str(e)))
    _login(phone, base, "sheng")
    phone.goto(f"{base}/stats/?agency=440100&scope=all")
    phone.wait_for_selector("#chart-sex canvas")
    _shot(phone, "390-dashboard")
    assert errors == []
