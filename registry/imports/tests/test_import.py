"""Dry run and commit: what would happen, what did happen, and that the counts are right."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import audit_verify, outbox_snapshot
from registry.core.errors import DomainError
from registry.imports.columns import code_lookup
from registry.imports.models import ImportJob, ImportRow, JobStatus
from registry.imports.runner import commit_job
from registry.imports.selectors import rejected_rows
from registry.imports.services import import_job_confirm
from registry.imports.testing import Formula, csv_bytes, xlsx_bytes
from registry.people import hooks
from registry.people.models import Education, Person, Status
from registry.people.services import person_create, person_set_state, person_update
from registry.people.snapshot import person_archive_no, person_record

pytestmark = pytest.mark.django_db

Rows = Callable[..., list[dict[str, Any]]]
Run = Callable[..., ImportJob]
MODULE_SECTIONS = ("qualifications", "continuing_education", "talents", "credit", "extensions")


def issues(job: ImportJob) -> dict[int, set[tuple[str, str]]]:
    """row → {(column, code)} of every row not imported."""
    return {r.row_no: {(i["column"], i["code"]) for i in r.issues} for r in rejected_rows(job)}


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user(Role.CITY_REVIEWER, "440100")


def test_dry_run_plans_and_writes_nothing(rows: Rows, run: Run, staff: Any) -> None:
    people, audit = Person.objects.count(), AuditEvent.objects.filter(action="person.create").count()
    job = run(csv_bytes(rows(3, "440106") + rows(2, "440104")), actor=staff)
    assert job.status == JobStatus.VALIDATED
    assert (job.total_rows, job.planned_create, job.planned_update, job.planned_rejected) == (5, 5, 0, 0)
    assert Person.objects.count() == people
    assert AuditEvent.objects.filter(action="person.create").count() == audit
    assert AuditEvent.objects.filter(action="import.validate", object_id=str(job.uid)).exists()
    assert not ImportRow.objects.filter(job=job).exists()  # plain creations leave no row


def test_commit_writes_people_with_history_audit_and_outbox(
    rows: Rows, run: Run, staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[int] = []
    monkeypatch.setattr(hooks, "WRITE_LISTENERS", [*hooks.WRITE_LISTENERS, lambda p: heard.append(p.pk)])
    data = rows(4, "440106")
    job = run(csv_bytes(data), actor=staff, commit=True)
    assert job.status == JobStatus.DONE
    assert (job.created, job.updated, job.unchanged, job.rejected) == (4, 0, 0, 0)
    people = list(
        Person.objects.filter(
            archive_masked__in=[r["证件号码"][:4] + "*" * 10 + r["证件号码"][-4:] for r in data]
        ).select_related("agency")
    )
    assert len(people) == 4 and sorted(heard) == sorted(p.pk for p in people)
    for person, row in zip(
        sorted(people, key=lambda p: person_archive_no(p)),
        sorted(data, key=lambda r: r["证件号码"]),
        strict=True,
    ):
        assert person_archive_no(person) == row["证件号码"] and person.name == row["姓名"]
        assert person.version == 1 and person.status == Status.COLLECTED and person.agency.code == "440106"
        assert person.collected_at is not None and person.highest_education
        assert person.educations.count() == 1 and person.works.count() == 1
        event = AuditEvent.objects.get(action="person.create", object_id=str(person.uid))
        assert event.actor_id == staff.pk and event.data["import_job"] == str(job.uid)
        outbox = OutboxEvent.objects.get(person_uid=person.uid)
        assert (outbox.person_version, outbox.kind) == (1, "person.create")
        # The snapshot is what person_record says of the person, module sections aside (ADR 0012).
        expected = person_record(person).model_dump(mode="json")
        got = outbox_snapshot(outbox)
        for section in MODULE_SECTIONS:
            expected.pop(section), got.pop(section)
        assert got == expected
    assert audit_verify().ok


def test_reimporting_the_same_file_changes_nothing(rows: Rows, run: Run, staff: Any) -> None:
    data = xlsx_bytes(rows(3, "440106"))
    run(data, "people.xlsx", actor=staff, commit=True)
    versions = dict(Person.objects.values_list("pk", "version"))
    outbox = OutboxEvent.objects.count()
    again = run(data, "people.xlsx", actor=staff)
    assert (again.planned_unchanged, again.planned_update, again.planned_create) == (3, 0, 0)
    with pytest.raises(DomainError) as exc:
        import_job_confirm(actor=staff, job=again, start=False)
    assert exc.value.errors[0].code == "imports.nothing_to_do"
    assert dict(Person.objects.values_list("pk", "version")) == versions
    assert OutboxEvent.objects.count() == outbox


def test_changed_rows_update_through_the_service_and_empty_cells_keep(
    rows: Rows, run: Run, staff: Any
) -> None:
    data = rows(3, "440106")
    run(csv_bytes(data), actor=staff, commit=True)
    registered = code_lookup("education")[data[1]["学历"]]
    data[0]["手机号"] = "13900000001"
    data[1].update(
        {
            "学历": "硕士研究生毕业",
            "毕业学校": "中山大学",
            "培养方式": "非全日制",
            "入学日期": "2021-09-01",
            "毕业日期": "2024-07-01",
        }
    )
    data[2]["民族"] = ""  # empty: keeps the registered 汉族
    job = run(csv_bytes(data), actor=staff, commit=True)
    assert (job.planned_update, job.planned_unchanged) == (2, 1)
    assert (job.created, job.updated, job.unchanged, job.rejected) == (0, 2, 1, 0)
    first = Person.objects.get(archive_masked__endswith=data[0]["证件号码"][-4:], name=data[0]["姓名"])
    assert first.mobile == "13900000001" and first.version == 2
    update = AuditEvent.objects.filter(action="person.update", object_id=str(first.uid)).get()
    assert "批量导入" in update.data["reason"]
    second = Person.objects.get(name=data[1]["姓名"], archive_masked__endswith=data[1]["证件号码"][-4:])
    assert list(second.educations.values_list("education", flat=True)) == [
        registered,
        "14",
    ]  # added, not replaced
    assert second.highest_education == "14"
    third = Person.objects.get(name=data[2]["姓名"], archive_masked__endswith=data[2]["证件号码"][-4:])
    assert third.ethnicity == "01" and third.version == 1
    assert OutboxEvent.objects.filter(person_uid=first.uid, person_version=2, kind="person.update").exists()


def test_bad_ids_codes_and_missing_items_are_reported_per_field(rows: Rows, run: Run, staff: Any) -> None:
    data = rows(6, "440106")
    number = data[0]["证件号码"]
    data[0]["证件号码"] = number[:17] + ("0" if number[17] != "0" else "1")
    data[1]["民族"] = "火星族"
    data[2]["姓名"] = ""
    data[3]["参加本单位工作日期"] = "2019-02-30"
    data[4]["性别"] = "男" if data[4]["证件号码"][16] in "02468" else "女"  # disagrees with the number
    data[5].update({"毕业学校": "", "学历": "", "培养方式": "", "专业": "", "入学日期": "", "毕业日期": ""})
    job = run(csv_bytes(data), actor=staff)
    assert job.planned_rejected == 6 and job.planned_create == 0
    assert issues(job) == {
        2: {("证件号码", "identity.check_mismatch")},
        3: {("民族", "imports.unknown_code")},
        4: {("姓名", "standard.missing")},
        5: {("参加本单位工作日期", "imports.date_invalid")},
        6: {("性别", "identity.sex_mismatch")},
        7: {("学历", "standard.value_error")},
    }
    row = ImportRow.objects.get(job=job, row_no=3)
    assert "火星族" in row.issues[0]["message"] and row.archive_masked.count("*") == 10


def test_duplicates_in_the_file_reject_every_copy(rows: Rows, run: Run, staff: Any) -> None:
    data = rows(3, "440106")
    twin = dict(data[0], 姓名="另一个人")
    job = run(csv_bytes([*data, twin]), actor=staff, commit=True)
    assert issues(job) == {
        2: {("证件号码", "imports.duplicate_in_file")},
        5: {("证件号码", "imports.duplicate_in_file")},
    }
    messages = {r.row_no: r.issues[0]["message"] for r in rejected_rows(job)}
    assert "第 5 行" in messages[2] and "第 2 行" in messages[5]
    assert (job.created, job.rejected) == (2, 2)


def test_scope_other_agencies_and_transfers(rows: Rows, run: Run, make_user: Any, make_person: Any) -> None:
    tianhe = make_user(Role.COUNTY_REVIEWER, "440106")
    yuexiu_person = make_person("440104")
    tianhe_person = make_person("440106")
    data = rows(5, "440106")
    data[0]["管理机构代码"] = "440203"  # 韶关武江: not under 天河
    data[1]["管理机构代码"] = "999999"
    data[2]["证件号码"] = person_archive_no(yuexiu_person)  # registered by 越秀
    data[3]["证件号码"] = person_archive_no(tianhe_person)
    data[3]["管理机构代码"] = "440106"
    data[4]["管理机构代码"] = "广州市天河区财政局"  # the agency's name works too
    job = run(csv_bytes(data), actor=tianhe, code="440106")
    assert issues(job) == {
        2: {("管理机构代码", "imports.agency_out_of_scope")},
        3: {("管理机构代码", "imports.agency_unknown")},
        4: {("证件号码", "imports.registered_elsewhere")},
    }
    assert job.planned_create == 1 and job.planned_update + job.planned_unchanged == 1
    city = make_user(Role.CITY_REVIEWER, "440100")
    moved = rows(1, "440104")[0] | {"证件号码": person_archive_no(tianhe_person)}
    job = run(csv_bytes([moved]), actor=city)
    assert issues(job) == {2: {("管理机构代码", "imports.agency_change")}}


def test_people_under_review_or_transferred_are_not_touched(
    rows: Rows, run: Run, staff: Any, make_person: Any
) -> None:
    pending = make_person("440106")
    with transaction.atomic():
        person_set_state(actor=None, person=pending, status=Status.PENDING, action="test.pending", data={})
    row = rows(1, "440106")[0] | {"证件号码": person_archive_no(pending), "手机号": "13900000002"}
    job = run(csv_bytes([row]), actor=staff)
    assert issues(job) == {2: {("整行", "imports.status_pending")}}


def test_a_record_changed_after_the_dry_run_is_not_overwritten(
    rows: Rows, run: Run, staff: Any, make_person: Any
) -> None:
    person = make_person("440106")
    row = rows(1, "440106")[0] | {"证件号码": person_archive_no(person), "手机号": "13900000003"}
    new = rows(1, "440106")
    job = run(csv_bytes([row, *new]), actor=staff)
    assert (job.planned_update, job.planned_create) == (1, 1)
    person_update(actor=None, person=person, changes={"identity": {"email": "changed@example.com"}})
    job = import_job_confirm(actor=staff, job=job, start=False)
    job = commit_job(job.pk)
    assert (job.created, job.updated, job.rejected) == (1, 0, 1)
    assert issues(job) == {2: {("整行", "imports.stale")}}
    person.refresh_from_db()
    assert person.mobile != "13900000003" and person.email == "changed@example.com"


def test_a_number_registered_after_the_dry_run_is_refused_at_commit(
    rows: Rows, run: Run, staff: Any, make_person: Any, agency: Any
) -> None:
    data = rows(2, "440106")
    job = run(csv_bytes(data), actor=staff)
    fake = data[0]
    person_create(
        actor=None,
        agency=agency("440106"),
        identity={"document_type": "resident_id", "archive_no": fake["证件号码"], "name": fake["姓名"]},
        category="3",
        education=[{"mode": "1", "school": "某大学", "education": "21"}],
    )
    job = commit_job(import_job_confirm(actor=staff, job=job, start=False).pk)
    assert (job.created, job.rejected) == (1, 1)
    assert issues(job) == {2: {("整行", "imports.registered_meanwhile")}}


def test_formulas_numbers_and_empty_rows_in_a_spreadsheet(rows: Rows, run: Run, staff: Any) -> None:
    data = rows(3, "440106")
    name = data[1]["姓名"]
    data[1]["姓名"] = Formula(f'="{name[0]}"&"{name[1:]}"', name)  # read as its saved value, never run
    job = run(xlsx_bytes([data[0], {}, data[1], data[2]]), "people.xlsx", actor=staff, commit=True)
    assert (job.total_rows, job.created) == (3, 3)
    assert Person.objects.filter(name=name).count() == 1
    # Every 18-digit number stored as a number lost digits; mobiles (11 digits) survive.
    fresh = rows(3, "440106")
    job = run(xlsx_bytes([fresh[0], {}, fresh[1], fresh[2]], numbers_as_numbers=True), "n.xlsx", actor=staff)
    assert issues(job) == {n: {("证件号码", "imports.number_precision")} for n in (2, 4, 5)}
    text = csv_bytes([fresh[0] | {"姓名": "=1+1"}])
    assert issues(run(text, actor=staff)) == {2: {("姓名", "imports.formula")}}


def test_student_passport_and_legacy_numbers(rows: Rows, run: Run, staff: Any) -> None:
    base = rows(1, "440106")[0]
    student = {
        k: v
        for k, v in base.items()
        if k
        in (
            "证件号码",
            "姓名",
            "民族",
            "管理机构代码",
            "毕业学校",
            "学历",
            "培养方式",
            "入学日期",
            "毕业日期",
        )
    }
    student |= {
        "人员类别": "在校学生",
        "学籍学校": "广东财经大学",
        "学籍所在地": "440106",
        "预计毕业日期": "2027-07-01",
    }
    passport = {k: v for k, v in base.items() if k not in ("证件号码", "姓名")}
    passport |= {
        "证件类型": "护照",
        "证件号码": "e1234567",
        "国籍/地区": "USA",
        "姓名": "JOHN SMITH",
        "性别": "男",
        "出生日期": "1985-03-02",
    }
    legacy = passport | {
        "证件类型": "原会计从业资格档案号",
        "证件号码": "HK12345",
        "国籍/地区": "",
        "姓名": "陈大文",
    }
    job = run(csv_bytes([student, passport, legacy]), actor=staff, commit=True)
    assert issues(job) == {}
    assert job.created == 3
    assert Person.objects.get(name="JOHN SMITH").nationality == "USA"
    assert Person.objects.get(name="陈大文").nationality == "HKG"
    assert Person.objects.get(student_school="广东财经大学").category == "2"


def test_huge_file_fails_the_job_with_a_clear_reason(rows: Rows, run: Run, staff: Any, settings: Any) -> None:
    settings.REGISTRY_IMPORT_MAX_ROWS = 4
    job = run(csv_bytes(rows(5, "440106")), actor=staff)
    assert job.status == JobStatus.FAILED and job.error_code == "imports.file_too_many_rows"
    assert "4" in job.error_message
    assert not ImportRow.objects.filter(job=job).exists()


def test_wrong_headers_fail_the_job(run: Run, staff: Any) -> None:
    job = run("证件号码,姓名,级别\r\n11010519491231002X,张三,中级\r\n".encode(), actor=staff)
    assert job.status == JobStatus.FAILED and job.error_code == "imports.file_header"


def test_a_header_only_file_fails_the_job(run: Run, staff: Any) -> None:
    job = run(csv_bytes([]), actor=staff)
    assert job.status == JobStatus.FAILED and job.error_code == "imports.file_no_rows"


@pytest.mark.parametrize(
    ("name", "created", "rejected"),
    [
        ("libreoffice.ods", 3, 2),
        ("libreoffice.xlsx", 3, 2),
        ("libreoffice.csv", 3, 2),
        ("libreoffice.xls", 2, 3),
    ],
)
def test_libreoffice_files_import(name: str, created: int, rejected: int, run: Run, staff: Any) -> None:
    from .test_reader import DATA

    job = run((DATA / name).read_bytes(), name, actor=staff, commit=True)
    assert (job.created, job.rejected) == (created, rejected)
    found = issues(job)
    assert found[6] == {("证件号码", "identity.check_mismatch")}
    assert found[7] == {("证件号码", "imports.number_precision")}
    assert Education.objects.filter(person__name="冯永豪", education="21").exists()  # codes as codes


def test_one_passport_number_under_two_nationalities_is_flagged(rows: Rows, run: Run, staff: Any) -> None:
    base = {k: v for k, v in rows(1, "440106")[0].items() if k not in ("证件号码", "姓名")}
    one = base | {
        "证件类型": "护照",
        "证件号码": "E7654321",
        "国籍/地区": "USA",
        "姓名": "ANN LEE",
        "性别": "女",
        "出生日期": "1990-01-02",
    }
    other = one | {"国籍/地区": "CAN"}
    job = run(csv_bytes([one, other]), actor=staff)
    assert job.planned_create == 2
    assert job.notes == ["第 2 行与第 3 行的护照号码相同而国籍不同，将作为两人登记：如为同一人，请核实国籍"]


def test_an_empty_cell_keeps_the_registered_work_item(rows: Rows, run: Run, staff: Any) -> None:
    data = rows(1, "440106")
    data[0]["是否从事会计工作"] = "否"
    run(csv_bytes(data), actor=staff, commit=True)
    data[0]["是否从事会计工作"] = ""  # not "是" by default: the registered 否 stays
    again = run(csv_bytes(data), actor=staff)
    assert (again.planned_unchanged, again.planned_update) == (1, 0)
