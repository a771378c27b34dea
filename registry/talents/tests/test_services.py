"""Talent entry by agencies, status changes, the snapshot section and the list filter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.people.models import Person
from registry.people.selectors import PeopleFilter, people_filtered
from registry.talents.models import Programme, Talent, TalentStatus
from registry.talents.programmes import programme_add
from registry.talents.services import talent_add, talent_update_status

from .conftest import entry

pytestmark = pytest.mark.django_db


def _snapshot(person: Person) -> dict[str, Any]:
    event = OutboxEvent.objects.filter(person_uid=person.uid).order_by("-seq").first()
    assert event is not None
    return outbox_snapshot(event)


def _codes(exc: pytest.ExceptionInfo[DomainError]) -> set[tuple[str, str]]:
    return {(e.code, e.field) for e in exc.value.errors}


def test_seeded_programmes_follow_the_code_table() -> None:
    assert Programme.objects.get(code="N05").level == "national"
    assert Programme.objects.get(code="P01").level == "provincial"
    assert Programme.objects.filter(code__startswith="N").count() == 7


def test_agency_entry_is_journalled_and_in_the_snapshot(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    version = person.version
    row = talent_add(actor=staff, person=person, data=entry(certificate_no="LJ-2020-01"))
    assert row.status == TalentStatus.TRAINING
    assert Person.objects.get(pk=person.pk).version == version + 1
    assert AuditEvent.objects.filter(action="talent.add", object_id=str(person.uid)).exists()
    assert _snapshot(person)["talents"] == [
        {
            "programme": "N01",
            "level": "national",
            "cohort_year": 2020,
            "cohort": "第十期",
            "status": "1",
            "certificate_no": "LJ-2020-01",
        }
    ]


def test_a_provinces_own_programme_reports_its_national_code(make_person: Any, make_user: Any) -> None:
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    own = programme_add(actor=admin, name="广东省会计领军人才（企业类）", standard_code="P01")
    person = make_person()
    talent_add(actor=admin, person=person, data=entry(programme=own.code))
    item = _snapshot(person)["talents"][0]
    assert (item["programme"], item["level"]) == ("P01", "provincial")


@pytest.mark.parametrize(
    ("role", "code", "error"),
    [
        (Role.COUNTY_REVIEWER, "440104", NotVisible),
        (Role.CITY_REVIEWER, "440200", NotVisible),
        (Role.AUDITOR, "440000", Forbidden),
        (None, "440000", NotVisible),
    ],
)
def test_only_agencies_over_the_person_enter(
    make_person: Any, make_user: Any, role: Any, code: str, error: type[Exception]
) -> None:
    person = make_person("440106")
    with pytest.raises(error):
        talent_add(actor=make_user(role, code), person=person, data=entry())
    assert not Talent.objects.exists()


def test_the_person_enters_nothing_even_as_staff(accountant: Any, agency: Any) -> None:
    user, person = accountant()
    with pytest.raises(NotVisible):
        talent_add(actor=user, person=person, data=entry())
    membership_grant(user=user, agency=agency("440106"), role=Role.COUNTY_REVIEWER)
    user._membership_cache = None
    with pytest.raises(Forbidden):
        talent_add(actor=user, person=person, data=entry())
    assert not Talent.objects.exists()


def test_bad_input_names_each_rule(make_person: Any, make_user: Any) -> None:
    person = make_person()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    version = Person.objects.get(pk=person.pk).version
    with pytest.raises(DomainError) as exc:
        talent_add(actor=staff, person=person, data=entry(programme="X99", cohort_year=date.today().year + 1))
    assert _codes(exc) == {("talent.programme_unknown", "programme"), ("talent.future_year", "cohort_year")}
    with pytest.raises(DomainError) as exc:
        talent_add(actor=staff, person=person, data=entry(status="9", cohort_year=1980))
    assert {"status", "cohort_year"} <= {e.field for e in exc.value.errors}
    with pytest.raises(DomainError) as exc:
        talent_add(actor=staff, person=person, data=entry(cohort_year=person.birth_date.year))
    assert ("talent.before_birth", "cohort_year") in _codes(exc)
    Programme.objects.filter(code="N07").update(active=False)
    with pytest.raises(DomainError) as exc:
        talent_add(actor=staff, person=person, data=entry(programme="N07"))
    assert ("talent.programme_unknown", "programme") in _codes(exc)
    assert not Talent.objects.exists()
    assert Person.objects.get(pk=person.pk).version == version


def test_duplicates_are_refused(make_person: Any, make_user: Any) -> None:
    alice, bob = make_person(), make_person()
    staff = make_user(Role.CITY_REVIEWER, "440100")
    talent_add(actor=staff, person=alice, data=entry(certificate_no="C-1"))
    with pytest.raises(DomainError) as exc:
        talent_add(actor=staff, person=alice, data=entry())
    assert ("talent.duplicate", "programme") in _codes(exc)
    with pytest.raises(DomainError) as exc:
        talent_add(actor=staff, person=bob, data=entry(certificate_no="C-1"))
    assert ("talent.duplicate_certificate", "certificate_no") in _codes(exc)
    talent_add(actor=staff, person=bob, data=entry(programme="N02", certificate_no="C-1"))
    assert Talent.objects.count() == 2


def test_status_changes(make_person: Any, make_user: Any) -> None:
    person = make_person("440106")
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    row = talent_add(actor=staff, person=person, data=entry())
    with pytest.raises(DomainError) as exc:
        talent_update_status(actor=staff, uid=row.uid, status="3")
    assert exc.value.errors[0].code == "talent.reason_required"
    with pytest.raises(DomainError) as exc:
        talent_update_status(actor=staff, uid=row.uid, status="1")
    assert exc.value.errors[0].code == "talent.bad_status"
    talent_update_status(actor=staff, uid=row.uid, status="2")
    row.refresh_from_db()
    assert row.status == TalentStatus.GRADUATED
    assert _snapshot(person)["talents"][0]["status"] == "2"
    assert Decision.objects.filter(object_id=str(row.uid), to_state="2").count() == 1
    # Acting again on an ended selection is refused and writes nothing.
    version = Person.objects.get(pk=person.pk).version
    for status, reason in (("2", ""), ("3", "调离")):
        with pytest.raises(DomainError) as exc:
            talent_update_status(actor=staff, uid=row.uid, status=status, reason=reason)
        assert exc.value.errors[0].code == "workflow.not_allowed"
    assert Person.objects.get(pk=person.pk).version == version


@pytest.mark.parametrize(
    ("role", "code", "error"),
    [(Role.COUNTY_REVIEWER, "440104", NotVisible), (Role.AUDITOR, "440000", Forbidden)],
)
def test_status_changes_need_the_persons_agency(
    make_person: Any, make_user: Any, role: Any, code: str, error: type[Exception]
) -> None:
    person = make_person("440106")
    row = talent_add(actor=make_user(Role.COUNTY_REVIEWER, "440106"), person=person, data=entry())
    with pytest.raises(error):
        talent_update_status(actor=make_user(role, code), uid=row.uid, status="3", reason="退出")
    row.refresh_from_db()
    assert row.status == TalentStatus.TRAINING


def test_list_filter(make_person: Any, make_user: Any) -> None:
    staff = make_user(Role.PROVINCE_REVIEWER, "440000")
    national, provincial, withdrawn, none = (make_person() for _ in range(4))
    talent_add(actor=staff, person=national, data=entry(programme="N05"))
    talent_add(actor=staff, person=provincial, data=entry(programme="P01", status="2"))
    row = talent_add(actor=staff, person=withdrawn, data=entry(programme="N01"))
    talent_update_status(actor=staff, uid=row.uid, status="3", reason="本人申请退出")

    def found(value: str) -> set[int]:
        return set(people_filtered(staff, PeopleFilter(extra={"talent": value})).values_list("pk", flat=True))

    mine = {p.pk for p in (national, provincial, withdrawn, none)}
    assert found("any") & mine == {national.pk, provincial.pk}
    assert found("national") & mine == {national.pk}
    assert found("provincial") & mine == {provincial.pk}
    assert found("") & mine == mine
    tianhe_staff = make_user(Role.COUNTY_REVIEWER, "440104")
    assert (
        not set(
            people_filtered(tianhe_staff, PeopleFilter(extra={"talent": "any"})).values_list("pk", flat=True)
        )
        & mine
    )
