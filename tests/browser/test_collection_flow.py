"""The whole collection in a real browser: register → accept → fill → upload → submit → returned
with a reason → fixed → approved → active. At desktop and phone sizes, with screenshots of each step."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from registry.accounts.roles import Role
from registry.collection.models import Collection
from registry.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REGISTRY_SCREENSHOTS", Path(tempfile.gettempdir()) / "registry-screenshots"))
PASSWORD = "a-long-portal-password"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _photo(path: Path, color: str) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (300, 400), color).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def _shot(page: Any, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"collection-{width}-{name}.png"), full_page=True)


def _expect_url(page: Any, url: str) -> None:
    """Wait for a navigation; on failure say what the page showed instead."""
    try:
        page.wait_for_url(url, timeout=15_000)
    except Exception as exc:
        raise AssertionError(f"still on {page.url}: {page.inner_text('main')[:500]}") from exc


def _choose(page: Any, select_id: str, typed: str, value: str) -> None:
    """Pick from a searchable code-table select as a person does: type part of the name, tap the match."""
    page.focus(f"#{select_id}-ts-control")
    page.keyboard.type(typed)
    page.click(f"#{select_id}-ts-dropdown .option:has-text('{typed}') >> nth=0")
    assert page.eval_on_selector(f"#{select_id}", "e => e.value") == value


def _login(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1280, 390])
def test_collection_end_to_end(
    browser: Any, live_server: Any, make_user: Any, fake_people: Any, tmp_path: Path, width: int
) -> None:
    base = live_server.url
    fake = next(f for f in fake_people if f.category == "1")
    make_user(Role.COUNTY_REVIEWER, "440106", username="th_reviewer")
    viewport = {"width": width, "height": 900 if width > 500 else 844}
    page = browser.new_page(viewport=viewport)

    # Register.
    page.goto(f"{base}/portal/")
    _shot(page, "01-landing", width)
    page.click("text=首次登记")
    page.fill("#id_archive_no", fake.archive_no.lower())
    page.fill("#id_name", fake.name)
    page.fill("#id_mobile", "13912340001")
    page.fill("#id_email", "me@example.com")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.wait_for_selector("#id-check.text-success")  # the live check through the identity API
    _shot(page, "02-register", width)
    page.click("button:has-text('登记并继续')")

    # 承诺函.
    _expect_url(page, "**/portal/pledge/")
    _shot(page, "03-pledge", width)
    page.check("#agree")
    page.click("button:has-text('确认承诺')")

    # 基本信息.
    page.wait_for_url("**/portal/basic/")
    page.check("input[name=category][value='1']")
    _choose(page, "id_ethnicity", "汉", "01")
    page.fill("#id_address", "广州市天河区体育西路 1 号")
    _shot(page, "04-basic", width)
    page.click("button:has-text('保存，下一步')")

    # 学历.
    page.wait_for_url("**/portal/education/")
    page.select_option("#id_edu-0-mode", "1")
    page.fill("#id_edu-0-school", "广东财经大学")
    _choose(page, "id_edu-0-education", "大学本科毕业", "21")
    page.fill("#id_edu-0-major", "会计学")
    page.fill("#id_edu-0-start_date", "2010-09-01")
    page.fill("#id_edu-0-end_date", "2014-07-01")
    _shot(page, "05-education", width)
    page.click("button:has-text('保存，下一步')")

    # 工作经历.
    page.wait_for_url("**/portal/work/")
    page.fill("#id_work-0-unit_name", "广州华信贸易有限公司")
    page.fill("#id_work-0-credit_code", fake.work[0]["credit_code"])
    _choose(page, "id_work-0-unit_region", "天河", "440106")
    page.fill("#id_work-0-start_date", "2015-03-01")
    page.select_option("#id_work-0-post", "01")
    _shot(page, "06-work", width)
    page.click("button:has-text('保存，下一步')")

    # 证明材料: one upload per proof, then the page says it is on file.
    page.wait_for_url("**/portal/proofs/")
    forms = page.locator("form[enctype='multipart/form-data']")
    for i in range(forms.count()):
        form = page.locator("form[enctype='multipart/form-data']").nth(i)
        form.locator("input[type=file]").set_input_files(str(_photo(tmp_path / f"p{i}.jpg", "white")))
        form.locator("button").click()
        page.wait_for_load_state()
    assert page.locator("text=尚未上传").count() == 0
    _shot(page, "07-proofs", width)
    page.click("a:has-text('下一步')")

    # 审核机构.
    page.wait_for_url("**/portal/agency/")
    assert page.locator("input[name=agency][value='440106']").is_checked()
    _shot(page, "08-agency", width)
    page.click("button:has-text('确认，下一步')")

    # 提交.
    page.wait_for_url("**/portal/submit/")
    _shot(page, "09-submit", width)
    page.click("button:has-text('提交审核')")
    page.wait_for_url(f"{base}/portal/")
    assert "天河区" in page.inner_text("main") and "待审核" in page.inner_text("main")
    _shot(page, "10-status-submitted", width)

    # The reviewer returns it with a reason tied to the education part.
    staff = browser.new_page(viewport=viewport)
    _login(staff, base, "th_reviewer", "a-long-test-password")
    staff.goto(f"{base}/review/")
    _shot(staff, "11-queue", width)
    staff.click(f"text={fake.name}")
    staff.wait_for_selector("img[alt^='身份证明']")
    _shot(staff, "12-review", width)
    staff.click("button:has-text('退回修改')")
    staff.wait_for_selector("#return-form.show")
    staff.fill("#id_reason__education", "毕业时间与证书不符，请核对")
    staff.click("button:has-text('确认退回')")
    _expect_url(staff, f"{base}/review/")

    # The person sees the reason next to the field, fixes it and resubmits.
    page.goto(f"{base}/portal/")
    assert "毕业时间与证书不符" in page.inner_text("main")
    _shot(page, "13-status-returned", width)
    page.goto(f"{base}/portal/education/")
    assert "毕业时间与证书不符" in page.inner_text("main")
    page.fill("#id_edu-0-end_date", "2014-06-30")
    page.click("button:has-text('保存，下一步')")
    _expect_url(page, "**/portal/work/")
    page.goto(f"{base}/portal/submit/")
    page.click("button:has-text('提交审核')")
    _expect_url(page, f"{base}/portal/")

    # The reviewer approves; the record is active.
    staff.goto(f"{base}/review/")
    staff.click(f"text={fake.name}")
    staff.click("button:has-text('审核通过')")
    _expect_url(staff, f"{base}/review/")
    person = Person.objects.get(name=fake.name)
    assert person.status == "collected" and person.agency.code == "440106"
    assert Collection.objects.get(person=person).submissions == 2
    page.goto(f"{base}/portal/")
    assert "审核通过" in page.inner_text("main")
    page.click("a:has-text('查看我的信息')")
    assert "2014-06" in page.content() or person.name in page.inner_text("main")
    _shot(page, "14-approved", width)
