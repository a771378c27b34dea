"""The version history: each version's diff against the previous one, with who, when and why."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registry.accounts.roles import Role
from registry.changes import services
from registry.changes.diff import Labeller, archive_note, describe, diff
from registry.changes.history import record_history
from registry.people.services import person_update
from registry.people.snapshot import person_archive_no
from registry.standard.identity import check_char

from .conftest import identity_with, png, work_with

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_labels_come_from_the_standard() -> None:
    assert describe(("identity", "name")) == ("基础信息 · 姓名", None)
    assert describe(("work", 0, "unit_region")) == ("工作经历 第1条 · 单位所在地（GB/T 2260）", "division")
    assert describe(("education", 1, "education"))[0] == "学历信息 第2条 · 学历（GB/T 4658）"
    assert describe(("continuing_education", 0, "entries", 2, "credits"))[0].endswith("明细 第3条 · 学分")


def test_diff_shows_codes_by_name_and_masks_numbers() -> None:
    old = {"identity": {"ethnicity": "01", "archive_no": "11010519491231002X", "mobile": None}}
    new = {"identity": {"ethnicity": "02", "archive_no": "11010519491231012X", "mobile": "13800000000"}}
    changes = {c.path: c for c in diff(old, new, (), Labeller())}
    assert (changes["identity.ethnicity"].old, changes["identity.ethnicity"].new) == ("汉族", "蒙古族")
    number = changes["identity.archive_no"]
    assert "1101" in number.old and "2X" in number.new and "0519491231" not in number.old + number.new
    assert number.note == "第 16 位不同" == archive_note("11010519491231002X", "11010519491231012X")
    assert changes["identity.mobile"].kind == "added" and changes["identity.mobile"].old == "—"


def test_history_lists_every_version_with_who_when_why(owned: Any, make_user: Any) -> None:
    person = owned()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    reviewer.display_name = "审核员甲"
    reviewer.save()
    request = services.change_request_submit(
        actor=person.user, group="work", proposed=work_with(person, unit_name="历史测试单位"), reason="跳槽"
    )
    services.change_request_approve(actor=reviewer, uid=request.uid, note="合同已核")
    person_update(
        actor=reviewer, person=person, changes={"identity": {"address": "新地址"}}, reason="窗口更正"
    )
    person.refresh_from_db()
    history = record_history(person, reviewer)
    assert [v.version for v in history.versions] == list(range(person.version, 0, -1))
    latest, approved, first = history.versions[0], history.versions[1], history.versions[-1]
    assert latest.reason == "窗口更正" and latest.actor == str(reviewer)
    assert [(c.label, c.new) for c in latest.changes] == [("基础信息 · 通讯地址", "新地址")]
    assert approved.action == "信息变更（工作经历，审核通过）"
    assert approved.reason == "跳槽；审核意见：合同已核" and approved.actor == str(reviewer)
    assert [(c.label, c.new) for c in approved.changes] == [("工作经历 第1条 · 单位名称", "历史测试单位")]
    assert first.compared_with is None and first.action == "建立记录"
    number = person_archive_no(person)
    assert all(number not in c.old + c.new for v in history.versions for c in v.changes)
    # The person sees their own history, staff named by their office only.
    own = record_history(person, person.user)
    assert own.versions[1].actor == "会计管理机构"


def test_history_pages_older_versions(owned: Any, make_user: Any) -> None:
    person = owned()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    for i in range(4):
        person_update(actor=staff, person=person, changes={"identity": {"address": f"地址{i}"}})
    person.refresh_from_db()
    page = record_history(person, staff, limit=2)
    assert [v.version for v in page.versions] == [5, 4] and page.older == 4
    assert page.versions[1].compared_with == 3  # the page's oldest still has its diff
    rest = record_history(person, staff, before=page.older, limit=10)
    assert [v.version for v in rest.versions] == [3, 2, 1] and rest.older is None


def test_detail_tab_and_history_page(owned: Any, make_user: Any) -> None:
    person = owned()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    number = person_archive_no(person)
    new_number = number[:14] + f"{(int(number[14:17]) + 2) % 1000:03d}"
    new_number = new_number[:17] + check_char(new_number[:17])
    request = services.change_request_submit(
        actor=person.user,
        group="identity",
        proposed=identity_with(person, archive_no=new_number),
        reason="号码更正",
        files=[png()],
    )
    services.change_request_approve(actor=reviewer, uid=request.uid)
    page = _client(reviewer).get(f"/people/{person.uid}/").content.decode()
    assert "变更历史（版本）" in page and "信息变更申请" in page and "号码更正" in page
    assert "基础信息 · 证件号码（档案号）" in page
    assert number not in page and new_number not in page
    full = _client(reviewer).get(f"/changes/people/{person.uid}/history/")
    assert full.status_code == 200 and new_number not in full.content.decode()
    assert (
        _client(make_user(Role.COUNTY_REVIEWER, "440104"))
        .get(f"/changes/people/{person.uid}/history/")
        .status_code
        == 404
    )
    assert _client(person.user).get(f"/changes/people/{person.uid}/history/").status_code == 403
    mine = _client(person.user).get("/changes/mine/history/").content.decode()
    assert "号码更正" in mine and new_number not in mine
