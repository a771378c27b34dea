"""Defining extension items: keys, types, code lists, bounds and safe patterns; only the province admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.core.errors import DomainError, Forbidden
from registry.extensions.models import ExtensionItem
from registry.extensions.services import extension_item_save, extension_values_set

pytestmark = pytest.mark.django_db


def _codes(exc: Any) -> set[str]:
    return {e.code for e in exc.value.errors}


def test_an_item_of_each_type_is_defined_and_audited(define: Any) -> None:
    define("member_no", "text", label="会员编号", max_length=20)
    define("years", "integer", min_value="0", max_value="60")
    define("ratio", "decimal", min_value="0", max_value="1.5")
    define("joined_on", "date")
    define("cpa", "boolean")
    item = define("level", "choice", codes="A 甲级\nB\t乙级\n\nC　丙级")
    define("licence", "pattern", pattern=r"[A-Z]{2}\d{6}", pattern_hint="两位大写字母加六位数字")
    assert item.codes == [["A", "甲级"], ["B", "乙级"], ["C", "丙级"]]
    assert ExtensionItem.objects.count() == 7
    assert AuditEvent.objects.filter(action="extensions.item_create", object_id="level").exists()
    updated = define("level", "choice", label="等级", codes="A 甲级\nB 乙级")
    assert updated.pk == item.pk and updated.label == "等级"
    assert AuditEvent.objects.filter(action="extensions.item_update", object_id="level").exists()


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"key": "Bad-Key"}, "extensions.bad_key", "key"),
        ({"key": "x"}, "extensions.bad_key", "key"),
        ({"label": ""}, "extensions.bad_label", "label"),
        ({"type": "money"}, "extensions.bad_type", "type"),
        ({"type": "choice", "codes": ""}, "extensions.codes_required", "codes"),
        ({"type": "choice", "codes": "A 甲\nA 乙"}, "extensions.duplicate_code", "codes"),
        ({"type": "choice", "codes": "A甲 \n代码 名称"}, "extensions.bad_code_line", "codes"),
        ({"type": "pattern", "pattern": "[A-Z"}, "extensions.bad_pattern", "pattern"),
        ({"type": "pattern", "pattern": "(a+)+$"}, "extensions.unsafe_pattern", "pattern"),
        ({"type": "pattern", "pattern": "(x|xx)*"}, "extensions.unsafe_pattern", "pattern"),
        ({"type": "pattern", "pattern": r"(\w)\1"}, "extensions.unsafe_pattern", "pattern"),
        ({"type": "pattern", "pattern": "a*b*c*d*"}, "extensions.unsafe_pattern", "pattern"),
        ({"type": "pattern", "pattern": "a" * 201}, "extensions.pattern_too_long", "pattern"),
        ({"type": "pattern", "pattern": ""}, "extensions.pattern_required", "pattern"),
        ({"type": "integer", "min_value": "abc"}, "extensions.bad_bound", "min_value"),
        ({"type": "decimal", "min_value": "5", "max_value": "1"}, "extensions.bad_bounds", "max_value"),
        ({"categories": ["9"]}, "extensions.bad_category", "categories"),
        ({"max_length": 0}, "extensions.bad_max_length", "max_length"),
    ],
)
def test_bad_definitions_are_refused(admin: Any, data: dict[str, Any], code: str, field: str) -> None:
    base = {"key": "item_key", "label": "项目", "type": "text"}
    with pytest.raises(DomainError) as exc:
        extension_item_save(actor=admin, data={**base, **data})
    assert (code, field) in {(e.code, e.field) for e in exc.value.errors}
    assert not ExtensionItem.objects.exists()


def test_only_the_province_admin_defines_items(make_user: Any) -> None:
    for actor in (make_user(Role.PROVINCE_REVIEWER, "440000"), make_user(Role.CITY_REVIEWER, "440100"), None):
        with pytest.raises(Forbidden):
            extension_item_save(actor=actor, data={"key": "abc", "label": "x", "type": "text"})
    with pytest.raises(Forbidden):  # another provincial body's admin
        extension_item_save(
            actor=make_user(Role.PROVINCE_ADMIN, "440300"), data={"key": "abc", "label": "x", "type": "text"}
        )
    assert not ExtensionItem.objects.exists()


def test_a_definition_may_not_strand_stored_values(define: Any, make_person: Any) -> None:
    define("level", "choice", codes="A 甲级\nB 乙级")
    person = make_person()
    extension_values_set(actor=None, person=person, values={"level": "B"})
    with pytest.raises(DomainError) as exc:
        define("level", "text")
    assert _codes(exc) == {"extensions.type_locked"}
    with pytest.raises(DomainError) as exc:
        define("level", "choice", codes="A 甲级")
    assert _codes(exc) == {"extensions.code_in_use"} and "B" in exc.value.errors[0].message
    define("level", "choice", codes="B 乙级\nC 丙级")  # removing an unused code is fine
    assert ExtensionItem.objects.get(key="level").code_names == {"B": "乙级", "C": "丙级"}


def test_admin_pages(admin: Any, make_user: Any) -> None:
    client = Client()
    client.force_login(admin)
    assert client.get("/extensions/items/").status_code == 200
    response = client.post(
        "/extensions/items/new/",
        {
            "key": "licence",
            "label": "执业证号",
            "type": "pattern",
            "pattern": "[A-Z",
            "max_length": 50,
            "order": 1,
        },
    )
    assert response.status_code == 200 and "正则表达式有误" in response.content.decode()
    response = client.post(
        "/extensions/items/new/",
        {
            "key": "licence",
            "label": "执业证号",
            "type": "pattern",
            "pattern": r"[A-Z]{2}\d{6}",
            "max_length": 50,
            "order": 1,
            "active": "on",
            "categories": ["1"],
        },
    )
    assert response.status_code == 302
    item = ExtensionItem.objects.get(key="licence")
    assert item.categories == ["1"] and item.active
    page = client.get("/extensions/items/licence/")
    assert page.status_code == 200 and "执业证号" in page.content.decode()
    client.post(
        "/extensions/items/licence/",
        {
            "key": "other",
            "label": "执业证号码",
            "type": "pattern",
            "pattern": r"[A-Z]{2}\d{6}",
            "max_length": 50,
            "order": 1,
        },
    )
    item.refresh_from_db()
    assert item.label == "执业证号码" and item.key == "licence" and not item.active
    reviewer = Client()
    reviewer.force_login(make_user(Role.PROVINCE_REVIEWER, "440000"))
    assert reviewer.get("/extensions/items/").status_code == 403
    assert (
        reviewer.post("/extensions/items/new/", {"key": "x1", "label": "x", "type": "text"}).status_code
        == 403
    )
