"""A person's whole record applied to another person (the hub applying a report, a destination taking
over a transferred person) reads back the same: `apply_record` + `replace_history` for the person's
own items, `replace_sections` for every module's (each module registers its writer).

`people` imports no module: the module data is written through the record itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from registry.people.models import Person
from registry.people.snapshot import WRITERS, apply_record, person_record, replace_history, replace_sections
from registry.standard import record as std

pytestmark = pytest.mark.django_db

MODULES = ("qualifications", "continuing_education", "talents", "credit", "extensions")
EMPTY: dict[str, Any] = {name: {} if name == "extensions" else [] for name in MODULES}
SECTIONS: dict[str, Any] = {
    "qualifications": [
        {
            "level": "1",
            "title": "助理会计师",
            "route": "1",
            "obtained_on": "2012-05-20",
            "certificate_no": "Z2012-001",
        },
        {
            "level": "2",
            "title": "会计师",
            "route": "1",
            "obtained_on": "2016-09-03",
            "certificate_no": "Z2016-002",
            "issuer": "广东省人力资源和社会保障厅",
            "appointed_title": "财务部经理",
            "appointed_on": "2017-01-01",
        },
    ],
    "continuing_education": [
        {
            "year": 2024,
            "required": True,
            "total": 100,
            "professional": 70,
            "compliant": True,
            "entries": [
                {
                    "year": 2024,
                    "held_on": "2024-03-05",
                    "form": "1",
                    "subject": "1",
                    "credits": 70,
                    "provider": "省会计学会",
                    "route": "agency",
                },
                {
                    "year": 2024,
                    "held_on": "2024-06-01",
                    "form": "2",
                    "subject": "2",
                    "credits": 30,
                    "route": "self",
                },
            ],
        }
    ],
    "talents": [
        {
            "programme": "N01",
            "level": "national",
            "cohort_year": 2019,
            "status": "2",
            "certificate_no": "LJ-9",
        },
        {"programme": "P01", "level": "provincial", "cohort_year": 2022, "cohort": "第三期", "status": "1"},
    ],
    "credit": [
        {
            "kind": "honour",
            "item": "先进会计工作者",
            "level": "省级",
            "decided_by": "广东省人民政府",
            "decided_on": "2021-05-01",
        },
        {
            "kind": "dishonour",
            "item": "伪造会计凭证",
            "decided_by": "广东省财政厅",
            "decided_on": "2023-02-06",
            "effective_on": "2023-02-10",
            "penalty": "5",
            "blacklisted": True,
            "blacklisted_until": "2028-02-10",
            "barred_until": "2028-02-06",
            "public_until": "2028-02-10",
        },
    ],
    "extensions": {"member_no": "GD-0001", "years_in_post": 9, "cpa": True, "ratio": 0.75},
}


def with_sections(rec: std.PersonRecord, sections: dict[str, Any]) -> std.PersonRecord:
    """The record with these module sections, validated by the standard."""
    return std.PersonRecord.model_validate({**rec.model_dump(), **sections})


def write(person: Person, rec: std.PersonRecord) -> None:
    with transaction.atomic():
        replace_sections(person, rec)


def comparable(rec: std.PersonRecord) -> dict[str, Any]:
    out = rec.model_dump()
    del out["person_id"], out["version"], out["collection"]["agency_code"]
    return out


def applied(make_person: Any) -> tuple[std.PersonRecord, std.PersonRecord, Person]:
    """A rich record (sent) and what another person reads back after it is applied (got)."""
    source = make_person()
    write(source, with_sections(person_record(source), SECTIONS))
    sent = person_record(source)
    assert sent.qualifications and sent.continuing_education and sent.talents and sent.credit
    assert sent.extensions == SECTIONS["extensions"]
    write(source, with_sections(sent, EMPTY))  # it lives at another node: no certificate held here

    target = make_person("440203")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=target.pk)
        apply_record(locked, sent)
        # The caller sets what `apply_record` leaves to it, as the hub's `master_apply` does.
        locked.pledge_version = sent.collection.pledge_version or ""
        locked.pledge_accepted_at = sent.collection.pledge_accepted_at
        locked.collected_at = sent.collection.collected_at
        locked.save()
        replace_history(locked, sent)
        replace_sections(locked, sent)
    return sent, person_record(Person.objects.get(pk=target.pk)), target


def test_a_record_applied_to_another_person_reads_back_the_same(make_person: Any) -> None:
    assert set(MODULES) <= set(WRITERS), "every module registers its writer"
    sent, got, target = applied(make_person)
    assert got.collection.agency_code == "440203" and got.person_id == target.uid
    assert comparable(got) == comparable(sent)


def test_applying_twice_changes_nothing_and_an_empty_record_clears(make_person: Any) -> None:
    person = make_person()
    write(person, with_sections(person_record(person), SECTIONS))
    first = person_record(person)
    write(person, first)
    assert comparable(person_record(person)) == comparable(first)
    write(person, with_sections(first, EMPTY))
    cleared = person_record(person)
    assert (cleared.qualifications, cleared.talents, cleared.credit, cleared.extensions) == ([], [], [], {})
    assert all(not y.entries for y in cleared.continuing_education)  # required years stay, empty
