"""Agency entry and the rules every qualification meets; nothing is written when a rule fails."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.people.models import Person
from registry.qualifications.models import Qualification, QualificationStatus, Source
from registry.qualifications.services import qualification_add

from .conftest import entry

pytestmark = pytest.mark.django_db


def _codes(exc: pytest.ExceptionInfo[DomainError]) -> set[tuple[str, str]]:
    return {(e.code, e.field) for e in exc.value.errors}


def test_agency_entry_is_approved_journalled_and_in_the_snapshot(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    before = person.version
    row = qualification_add(actor=staff, person=person, data=entry())
    assert row.status == QualificationStatus.APPROVED and row.source == Source.AGENCY
    person.refresh_from_db()
    assert person.version == before + 1
    assert AuditEvent.objects.filter(action="qualification.add", object_id=str(person.uid)).exists()
    event = OutboxEvent.objects.filter(person_uid=person.uid).order_by("-seq").first()
    assert event is not None and event.person_version == person.version
    section = outbox_snapshot(event)["qualifications"]
    assert section == [
        {
            "level": "2",
            "title": "会计师",
            "route": "1",
            "obtained_on": "2018-09-01",
            "certificate_no": "Z2018440100001",
            "issuer": "广东省人力资源和社会保障厅",
            "appointed_title": None,
            "appointed_on": None,
        }
    ]


def test_title_follows_the_level_when_left_blank(make_person: Any, make_user: Any) -> None:
    staff = make_user(Role.CITY_REVIEWER, "440100")
    row = qualification_add(actor=staff, person=make_person(), data=entry(level="3", title="", route="3"))
    assert row.title == "高级会计师"


@pytest.mark.parametrize(
    ("level", "title", "ok"),
    [
        ("1", "助理会计师", True),
        ("1", "会计员", True),  # the pre-2019 初级 title, kept for old certificates
        ("2", "会计师", True),
        ("3", "高级会计师", True),
        ("4", "正高级会计师", True),
        ("2", "高级会计师", False),
        ("4", "高级会计师", False),
        ("3", "会计员", False),
    ],
)
def test_title_must_fit_the_level(make_person: Any, make_user: Any, level: str, title: str, ok: bool) -> None:
    person = make_person()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    data = entry(level=level, title=title)
    if ok:
        assert qualification_add(actor=staff, person=person, data=data).title == title
        return
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=staff, person=person, data=data)
    assert ("qualification.title_mismatch", "title") in _codes(exc)
    assert not Qualification.objects.filter(person=person).exists()


def test_dates_in_the_future_and_out_of_order_are_refused(make_person: Any, make_user: Any) -> None:
    person = make_person()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    version = Person.objects.get(pk=person.pk).version
    tomorrow = date.today() + timedelta(days=1)
    cases = [
        (entry(obtained_on=tomorrow), ("qualification.future_date", "obtained_on")),
        (
            entry(appointed_title="会计师", appointed_on=tomorrow),
            ("qualification.future_date", "appointed_on"),
        ),
        (
            entry(appointed_title="会计师", appointed_on=date(2017, 1, 1)),
            ("qualification.appointed_before_obtained", "appointed_on"),
        ),
        (entry(appointed_on=date(2019, 1, 1)), ("qualification.appointed_title_required", "appointed_title")),
        (entry(obtained_on=person.birth_date), ("qualification.before_birth", "obtained_on")),
    ]
    for data, expected in cases:
        with pytest.raises(DomainError) as exc:
            qualification_add(actor=staff, person=person, data=data)
        assert expected in _codes(exc)
    assert not Qualification.objects.filter(person=person).exists()
    assert Person.objects.get(pk=person.pk).version == version


def test_bad_codes_and_missing_items_name_their_field(make_person: Any, make_user: Any) -> None:
    person = make_person()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=staff, person=person, data=entry(level="9", route="7"))
    assert {"level", "route"} <= {e.field for e in exc.value.errors}
    assert all(e.message for e in exc.value.errors)
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=staff, person=person, data=entry(certificate_no="  "))
    assert ("qualification.certificate_required", "certificate_no") in _codes(exc)
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=staff, person=person, data=entry(obtained_on=None))
    assert "obtained_on" in {e.field for e in exc.value.errors}


@pytest.mark.parametrize(
    ("role", "code", "outcome"),
    [
        (Role.COUNTY_REVIEWER, "440106", "ok"),
        (Role.CITY_REVIEWER, "440100", "ok"),
        (Role.PROVINCE_ADMIN, "440000", "ok"),
        (Role.COUNTY_REVIEWER, "440104", "hidden"),  # another county of the same city
        (Role.CITY_REVIEWER, "440200", "hidden"),  # another city
        (Role.AUDITOR, "440000", "forbidden"),  # sees the person, may not enter
        (None, "440000", "hidden"),  # an account without any role
    ],
)
def test_who_may_enter(make_person: Any, make_user: Any, role: Any, code: str, outcome: str) -> None:
    person = make_person("440106")
    actor = make_user(role, code)
    if outcome == "ok":
        qualification_add(actor=actor, person=person, data=entry())
        return
    error = NotVisible if outcome == "hidden" else Forbidden
    with pytest.raises(error):
        qualification_add(actor=actor, person=person, data=entry())
    assert not Qualification.objects.filter(person=person).exists()


def test_duplicate_certificates(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person(), make_person()
    staff = make_user(Role.CITY_REVIEWER, "440100")
    qualification_add(actor=staff, person=alice, data=entry(certificate_no="EXAM-1"))
    # The same certificate twice for one person.
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=staff, person=alice, data=entry(certificate_no="EXAM-1", level="1", title=""))
    assert ("qualification.duplicate", "certificate_no") in _codes(exc)
    # An exam certificate number belongs to one person nationally.
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=staff, person=bob, data=entry(certificate_no="EXAM-1"))
    assert ("qualification.duplicate", "certificate_no") in _codes(exc)
    # A 评审 approval document (批文号) names many people: shared, but once per person.
    approval = entry(level="3", title="", route="2", certificate_no="粤职改〔2022〕7号")
    qualification_add(actor=staff, person=alice, data=approval)
    qualification_add(actor=staff, person=bob, data=approval)
    with pytest.raises(DomainError):
        qualification_add(actor=staff, person=bob, data=approval)
    assert Qualification.objects.filter(person=bob).count() == 1


def test_closed_records_take_no_entries(make_person: Any, make_user: Any) -> None:
    person = make_person()
    Person.objects.filter(pk=person.pk).update(status="transferred_out")
    person.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=make_user(Role.COUNTY_REVIEWER, "440106"), person=person, data=entry())
    assert ("qualification.record_closed", "person") in _codes(exc)
