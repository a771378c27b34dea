from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.services import person_create, person_reveal_archive_no, person_update
from registry.people.snapshot import person_archive_no, person_record

pytestmark = pytest.mark.django_db


def _raw_rows() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_person")
        return repr(cur.fetchall())


def test_create_journals_version_audit_and_outbox(make_person: Any) -> None:
    person = make_person()
    assert person.version == 1
    audit = AuditEvent.objects.get(object_id=str(person.uid))
    assert audit.action == "person.create" and audit.data["version"] == 1
    row = OutboxEvent.objects.get(person_uid=person.uid)
    assert outbox_snapshot(row)["identity"]["archive_no"] == person_archive_no(person)


def test_archive_number_is_stored_only_encrypted(make_person: Any) -> None:
    person = make_person()
    number = person_archive_no(person)
    raw = _raw_rows()
    assert number not in raw and number[6:14] not in person.archive_masked
    assert person.archive_masked == number[:4] + "*" * 10 + number[-4:]


def test_derived_fields_come_from_the_number(make_person: Any) -> None:
    person = make_person()
    number = person_archive_no(person)
    assert person.birth_date.strftime("%Y%m%d") == number[6:14]
    assert person.sex == ("1" if int(number[16]) % 2 else "2")


def test_a_typed_sex_or_birth_date_may_not_contradict_the_number(make_person: Any, fake_people: Any) -> None:
    fake = next(fake_people)
    wrong = "2" if fake.sex == "1" else "1"
    with pytest.raises(DomainError) as exc:
        make_person(identity={"archive_no": fake.archive_no, "sex": wrong, "birth_date": "1990-01-01"})
    assert {e.code for e in exc.value.errors} == {"identity.sex_mismatch", "identity.birth_date_mismatch"}
    assert Person.objects.count() == 0


def test_duplicate_is_refused_without_revealing_the_holder(make_person: Any) -> None:
    first = make_person()
    before = (Person.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count())
    with pytest.raises(DomainError) as exc:
        make_person(code="440203", identity={"archive_no": person_archive_no(first).lower()})
    err = exc.value.errors[0]
    assert err.code == "person.duplicate" and err.field == "identity.archive_no"
    assert first.name not in err.message and first.agency.name not in err.message
    assert (Person.objects.count(), AuditEvent.objects.count(), OutboxEvent.objects.count()) == before


def test_bad_input_names_each_field_and_writes_nothing(make_person: Any) -> None:
    with pytest.raises(DomainError) as exc:
        make_person(identity={"mobile": "12345", "ethnicity": "77"}, education=[{"mode": "1", "school": ""}])
    fields = {e.field for e in exc.value.errors}
    assert {"identity.mobile", "identity.ethnicity"} <= fields
    assert any(f.startswith("education.0") for f in fields)
    assert all(e.message and e.code for e in exc.value.errors)
    assert Person.objects.count() == 0 and OutboxEvent.objects.count() == 0


def test_wrong_check_character_is_refused_in_chinese(make_person: Any) -> None:
    with pytest.raises(DomainError) as exc:
        make_person(identity={"archive_no": "110105194912310021"})
    assert exc.value.errors[0].code == "identity.check_mismatch"
    assert "校验" in exc.value.errors[0].message


def test_employed_person_needs_work_history(make_person: Any) -> None:
    with pytest.raises(DomainError) as exc:
        make_person(work=[])
    assert "工作经历" in exc.value.errors[0].message


def test_update_bumps_version_and_rejects_stale_writes(make_person: Any, make_user: Any) -> None:
    person = make_person()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    updated = person_update(
        actor=reviewer, person=person, changes={"identity": {"mobile": "13800000000"}}, expected_version=1
    )
    assert updated.version == 2 and updated.mobile == "13800000000"
    assert OutboxEvent.objects.filter(person_uid=person.uid).count() == 2
    assert person_record(updated).identity.mobile == "13800000000"
    with pytest.raises(DomainError) as exc:
        person_update(
            actor=reviewer, person=person, changes={"identity": {"mobile": "13900000000"}}, expected_version=1
        )
    assert exc.value.errors[0].code == "person.stale"


def test_staff_of_another_city_may_not_write(make_person: Any, make_user: Any, agency: Any) -> None:
    person = make_person("440106")
    other = make_user(Role.CITY_REVIEWER, "440200")
    with pytest.raises(Forbidden):
        person_update(actor=other, person=person, changes={"identity": {"mobile": "13800000000"}})
    with pytest.raises(Forbidden):
        person_create(actor=other, agency=agency("440106"), identity={}, category="1")
    assert Person.objects.get(pk=person.pk).version == 1


def test_reveal_needs_the_permission_and_is_audited(make_person: Any, make_user: Any) -> None:
    person = make_person()
    admin = make_user(Role.PROVINCE_ADMIN)
    reviewer = make_user(Role.PROVINCE_REVIEWER)
    assert person_reveal_archive_no(actor=admin, person=person) == person_archive_no(person)
    assert AuditEvent.objects.filter(action="person.reveal_archive_no", actor_id=admin.pk).count() == 1
    with pytest.raises(Forbidden):
        person_reveal_archive_no(actor=reviewer, person=person)
    assert AuditEvent.objects.filter(action="person.reveal_archive_no").count() == 1


def test_fifteen_digit_number_is_stored_upgraded(make_person: Any) -> None:
    person = make_person(identity={"archive_no": "110105491231002"})
    assert person_archive_no(person) == "11010519491231002X"
    assert person.sex == "2" and str(person.birth_date) == "1949-12-31"
