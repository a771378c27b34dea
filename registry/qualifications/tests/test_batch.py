"""Batch entry by an agency: each row checked, all or nothing, duplicates refused."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import OutboxEvent
from registry.core.errors import DomainError, Forbidden
from registry.people.models import Person
from registry.people.snapshot import person_archive_no
from registry.qualifications import batch
from registry.qualifications.batch import qualification_batch_add
from registry.qualifications.models import Qualification, QualificationStatus

from .conftest import entry

pytestmark = pytest.mark.django_db


def _row(person: Person, **overrides: Any) -> dict[str, Any]:
    return {"archive_no": person_archive_no(person), **entry(**overrides)}


def test_a_good_batch_is_entered_with_one_journal_per_person(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person("440106"), make_person("440104")
    staff = make_user(Role.CITY_REVIEWER, "440100")
    rows = [
        _row(alice, certificate_no="B-1"),
        _row(alice, level="3", title="", route="3", certificate_no="B-2", obtained_on="2023-10-01"),
        _row(bob, certificate_no="B-3", obtained_on="2020-05-20"),
    ]
    created = qualification_batch_add(actor=staff, rows=rows)
    assert len(created) == 3 and {q.status for q in created} == {QualificationStatus.APPROVED}
    assert OutboxEvent.objects.filter(person_uid=alice.uid, kind="qualification.batch_add").count() == 1
    assert OutboxEvent.objects.filter(person_uid=bob.uid, kind="qualification.batch_add").count() == 1


def test_one_bad_row_and_nothing_is_written(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person(), make_person()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    versions = {p.pk: Person.objects.get(pk=p.pk).version for p in (alice, bob)}
    rows = [
        _row(alice, certificate_no="OK-1"),
        _row(bob, level="2", title="高级会计师", certificate_no="BAD-1"),
        _row(bob, obtained_on="2999-01-01", certificate_no="BAD-2"),
    ]
    with pytest.raises(DomainError) as exc:
        qualification_batch_add(actor=staff, rows=rows)
    fields = {(e.code, e.field) for e in exc.value.errors}
    assert fields == {
        ("qualification.title_mismatch", "rows.1.title"),
        ("qualification.future_date", "rows.2.obtained_on"),
    }
    assert not Qualification.objects.exists()
    assert {p.pk: Person.objects.get(pk=p.pk).version for p in (alice, bob)} == versions


def test_duplicates_in_the_batch_and_on_file(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person(), make_person()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    qualification_batch_add(actor=staff, rows=[_row(alice, certificate_no="ON-FILE")])
    rows = [
        _row(bob, certificate_no="TWICE"),
        _row(alice, certificate_no="TWICE"),  # an exam certificate of two people
        _row(bob, certificate_no="ON-FILE"),
        _row(alice, level="3", title="", route="2", certificate_no="批文1"),
        _row(bob, level="3", title="", route="2", certificate_no="批文1"),  # a shared approval: fine
    ]
    with pytest.raises(DomainError) as exc:
        qualification_batch_add(actor=staff, rows=rows)
    assert {(e.code, e.field) for e in exc.value.errors} == {
        ("qualification.duplicate_row", "rows.1.certificate_no"),
        ("qualification.duplicate", "rows.2.certificate_no"),
    }
    assert "第 1 行" in exc.value.errors[0].message
    assert Qualification.objects.count() == 1


def test_people_outside_the_agency_are_not_found(make_person: Any, make_user: Any) -> None:
    mine, theirs = make_person("440106"), make_person("440203")
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    rows = [
        _row(mine, certificate_no="S-1"),
        _row(theirs, certificate_no="S-2"),
        {**entry(), "archive_no": "123"},
    ]
    with pytest.raises(DomainError) as exc:
        qualification_batch_add(actor=staff, rows=rows)
    by_row = {e.field.split(".")[1] for e in exc.value.errors}
    assert by_row == {"1", "2"}
    assert exc.value.errors[0].code == "qualification.person_not_found"
    assert not Qualification.objects.exists()


def test_unknown_columns_empty_and_oversized_batches(
    make_person: Any, make_user: Any, monkeypatch: Any
) -> None:
    person = make_person()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    with pytest.raises(DomainError) as exc:
        qualification_batch_add(actor=staff, rows=[{**_row(person), "salary": "1"}])
    assert exc.value.errors[0].field == "rows.0.salary"
    with pytest.raises(DomainError) as exc:
        qualification_batch_add(actor=staff, rows=[])
    assert exc.value.errors[0].code == "qualification.batch_empty"
    monkeypatch.setattr(batch, "MAX_ROWS", 1)
    with pytest.raises(DomainError) as exc:
        qualification_batch_add(
            actor=staff, rows=[_row(person, certificate_no="A"), _row(person, certificate_no="B")]
        )
    assert exc.value.errors[0].code == "qualification.batch_too_large"
    assert not Qualification.objects.exists()


@pytest.mark.parametrize("role", [Role.AUDITOR, None])
def test_batch_needs_an_entering_role(make_person: Any, make_user: Any, role: Any) -> None:
    person = make_person()
    with pytest.raises(Forbidden):
        qualification_batch_add(actor=make_user(role, "440000"), rows=[_row(person)])
    assert not Qualification.objects.exists()
