"""信息变更 and 省级扩充项 in a real browser (Debian's Chromium through Playwright), desktop and phone:
a person proposes a work-unit change and a name change with proof; the reviewer approves one and returns
the other; the person revises; the detail page's history shows who, when and why. Screenshots of each page."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from registry.accounts.roles import Role
from registry.changes.models import ChangeRequest, ChangeStatus
from registry.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REGISTRY_SCREENSHOTS", Path(tempfile.gettempdir()) / "registry-screenshots"))
PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _shot(page: Any, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"changes-{width}-{name}.png"), full_page=True)


def _expect_url(page: Any, url: str) -> None:
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


@pytest.mark.parametrize("width", [1280, 390])
def test_change_requests_end_to_end(
    browser: Any, live_server: Any, make_person: Any, make_user: Any, tmp_path: Path, width: int
) -> None:
    base = live_server.url
    person = make_person("440106")
    owner = make_user(Role.ACCOUNTANT, "440106", username="chg_person")
    Person.objects.filter(pk=person.pk).update(user=owner)
    make_user(Role.COUNTY_REVIEWER, "440106", username="chg_reviewer")
    admin = make_user(Role.PROVINCE_ADMIN, "440000", username="chg_admin")
    viewport = {"width": width, "height": 900 if width > 500 else 844}

    # The person proposes a new work unit (no proof needed) and a new name (proof needed).
    page = _login(browser, base, "chg_person", viewport)
    page.goto(f"{base}/changes/mine/")
    _shot(page, "01-mine", width)
    page.click("a:has-text('变更工作经历')")
    _expect_url(page, "**/changes/mine/new/work/")
    page.fill("#id_work-0-unit_name", "广州新财会咨询有限公司")
    page.fill("#id_reason", "已入职新单位")
    _shot(page, "02-propose-work", width)
    page.click("button:has-text('提交变更申请')")
    _expect_url(page, "**/changes/mine/*/")
    assert "待审核" in page.inner_text("main") and "广州新财会咨询有限公司" in page.inner_text("main")
    _shot(page, "03-submitted", width)
    page.goto(f"{base}/changes/mine/new/identity/")
    page.fill("#id_name", "李更名")
    page.fill("#id_reason", "已依法更改姓名")
    page.click("button:has-text('提交变更申请')")
    assert "须上传" in page.inner_text("main")  # refused without proof, the form keeps what was typed
    proof = tmp_path / "proof.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buf, "JPEG")
    proof.write_bytes(buf.getvalue())
    page.set_input_files("#id_evidence", str(proof))
    page.click("button:has-text('提交变更申请')")
    _expect_url(page, "**/changes/mine/*/")

    # The reviewer: the queue, old beside new, approve the work change, return the name change.
    staff = _login(browser, base, "chg_reviewer", viewport)
    staff.goto(f"{base}/changes/review/")
    _shot(staff, "04-queue", width)
    staff.click("tr:has-text('工作经历') a")
    staff.wait_for_selector("text=工作经历 第1条 · 单位名称")
    _shot(staff, "05-review-work", width)
    staff.click("button:has-text('批准变更')")
    _expect_url(staff, f"{base}/changes/review/")
    staff.click("tr:has-text('基础信息') a")
    staff.wait_for_selector("img[alt='证明材料']")
    _shot(staff, "06-review-name", width)
    staff.fill("textarea[name=reason]", "证明材料不清晰，请上传户籍部门出具的更名证明")
    staff.click("button:has-text('退回修改')")
    _expect_url(staff, f"{base}/changes/review/")

    # The person sees the reason, revises and resubmits; the reviewer approves.
    page.goto(f"{base}/changes/mine/")
    assert "更名证明" in page.inner_text("main")
    page.click("a:has-text('基础信息')")
    page.click("a:has-text('修改后重新提交')")
    _expect_url(page, "**/revise/")
    page.set_input_files("#id_evidence", str(proof))
    _shot(page, "07-revise", width)
    page.click("button:has-text('提交变更申请')")
    _expect_url(page, "**/changes/mine/*/")
    staff.goto(f"{base}/changes/review/")
    staff.click("tr:has-text('基础信息') a")
    staff.click("button:has-text('批准变更')")
    _expect_url(staff, f"{base}/changes/review/")
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {ChangeStatus.APPROVED}

    # The detail page: the record, the requests and every version with who, when and why.
    staff.goto(f"{base}/people/{person.uid}/")
    assert "李更名" in staff.inner_text("main")
    staff.click("button:has-text('变更历史（版本）')")
    history = staff.inner_text("#tab-versions")
    assert "单位名称" in history and "广州新财会咨询有限公司" in history and "已入职新单位" in history
    assert "姓名" in history and "李更名" in history
    _shot(staff, "08-history-tab", width)
    page.goto(f"{base}/people/mine/")
    page.click("button:has-text('变更历史（版本）')")
    assert "会计管理机构" in page.inner_text("#tab-versions")
    _shot(page, "09-own-history", width)

    # 省级扩充项: the admin defines items, staff fill them in on the detail page.
    boss = _login(browser, base, admin.username, viewport)
    boss.goto(f"{base}/extensions/items/new/")
    boss.fill("#id_label", "执业证号")
    boss.fill("#id_key", "licence_no")
    boss.select_option("#id_type", "pattern")
    boss.fill("#id_pattern", r"[A-Z]{2}\d{6}")
    boss.fill("#id_pattern_hint", "两位大写字母加六位数字")
    _shot(boss, "10-item-edit", width)
    boss.click("button:has-text('保存')")
    _expect_url(boss, f"{base}/extensions/items/")
    _shot(boss, "11-items", width)
    staff.goto(f"{base}/people/{person.uid}/")
    staff.click("button:has-text('省级扩充项')")
    staff.fill("#id_ext-licence_no", "gd123456")
    staff.click("button:has-text('保存扩充项')")
    assert "格式不符合要求" in staff.inner_text("main")
    staff.fill("#id_ext-licence_no", "GD123456")
    staff.click("button:has-text('保存')")
    _expect_url(staff, f"**/people/{person.uid}/#tab-extensions")
    staff.click("button:has-text('省级扩充项')")
    _shot(staff, "12-extensions-tab", width)
    assert staff.input_value("#id_ext-licence_no") == "GD123456"
