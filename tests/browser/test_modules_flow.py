"""The record's modules together in a real browser (Debian's Chromium through Playwright): a collected
person self-reports 继续教育 credits with proof and proposes a change of work unit; a county reviewer
approves both; the staff detail page (继续教育, 工作经历, 变更历史（版本）), the staff list's filters and
the person's own pages reflect them. At desktop and phone sizes, with a screenshot of each step."""

from __future__ import annotations

import io
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.changes.models import ChangeRequest, ChangeStatus
from registry.continuing_education.models import Entry
from registry.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REGISTRY_SCREENSHOTS", Path(tempfile.gettempdir()) / "registry-screenshots"))
PASSWORD = "a-long-test-password"
OLD_UNIT, NEW_UNIT = "广州华信贸易有限公司", "广州新财会咨询有限公司"
REASON = "已调入新单位工作"
REVIEWER_NAME = "天河区审核员"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _proof(path: Path) -> Path:
    """A certificate-like picture (not blank, so the reviewer's preview visibly shows it)."""
    image = Image.new("RGB", (600, 400), "#fff8e1")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 580, 380), outline="#b71c1c", width=8)
    draw.rectangle((60, 80, 540, 110), fill="#1565c0")
    draw.ellipse((430, 260, 540, 370), outline="#b71c1c", width=6)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def _shot(page: Any, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Transitions finished first: a tab switch caught halfway would show two tabs half-active.
    page.screenshot(path=str(SHOTS / f"modules-{width}-{name}.png"), full_page=True, animations="disabled")


def _expect_url(page: Any, url: str) -> None:
    """Wait for a navigation; on failure say what the page showed instead."""
    try:
        page.wait_for_url(url, timeout=15_000)
    except Exception as exc:
        raise AssertionError(f"still on {page.url}: {page.inner_text('main')[:500]}") from exc


def _login(browser: Any, base: str, username: str, viewport: dict[str, int]) -> Any:
    page = browser.new_page(viewport=viewport)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _tab(page: Any, key: str) -> str:
    """Open a tab of the record (detail page or own page) and return its text."""
    page.click(f"button[data-bs-target='#tab-{key}']")
    page.wait_for_selector(f"button.active[data-bs-target='#tab-{key}']")
    page.wait_for_selector(f"#tab-{key}.show")
    return str(page.inner_text(f"#tab-{key}"))


@pytest.mark.parametrize("width", [1280, 390])
def test_ce_and_change_reviewed_and_reflected(
    browser: Any, live_server: Any, make_person: Any, make_user: Any, tmp_path: Path, width: int
) -> None:
    base = live_server.url
    today = timezone.localdate()
    year = today.year
    # Collected in 天河区, in accounting work since a few years back: CE is required this year.
    person = make_person(
        "440106",
        work=[
            {
                "start_date": date(year - 4, 3, 1),
                "end_date": None,
                "unit_name": OLD_UNIT,
                "is_accounting": True,
                "unit_region": "440106",
            }
        ],
    )
    owner = make_user(None, username="mod_person")
    Person.objects.filter(pk=person.pk).update(user=owner)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106", username="mod_reviewer")
    User.objects.filter(pk=reviewer.pk).update(display_name=REVIEWER_NAME)
    viewport = {"width": width, "height": 900 if width > 500 else 844}
    proof = _proof(tmp_path / "conference-certificate.png")

    # The person: this year's CE still wants all 90 credits.
    page = _login(browser, base, "mod_person", viewport)
    page.goto(f"{base}/ce/mine/")
    assert f"{year} 年度" in page.inner_text("main") and "还差 90 学分" in page.inner_text("main")
    _shot(page, "01-ce-mine-before", width)

    # Self-report a 2-day conference (10 credits a day), refused without proof, then with it.
    page.click("main a:has-text('申报学分')")
    _expect_url(page, "**/ce/mine/report/")
    page.fill("#id_held_on", today.isoformat())
    page.select_option("#id_form", "4")
    page.check("input[name=subject][value='1']")
    page.fill("#id_days", "2")
    page.fill("#id_provider", "广东省会计学会")
    page.fill("#id_title", "年度会计准则研讨会")
    page.click("button:has-text('提交审核')")
    assert page.locator(".invalid-feedback").count() > 0 and "/ce/mine/report/" in page.url
    assert not Entry.objects.exists()
    page.set_input_files("input[name=proof]", str(proof))
    _shot(page, "02-ce-report", width)
    page.click("button:has-text('提交审核')")
    _expect_url(page, "**/ce/mine/")
    assert "待审核" in page.inner_text("main")
    _shot(page, "03-ce-pending", width)

    # Propose a change of the current work unit, with a reason.
    page.goto(f"{base}/changes/mine/")
    _shot(page, "04-changes-mine", width)
    page.click("a:has-text('变更工作经历')")
    _expect_url(page, "**/changes/mine/new/work/")
    assert page.input_value("#id_work-0-unit_name") == OLD_UNIT
    page.fill("#id_work-0-unit_name", NEW_UNIT)
    page.fill("#id_reason", REASON)
    _shot(page, "05-change-propose", width)
    page.click("button:has-text('提交变更申请')")
    _expect_url(page, "**/changes/mine/*/")
    main = page.inner_text("main")
    assert "待审核" in main and NEW_UNIT in main and OLD_UNIT in main
    _shot(page, "06-change-submitted", width)

    # The county reviewer, in a second page: approve the CE report, after looking at the proof.
    staff = _login(browser, base, "mod_reviewer", viewport)
    staff.goto(f"{base}/ce/review/")
    row = staff.locator("tr", has_text=person.name)
    assert "20" in row.inner_text() and str(year) in row.inner_text()
    _shot(staff, "07-ce-queue", width)
    row.locator("a").click()
    staff.wait_for_selector("iframe[title='证明材料']")
    staff.frame_locator("iframe[title='证明材料']").locator("img, embed, body").first.wait_for()
    _shot(staff, "08-ce-review", width)
    staff.click("button:has-text('审核通过')")
    _expect_url(staff, f"{base}/ce/review/")
    assert person.name not in staff.inner_text("main")
    entry = Entry.objects.get(person=person)
    assert entry.status == "approved" and entry.credits == 20 and entry.route == "self"

    # … and the change request, old beside new.
    staff.goto(f"{base}/changes/review/")
    _shot(staff, "09-change-queue", width)
    staff.click(f"tr:has-text('{person.name}'):has-text('工作经历') a")
    staff.wait_for_selector("text=工作经历 第1条 · 单位名称")
    review = staff.inner_text("main")
    assert OLD_UNIT in review and NEW_UNIT in review and REASON in review
    _shot(staff, "10-change-review", width)
    staff.click("button:has-text('批准变更')")
    _expect_url(staff, f"{base}/changes/review/")
    assert ChangeRequest.objects.get(person=person).status == ChangeStatus.APPROVED

    # The staff detail page: credits, the new unit, and the versions with who and why.
    staff.goto(f"{base}/people/{person.uid}/")
    ce = _tab(staff, "continuing_education")
    assert f"{year} 年度" in ce and "合计 20 学分" in ce and "未达标" in ce and "还差 70 学分" in ce
    assert "参加会计类学术会议" in ce and "已登记" in ce
    _shot(staff, "11-detail-ce", width)
    work = _tab(staff, "work")
    assert NEW_UNIT in work and OLD_UNIT not in work
    _shot(staff, "12-detail-work", width)
    history = _tab(staff, "versions")
    assert "单位名称" in history and NEW_UNIT in history and OLD_UNIT in history
    assert REASON in history and REVIEWER_NAME in history
    _shot(staff, "13-detail-history", width)

    # The staff list: the module filters exist, and the person is where the facts put them.
    staff.goto(f"{base}/people/")
    if width < 768:
        staff.click("button:has-text('筛选条件')")
        staff.wait_for_selector("#filters.show")
    ce_options = staff.locator("#id_ce option").all_inner_texts()
    assert f"{year}年未达标" in ce_options and f"{year}年已达标" in ce_options
    change_options = staff.locator("#id_change option").all_inner_texts()
    assert "有已批准的变更" in change_options and "有办理中的变更申请" in change_options
    with staff.expect_response(lambda r: "ce=" in r.url):
        staff.select_option("#id_ce", f"{year}:unmet")
    staff.wait_for_url(f"**/people/?*ce={year}%3Aunmet*")
    assert person.name in staff.inner_text("#results")
    _shot(staff, "14-list-ce-unmet", width)
    staff.goto(f"{base}/people/?ce={year}:met")
    assert person.name not in staff.inner_text("#results")
    staff.goto(f"{base}/people/?change=approved")
    assert person.name in staff.inner_text("#results")
    _shot(staff, "15-list-change-approved", width)
    staff.goto(f"{base}/people/?change=open")
    assert person.name not in staff.inner_text("#results")

    # The person's own pages reflect both.
    page.goto(f"{base}/ce/mine/")
    mine = page.inner_text("main")
    assert "已登记" in mine and "待审核" not in mine and "还差 70 学分" in mine
    _shot(page, "16-ce-mine-after", width)
    page.goto(f"{base}/changes/mine/")
    assert "已通过" in page.inner_text("main") and "待审核" not in page.inner_text("main")
    _shot(page, "17-changes-mine-after", width)
    page.goto(f"{base}/people/mine/")
    assert NEW_UNIT in _tab(page, "work")
    assert "合计 20 学分" in _tab(page, "continuing_education")
    own_history = _tab(page, "versions")
    assert NEW_UNIT in own_history and REASON in own_history and "会计管理机构" in own_history
    _shot(page, "18-own-record-history", width)
