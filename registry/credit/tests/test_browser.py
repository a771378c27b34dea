"""The credit pages in Chromium at desktop and phone sizes, with screenshots to look at."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.credit import services
from registry.credit.tests.conftest import dishonour, honour, png
from registry.people.snapshot import person_archive_no

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
    page.screenshot(path=str(SHOTS / f"credit-{name}.png"), full_page=True)


def test_credit_pages_for_staff_the_person_and_the_public(
    browser: Any, live_server: Any, owned: Any, make_user: Any
) -> None:
    clerk = make_user(Role.COUNTY_REVIEWER, "440106", username="th_clerk")
    person = owned()
    services.credit_add(actor=clerk, person=person, data=honour(), evidence_files=[png()])
    banned = services.credit_add(
        actor=clerk, person=person, data=dishonour(penalty="5", serious=True), evidence_files=[png()]
    )
    services.objection_file(actor=person.user, record=banned, reason="已申请行政复议", evidence_files=[png()])
    base = live_server.url

    desk = browser.new_page(viewport={"width": 1366, "height": 900})
    _login(desk, base, "th_clerk")
    desk.goto(f"{base}/people/{person.uid}/")
    desk.click("button[data-bs-target='#tab-credit']")
    assert desk.locator("#tab-credit").get_by_text("禁止从事会计工作至 2031-11-16").first.is_visible()
    desk.click("text=录入信用信息")
    desk.wait_for_selector("#credit-add.show")
    _shot(desk, "1366-detail-tab")
    desk.goto(f"{base}/credit/objections/")
    assert desk.locator("tbody tr").count() == 1
    _shot(desk, "1366-objections")
    desk.locator("tbody tr a").first.click()
    desk.wait_for_selector("text=异议成立：更正或撤销")
    _shot(desk, "1366-objection")
    desk.goto(f"{base}/credit/records/{banned.uid}/")
    _shot(desk, "1366-record")

    phone = browser.new_page(viewport={"width": 390, "height": 844})
    _login(phone, base, person.user.username)
    phone.goto(f"{base}/credit/mine/")
    assert phone.get_by_text("已申请行政复议").is_visible()
    _shot(phone, "390-mine")

    public = browser.new_page(viewport={"width": 390, "height": 844})
    public.goto(f"{base}/credit/query/")
    public.fill("#id_name", person.name)
    public.fill("#id_archive_no", person_archive_no(person))
    public.click("button:has-text('查询')")
    public.wait_for_selector("#answer .card")
    text = public.locator("#answer").inner_text()
    assert person.archive_masked in text and "先进会计工作者" in text
    assert person_archive_no(person) not in public.content()
    assert public.locator("#id_archive_no").input_value() == ""
    _shot(public, "390-query")
