from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from registry.collection.models import Collection
from registry.ops.seed import QUALIFICATION_MIX
from registry.orgs.models import Agency
from registry.people.models import Person
from registry.people.snapshot import person_archive_no, person_record
from registry.qualifications.models import Qualification
from registry.standard.identity import check_identity
from registry.standard.record import PersonRecord
from registry.standard.uscc import check_uscc

pytestmark = pytest.mark.django_db


def test_seeded_people_are_valid_records_of_the_province(agency: Any, capsys: Any) -> None:
    call_command("seed", people=300)
    assert "300/300" in capsys.readouterr().out
    people = list(Person.objects.select_related("agency"))
    assert len(people) == 300
    today = date.today()
    for person in people:
        record = person_record(person)
        PersonRecord.model_validate(
            record.model_dump(mode="json")
        )  # the standard accepts every seeded record
        number = person_archive_no(person)
        result = check_identity("resident_id", number)
        assert result.valid and result.region_code is not None and result.region_code.startswith("44")
        assert not result.region_code.startswith("4403")  # 深圳 is not Guangdong's
        assert person.agency.path.startswith("/000000/440000/")
        assert 20 <= today.year - person.birth_date.year <= 66
        for work in record.work:
            assert work.credit_code and check_uscc(work.credit_code)[1] == ()
    cities = {p.agency.parent.code for p in people if p.agency.level == "county"}
    assert cities - {"440000"}  # spread over cities
    pending = [p for p in people if p.status == "pending"]
    assert pending
    for person in pending:  # every pending person waits in the review queue of their agency
        collection = Collection.objects.get(person=person)
        assert collection.status == "submitted" and collection.agency_id == person.agency_id
        assert collection.deadline is not None and collection.deadline >= collection.submitted_at.date()
    held = Qualification.objects.filter(person__in=people).select_related("person")
    assert held.exists() and not held.exclude(person__status="collected").exists()
    youngest = {level: age for level, _, _, age in QUALIFICATION_MIX}
    for q in held:
        assert q.obtained_on.year - q.person.birth_date.year >= youngest[q.level]


def test_seeding_again_adds_without_duplicating(agency: Any) -> None:
    call_command("seed", people=50)
    call_command("seed", people=50)
    assert Person.objects.count() == 100
    assert Person.objects.values("archive_index").distinct().count() == 100


def test_demo_logins_are_idempotent(agency: Any) -> None:
    from registry.ops.demo import demo_logins

    first = demo_logins(Agency.objects.get(code="440000"))
    second = demo_logins(Agency.objects.get(code="440000"))
    assert first == second
    roles = {login.role for login in first}
    assert {"省级管理员", "市级审核员", "县级审核员", "会计人员"} <= roles
    assert Person.objects.filter(user__username="kuaiji").count() == 1


def test_demo_queue_has_sample_proofs(agency: Any, settings: Any) -> None:
    from registry.documents.models import Document
    from registry.ops.sample_proofs import attach_sample_proofs

    call_command("seed", people=400)
    county = Collection.objects.filter(status="submitted").first().agency
    done = attach_sample_proofs(county, limit=2)
    assert done >= 1
    assert Document.objects.filter(kind="id_front").count() == done
