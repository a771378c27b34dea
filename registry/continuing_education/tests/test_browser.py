"""继续教育 in a real browser (Debian's Chromium): a person self-reports with proof, a reviewer
approves, and the person's years, the detail tab and the list filter reflect it. Screenshots of
each page go to $REGISTRY_SCREENSHOTS (default: the temp dir)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.continuing_education import services
from registry.continuing_education.models import Entry
from registry.continuing_education.tests.conftest import entry, png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REGISTRY_SCREENSHOTS", Path(tempfile.gettempdir()) / "registry-screenshots"))


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _shot(page: Any, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ce-{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, {"width": 390, "height": 844}])
def test_self_report_review_and_where_it_shows(
    browser: Any,
    live_server: Any,
    accountant: Any,
    make_user: Any,
    tmp_path: Path,
    viewport: dict[str, int],
) -> None:
    width = viewport["width"]
    person = accountant()
    user = make_user(None, username="ce_person")
    type(person).objects.filter(pk=person.pk).update(user=user)
    staff = make_user(Role.COUNTY_REVIEWER, "440106", username="ce_reviewer")
    services.ce_register(actor=staff, person=person, data=entry(form="9", days=None, credits="60"))
    proof = tmp_path / "certificate.png"
    proof.write_bytes(png()[1])

    page = browser.new_page(viewport=viewport)
    _login(page, live_server.url, "ce_person")
    page.goto(f"{live_server.url}/ce/mine/")
    assert "还差 30 学分" in page.content()
    _shot(page, "mine-before", width)
    page.click("text=申报学分")
    page.fill("#id_held_on", "2025-09-10")
    page.select_option("#id_form", "4")
    page.check("input[name=subject][value='2']")
    page.fill("#id_days", "3")
    page.fill("#id_provider", "中国会计学会")
    page.set_input_files("input[name=proof]", str(proof))
    _shot(page, "report", width)
    page.click("button:has-text('提交审核')")
    page.wait_for_url("**/ce/mine/")
    assert "待审核" in page.content()
    page.context.clear_cookies()

    _login(page, live_server.url, "ce_reviewer")
    page.goto(f"{live_server.url}/ce/review/")
    page.click(f"text={person.name}")
    page.wait_for_selector("iframe")
    _shot(page, "review", width)
    page.click("button:has-text('审核通过')")
    page.wait_for_url("**/ce/review/")
    assert Entry.objects.get(route="self").status == "approved"
    page.goto(f"{live_server.url}/people/{person.uid}/")
    page.click("button[data-bs-target='#tab-continuing_education']")
    page.wait_for_selector("#tab-continuing_education.show")
    assert "已达标" in page.locator("#tab-continuing_education").inner_text()
    _shot(page, "detail-tab", width)
    page.goto(f"{live_server.url}/people/?ce=2025:met")
    assert person.name in page.locator("#results").inner_text()
    page.goto(f"{live_server.url}/ce/compliance/?year=2025")
    assert page.locator("#count-met").inner_text() == "1"
    _shot(page, "compliance", width)
    page.goto(f"{live_server.url}/ce/batch/")
    _shot(page, "batch", width)
    page.context.clear_cookies()

    make_user(Role.PROVINCE_ADMIN, "440000", username=f"ce_admin_{width}")
    _login(page, live_server.url, f"ce_admin_{width}")
    page.goto(f"{live_server.url}/ce/settings/")
    _shot(page, "settings", width)
