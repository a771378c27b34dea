"""Values of extension items: validated like national items, kept apart, carried in the snapshot."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.errors import DomainError, Forbidden
from registry.extensions.models import ExtensionValue
from registry.extensions.selectors import extension_problems
from registry.extensions.services import extension_values_set
from registry.people.models import Person, Status
from registry.people.snapshot import person_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(define: Any) -> None:
    define("years", "integer", label="从业年限", min_value="0", max_value="60")
    define("ratio", "decimal", label="比例", min_value="0", max_value="1.5")
    define("joined_on", "date", label="入会日期")
    define("cpa", "boolean", label="注册会计师")
    define("level", "choice", label="等级", codes="A 甲级\nB 乙级")
    define(
        "licence",
        "pattern",
        label="执业证号",
        pattern=r"[A-Z]{2}\d{6}",
        pattern_hint="两位大写字母加六位数字",
    )
    define("note", "text", label="备注", max_length=10)


def _refused(person: Any, values: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(DomainError) as exc:
        extension_values_set(actor=None, person=person, values=values)
    return {e.field: e.code for e in exc.value.errors}


@pytest.mark.parametrize(
    ("key", "good", "stored", "bad", "code"),
    [
        ("years", "12", "12", "-1", "extensions.too_small"),
        ("years", 60, "60", "61", "extensions.too_large"),
        ("years", "+7", "7", "7.5", "extensions.not_integer"),
        ("years", "0", "0", "十", "extensions.not_integer"),
        ("ratio", "1.50", "1.5", "1.51", "extensions.too_large"),
        ("ratio", "0.125", "0.125", "-0.1", "extensions.too_small"),
        ("ratio", ".5", "0.5", "1e3", "extensions.not_decimal"),
        ("joined_on", "2020-02-29", "2020-02-29", "2021-02-29", "extensions.bad_date"),
        ("joined_on", "2020-01-01", "2020-01-01", "2020/01/01", "extensions.bad_date"),
        ("cpa", "是", "true", "也许", "extensions.bad_boolean"),
        ("cpa", False, "false", "2", "extensions.bad_boolean"),
        ("level", "B", "B", "C", "extensions.bad_choice"),
        ("licence", "GD123456", "GD123456", "GD123456X", "extensions.pattern_mismatch"),
        ("licence", "AB000001", "AB000001", "xGD123456", "extensions.pattern_mismatch"),
        ("note", "十个字以内", "十个字以内", "超过十个字的一段备注文字", "extensions.too_long"),
    ],
)
def test_each_type_is_checked(
    items: None, make_person: Any, key: str, good: Any, stored: str, bad: Any, code: str
) -> None:
    person = make_person()
    assert _refused(person, {key: bad}) == {f"extensions.{key}": code}
    extension_values_set(actor=None, person=person, values={key: good})
    assert ExtensionValue.objects.get(person=person, item__key=key).value == stored


def test_nothing_is_written_on_any_error_and_all_errors_are_named(items: None, make_person: Any) -> None:
    person = make_person()
    version = person.version
    errors = _refused(person, {"years": "5", "ratio": "x", "level": "Z", "unknown_key": "1"})
    assert errors == {
        "extensions.ratio": "extensions.not_decimal",
        "extensions.level": "extensions.bad_choice",
        "extensions.unknown_key": "extensions.unknown",
    }
    person.refresh_from_db()
    assert person.version == version and not ExtensionValue.objects.exists()


def test_required_per_category(define: Any, make_person: Any) -> None:
    define("unit_grade", "choice", label="单位等级", codes="1 一级\n2 二级", required=True, categories=["1"])
    define("plain", "text")
    worker = make_person(category="1")
    assert _refused(worker, {"plain": "x"}) == {"extensions.unit_grade": "extensions.required"}
    assert [e.field for e in extension_problems(worker)] == ["extensions.unit_grade"]
    extension_values_set(actor=None, person=worker, values={"plain": "x", "unit_grade": "2"})
    assert _refused(worker, {"unit_grade": ""}) == {"extensions.unit_grade": "extensions.required"}
    other = make_person(category="3", work=[])
    extension_values_set(actor=None, person=other, values={"plain": "y"})  # does not apply: not required
    assert _refused(other, {"unit_grade": "1"}) == {"extensions.unit_grade": "extensions.not_applicable"}
    assert extension_problems(other) == []


def test_inactive_items_take_no_values(define: Any, make_person: Any) -> None:
    define("old_item", "text", active=False)
    person = make_person()
    assert _refused(person, {"old_item": "x"}) == {"extensions.old_item": "extensions.inactive"}
    extension_values_set(actor=None, person=person, values={"old_item": ""})  # empty is no write


def test_values_are_kept_apart_and_carried_in_the_snapshot(items: None, make_person: Any) -> None:
    person = make_person()
    before = person_record(person).model_dump(mode="json")
    extension_values_set(
        actor=None,
        person=person,
        values={"years": "8", "ratio": "0.25", "joined_on": "2019-05-01", "cpa": "true", "level": "A"},
    )
    person.refresh_from_db()
    record = person_record(person)
    assert record.extensions == {
        "cpa": True,
        "joined_on": "2019-05-01",
        "level": "A",
        "ratio": 0.25,
        "years": 8,
    }
    after = record.model_dump(mode="json")
    for group in ("identity", "education", "work", "student"):
        assert after[group] == before[group]  # national items untouched
    assert person.version == before["version"] + 1
    row = OutboxEvent.objects.filter(person_uid=person.uid).order_by("-seq").first()
    assert row is not None and row.kind == "extensions.set" and row.person_version == person.version
    assert outbox_snapshot(row)["extensions"]["years"] == 8
    event = AuditEvent.objects.filter(object_id=str(person.uid), action="extensions.set").get()
    assert event.data["items"] == ["cpa", "joined_on", "level", "ratio", "years"]
    # Writing the same values again changes nothing; clearing one removes it.
    extension_values_set(actor=None, person=person, values={"years": 8})
    person.refresh_from_db()
    assert person.version == before["version"] + 1
    extension_values_set(actor=None, person=person, values={"years": ""})
    assert "years" not in person_record(person).extensions


def test_who_may_write_values(items: None, make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    extension_values_set(
        actor=make_user(Role.COUNTY_REVIEWER, "440106"), person=person, values={"years": "1"}
    )
    for actor in (make_user(Role.COUNTY_REVIEWER, "440104"), make_user(Role.AUDITOR, "440000")):
        with pytest.raises(Forbidden):
            extension_values_set(actor=actor, person=person, values={"years": "2"})
    owner = make_user(Role.ACCOUNTANT, "440106")
    Person.objects.filter(pk=person.pk).update(user=owner)
    with pytest.raises(Forbidden):  # a collected record: the person asks for a change instead
        extension_values_set(actor=owner, person=person, values={"years": "3"})
    Person.objects.filter(pk=person.pk).update(status=Status.DRAFT)
    extension_values_set(actor=owner, person=person, values={"years": "3"})
    assert person_record(person).extensions["years"] == 3


def test_detail_tab_and_staff_form(items: None, make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    staff = Client()
    staff.force_login(make_user(Role.COUNTY_REVIEWER, "440106"))
    page = staff.get(f"/people/{person.uid}/").content.decode()
    assert "省级扩充项" in page and 'name="ext-years"' in page
    response = staff.post(f"/extensions/people/{person.uid}/", {"ext-years": "70", "ext-level": "A"})
    assert response.status_code == 200 and "不能大于 60" in response.content.decode()
    assert not ExtensionValue.objects.exists()
    response = staff.post(f"/extensions/people/{person.uid}/", {"ext-years": "7", "ext-level": "A"})
    assert response.status_code == 302 and response["Location"].endswith("#tab-extensions")
    page = staff.get(f"/people/{person.uid}/").content.decode()
    assert "甲级" in page
    outsider = Client()
    outsider.force_login(make_user(Role.COUNTY_REVIEWER, "440104"))
    assert outsider.post(f"/extensions/people/{person.uid}/", {"ext-years": "9"}).status_code == 404
    auditor = Client()
    auditor.force_login(make_user(Role.AUDITOR, "440000"))
    assert 'name="ext-years"' not in auditor.get(f"/people/{person.uid}/").content.decode()
    assert auditor.post(f"/extensions/people/{person.uid}/", {"ext-years": "9"}).status_code == 403
    assert person_record(person).extensions["years"] == 7
