"""Batch files: every row checked on its own, valid rows written once, re-uploads change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import OutboxEvent
from registry.continuing_education.batch import HEADER, ce_batch_import
from registry.continuing_education.models import Batch, Entry
from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.snapshot import person_archive_no

pytestmark = pytest.mark.django_db

COLUMNS = "证件号码,姓名,日期,形式,科目类别,学分,举办单位,天数"


def line(person: Person, **over: str) -> str:
    values = {
        "number": person_archive_no(person),
        "name": person.name,
        "date": "2025-05-20",
        "form": "学术会议",
        "subject": "专业",
        "credits": "20",
        "provider": "广东省会计学会",
        "days": "2",
    }
    values.update(over)
    return ",".join(values.values())


def upload(actor: Any, *lines: str, header: str = COLUMNS, encoding: str = "utf-8") -> Batch:
    data = "\n".join([header, *lines]).encode(encoding)
    return ce_batch_import(actor=actor, file=("report.csv", data))


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user(Role.CITY_REVIEWER, "440100")


def test_good_rows_are_written_through_the_service_path(accountant: Any, staff: Any) -> None:
    alice, bob = accountant("440106"), accountant("440104")
    result = upload(
        staff,
        line(alice),
        line(
            alice, date="2025-09-01", form="2", subject="公需", credits="24", days="", provider="继续教育网"
        ),
        line(bob, form="3", credits="90", days=""),
    )
    assert (result.rows, result.created, result.unchanged, result.rejected, result.errors) == (3, 3, 0, 0, [])
    assert Entry.objects.filter(person=alice, route="batch", batch=result, status="approved").count() == 2
    online = Entry.objects.get(person=alice, form="2")
    assert online.hours == 24 and online.provider == "继续教育网"
    # One journal entry per person, carrying the snapshot with the new entries.
    assert OutboxEvent.objects.filter(kind="ce.batch").count() == 2
    alice.refresh_from_db()
    assert alice.version == 2


def test_re_upload_changes_nothing(accountant: Any, staff: Any) -> None:
    alice = accountant()
    first = upload(staff, line(alice), line(alice, form="3", credits="90", days=""))
    version = Person.objects.get(pk=alice.pk).version
    again = upload(staff, line(alice), line(alice, form="3", credits="90", days=""))
    assert (first.created, first.unchanged) == (2, 0)
    assert (again.created, again.unchanged, again.rejected) == (0, 2, 0)
    assert Entry.objects.count() == 2 and Person.objects.get(pk=alice.pk).version == version
    assert OutboxEvent.objects.filter(kind="ce.batch").count() == 1


def test_each_bad_row_is_named_and_the_good_ones_still_count(
    accountant: Any, staff: Any, fake_people: Any
) -> None:
    alice = accountant("440106")
    outsider = accountant("440203")  # 韶关: not this staff member's city
    stranger = next(fake_people)  # a valid number nobody registered
    number = person_archive_no(alice)
    result = upload(
        staff,
        line(alice),  # row 2: fine
        line(alice, number=number[:-1] + ("0" if number[-1] != "0" else "1")),  # 3: bad check digit
        line(alice, number=stranger.archive_no, name=stranger.name),  # 4: not registered
        line(outsider),  # 5: outside the scope
        line(alice, name="王某某"),  # 6: name mismatch
        line(alice, form="学习", date="2025-07-01"),  # 7: bad code
        line(alice),  # 8: repeats row 2
        line(alice, credits="30", date="2025-08-01"),  # 9: 2 days of conference are 20 credits
        line(alice, date="2027-01-01"),  # 10: future
        line(alice, number="4.40106E+17"),  # 11: Excel turned the number into a float
    )
    by_row = {e["row"]: e for e in result.errors}
    assert (result.created, result.unchanged, result.rejected) == (1, 0, 9)
    assert by_row[3]["column"] == "证件号码" and by_row[3]["code"].startswith("identity.")
    assert by_row[4]["code"] == by_row[5]["code"] == "ce.person_not_found"
    assert by_row[6]["code"] == "ce.name_mismatch" and by_row[6]["column"] == "姓名"
    assert by_row[7]["code"] == "ce.bad_form" and by_row[7]["column"] == "形式"
    assert by_row[8]["code"] == "ce.duplicate_row" and "第 2 行" in by_row[8]["message"]
    assert by_row[9]["code"] == "ce.credits_rule" and by_row[9]["column"] == "学分"
    assert by_row[10]["code"] == "ce.future" and by_row[10]["column"] == "日期"
    assert any(e["code"] == "ce.id_as_number" for e in result.errors if e["row"] == 11)
    assert Entry.objects.count() == 1 and not Entry.objects.filter(person=outsider).exists()
    assert all("4401" not in e["message"] for e in result.errors), "no ID numbers in the report"


def test_late_rows_are_refused(accountant: Any, staff: Any, today: Any) -> None:
    from datetime import date

    alice = accountant()
    today(date(2026, 4, 1))
    result = upload(staff, line(alice), line(alice, date="2026-03-01"))
    assert [e["code"] for e in result.errors] == ["ce.late"] and result.created == 1


def test_columns_by_name_in_any_order_codes_or_names_and_gbk(accountant: Any, staff: Any) -> None:
    alice = accountant()
    header = "举办单位,学分,科目类别,形式,日期,姓名,身份证号,备注"
    row = f"省财政厅,90,1,3,2025/4/2,{alice.name},'{person_archive_no(alice)},无"
    result = upload(staff, row, header=header, encoding="gb18030")
    assert result.created == 1 and result.errors == []


def test_header_offered_by_the_template_is_accepted(accountant: Any, staff: Any) -> None:
    alice = accountant()
    fields = {"证件号码": person_archive_no(alice), "姓名": alice.name, "日期": "2025-03-01", "形式": "论文"}
    fields |= {"科目类别": "专业", "学分": "10", "举办单位": "会计研究", "本人角色": "其他作者"}
    row = ",".join(fields.get(h, "") for h in HEADER.split(","))
    result = upload(staff, row, header="\ufeff" + HEADER)
    assert result.created == 1, result.errors
    assert Entry.objects.get().role == "other"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "ce.file_empty"),
        (b"   \n\n", "ce.file_empty"),
        (b"11010519491231002X,Zhang,2025-01-01\n", "ce.file_header"),  # no header
        ("证件号码,姓名\n".encode(), "ce.file_header"),  # required columns missing
        (COLUMNS.encode(), "ce.file_no_rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ce.file_not_text"),
        (bytes(range(128, 256)) * 20, "ce.file_encoding"),  # neither UTF-8 nor GB18030
        (b"\xb0\xa1\xb0\xa2,\xb0\xa3" * 40, "ce.file_header"),  # decodes, but to nonsense
    ],
)
def test_unreadable_files_write_nothing(staff: Any, data: bytes, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        ce_batch_import(actor=staff, file=("x.csv", data))
    assert exc.value.errors[0].code == code
    assert not Batch.objects.exists() and not Entry.objects.exists()


def test_only_staff_who_may_edit_people_upload(make_user: Any) -> None:
    for actor in (make_user(Role.AUDITOR, "440000"), make_user(None)):
        with pytest.raises(Forbidden):
            ce_batch_import(actor=actor, file=("x.csv", COLUMNS.encode()))
