"""调转 in a real browser (Debian's Chromium through Playwright), at desktop and phone sizes: accountants
apply within the province and to another one (the agency list follows the chosen province by htmx), the
origin reviewer confirms both, the destination approves the one within the province and an incoming one
from 北京, and the public status page answers. Screenshots of each page go to REGISTRY_SCREENSHOTS."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from registry.ops.sample_proofs import sample_image
from registry.people.models import Person
from registry.people.snapshot import person_archive_no
from registry.transfers.models import Direction, Transfer, TransferStatus
from registry.transfers.tests.test_pages import incoming, reviewer

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
    page.screenshot(path=str(SHOTS / f"transfers-{width}-{name}.png"), full_page=True)


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


def _choose(page: Any, select_id: str, typed: str, value: str) -> None:
    """Pick from a searchable select as a person does: type part of the name, take the first match."""
    page.focus(f"#{select_id}-ts-control")
    page.keyboard.type(typed)
    # Tap the matching entry (right after an htmx swap the list may not mark one active yet).
    option = f"#{select_id}-ts-dropdown .option[data-value='{value}']"
    page.wait_for_selector(option)
    page.eval_on_selector(option, "e => e.click()")  # a tap; the file field below may overlap the list
    # The list stays open after a pick (registry.js): close it and leave the field, as a tap elsewhere does.
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_selector(f"#{select_id}-ts-dropdown", state="hidden")
    assert page.eval_on_selector(f"#{select_id}", "e => e.value") == value


def _accountant(make_person: Any, make_user: Any, code: str, username: str) -> Person:
    person = make_person(code, identity={"email": f"{username}@example.cn"})
    Person.objects.filter(pk=person.pk).update(user=make_user(username=username))
    person.refresh_from_db()
    return person


def _apply(page: Any, base: str, body: tuple[str, str] | None, agency: tuple[str, str], proof: Path) -> None:
    """Fill the form; `body` None keeps this province (chosen by default)."""
    page.goto(f"{base}/transfers/mine/")
    if body is not None:
        # htmx replaces the agency list with the chosen province's cities and counties.
        with page.expect_response(lambda r: "/transfers/mine/agencies/" in r.url):
            _choose(page, "id_dest_body_code", *body)
        page.wait_for_function(  # the new list is in, and searchable again
            "v => { const s = document.getElementById('id_dest_agency_code');"
            " return s && s.tomselect && [...s.options].some(o => o.value === v); }",
            arg=agency[1],
        )
    _choose(page, "id_dest_agency_code", *agency)
    page.check("input[name=reason][value=work]")
    assert "新单位的统一社会信用代码证或工作证明" in page.inner_text("#proof-label")
    page.set_input_files("#id_proofs", str(proof))


@pytest.mark.parametrize("width", [1280, 390])
def test_apply_confirm_approve(
    browser: Any, live_server: Any, make_person: Any, make_user: Any, tmp_path: Path, width: int
) -> None:
    base = live_server.url
    viewport = {"width": width, "height": 900 if width > 500 else 844}
    proof = tmp_path / "work.png"
    proof.write_bytes(sample_image("work", "工作证明"))
    intra = _accountant(make_person, make_user, "440106", "tr_intra")
    cross = _accountant(make_person, make_user, "440106", "tr_cross")
    reviewer(make_user, "440106", username="tr_origin")
    reviewer(make_user, "440203", username="tr_dest")
    received, received_no = incoming(make_person, dest="440106")

    # Within the province: 天河 → 武江. A missing proof is refused next to its field first.
    page = _login(browser, base, "tr_intra", viewport)
    page.goto(f"{base}/transfers/mine/")
    _shot(page, "01-apply-empty", width)
    _choose(page, "id_dest_agency_code", "武江", "440203")
    page.check("input[name=reason][value=study]")
    assert "录取通知书或学生证" in page.inner_text("#proof-label")
    page.click("button:has-text('提交调转申请')")
    assert "请上传录取通知书或学生证" in page.inner_text("#apply")
    _shot(page, "02-apply-error", width)
    assert page.eval_on_selector("#id_dest_body_code", "e => e.value") == "440000"
    _apply(page, base, None, ("武江", "440203"), proof)
    page.click("button:has-text('提交调转申请')")
    _expect_url(page, f"{base}/transfers/mine/")
    assert "调转申请已提交" in page.inner_text("main") and "撤回申请" in page.inner_text("main")
    _shot(page, "03-applied", width)

    # Across provinces: 天河 → 北京 朝阳 (the list of 北京's districts comes from the division table).
    other = _login(browser, base, "tr_cross", viewport)
    _apply(other, base, ("北京", "110000"), ("朝阳", "110105"), proof)
    _shot(other, "04-apply-cross", width)
    other.click("button:has-text('提交调转申请')")
    _expect_url(other, f"{base}/transfers/mine/")
    assert "北京市朝阳区财政局" in other.inner_text("main")
    out = Transfer.objects.get(person_uid=cross.uid)
    assert out.direction == Direction.OUT and out.dest_agency_code == "110105"

    # The origin reviewer: the queue, then confirm both.
    staff = _login(browser, base, "tr_origin", viewport)
    staff.goto(f"{base}/transfers/")
    text = staff.inner_text("main")
    assert intra.name in text and cross.name in text and "京来人" in text
    _shot(staff, "05-queue", width)
    staff.click(f"a:has-text('{cross.name}') >> visible=true")
    staff.wait_for_selector("img[alt='工作证明']")
    _shot(staff, "06-origin-detail", width)
    staff.click("button:has-text('确认转出')")
    staff.wait_for_selector("text=已确认转出")
    assert "已确认转出，待全国平台转送" in staff.inner_text("main")
    staff.click("button:has-text('导出调转包（JSON）')")  # no hub key configured in tests: said so
    staff.wait_for_selector("text=未配置接口签名密钥")
    staff.goto(f"{base}/transfers/")
    staff.click(f"a:has-text('{intra.name}') >> visible=true")
    staff.click("button:has-text('确认转出')")
    staff.wait_for_selector("text=已确认转出，转韶关市武江区财政局审核")

    # The destination within the province approves, choosing the agency that will manage the person.
    dest = _login(browser, base, "tr_dest", viewport)
    dest.goto(f"{base}/transfers/")
    dest.click(f"a:has-text('{intra.name}') >> visible=true")
    assert intra.archive_masked in dest.inner_text("main")
    assert person_archive_no(intra) not in dest.content()
    _shot(dest, "07-dest-intra", width)
    dest.click("button:has-text('同意调入')")
    dest.wait_for_selector("text=已同意调入")
    intra.refresh_from_db()
    assert intra.agency.code == "440203"
    dest.goto(f"{base}/transfers/{out.uid}/")  # 天河 → 北京 is none of 武江's business
    assert "不在您所在机构的办理范围内" in dest.inner_text("main") and cross.name not in dest.content()
    _shot(dest, "11-not-found", width)

    # The incoming one from 北京: the record came with the package, the county approves it.
    staff.goto(f"{base}/transfers/{received.uid}/")
    text = staff.inner_text("main")
    assert "调转包转来的信息" in text and "学历信息" in text and received.archive_masked in text
    assert received_no not in staff.content()
    _shot(staff, "08-incoming", width)
    staff.click("button:has-text('同意调入')")
    staff.wait_for_selector("text=待全国平台确认后该人员信息转入本省")
    received.refresh_from_db()
    assert received.status == TransferStatus.APPROVING

    # The applicant follows the steps; the public page answers with the number and nothing else.
    page.goto(f"{base}/transfers/mine/")
    page.click("summary:has-text('办理记录')")
    assert "调入地同意调入" in page.inner_text("main") and "已调入" in page.inner_text("main")
    _shot(page, "09-history", width)
    public = browser.new_page(viewport=viewport)
    public.goto(f"{base}/transfers/status/")
    out.refresh_from_db()
    public.fill("#id_app_no", out.app_no)
    public.fill("#id_archive_no", person_archive_no(cross))
    public.click("button:has-text('查询')")
    public.wait_for_selector("#answer .card")
    answer = public.inner_text("#answer")
    assert "已确认转出，待全国平台转送" in answer and cross.name not in answer
    _shot(public, "10-status", width)
    public.fill("#id_app_no", out.app_no)
    public.fill("#id_archive_no", "110105199001011234")
    public.click("button:has-text('查询')")
    public.wait_for_selector("#answer .alert")
    assert "未查询到该调转申请" in public.inner_text("#answer")
