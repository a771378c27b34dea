"""Entering, superseding and expiring entries; the blacklist and bar they cause; the snapshot."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.credit import services
from registry.credit.models import CreditRecord, CreditRevision, RecordStatus
from registry.credit.selectors import bar_status, filter_people, is_blacklisted
from registry.credit.tests.conftest import TODAY, dishonour, honour, png
from registry.people.models import Person

pytestmark = pytest.mark.django_db


def _latest_snapshot(person: Person) -> tuple[str, dict[str, Any]]:
    event = OutboxEvent.objects.filter(person_uid=person.uid).order_by("-seq").first()
    assert event is not None
    return event.kind, outbox_snapshot(event)


def test_entry_bumps_the_version_and_reaches_audit_and_outbox(make_person: Any, add: Any) -> None:
    person = make_person()
    before = person.version
    record = add(person, dishonour(serious=True, penalty="5", effective_on=date(2026, 11, 18)))
    person.refresh_from_db()
    assert person.version == before + 1
    assert record.agency.code == "440106" and record.status == RecordStatus.ACTIVE
    assert AuditEvent.objects.filter(action="credit.add", object_id=str(person.uid)).exists()
    kind, snapshot = _latest_snapshot(person)
    assert kind == "credit.add"
    [entry] = snapshot["credit"]
    assert entry["kind"] == "dishonour" and entry["penalty"] == "5" and entry["blacklisted"] is True
    assert entry["barred_until"] == "2031-11-16"  # five years from the decision
    assert entry["effective_on"] == "2026-11-18" and entry["status"] == "active"
    assert CreditRevision.objects.get(record=record).number == 1


@pytest.mark.parametrize(
    ("decided_on", "late"),
    [
        (date(2026, 11, 6), False),  # Friday: the 10th working day after it is 20 November
        (date(2026, 11, 5), True),  # Thursday: the 10th working day was 19 November
    ],
)
def test_entry_later_than_ten_working_days_is_accepted_and_marked(
    make_person: Any, add: Any, decided_on: date, late: bool
) -> None:
    record = add(make_person(), dishonour(decided_on=decided_on))
    assert record.late is late
    assert record.entry_deadline == (date(2026, 11, 20) if not late else date(2026, 11, 19))


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        (dishonour(decided_on=TODAY + timedelta(days=1)), "decided_on", "credit.future_date"),
        (dishonour(effective_on=date(2026, 11, 1)), "effective_on", "credit.effective_before_decision"),
        (dishonour(penalty=""), "penalty", "credit.penalty_required"),
        (dishonour(penalty="77"), "penalty", "standard.value_error"),
        (dishonour(public_until=None), "public_until", "credit.public_until_required"),
        (dishonour(public_until=date(2026, 1, 1)), "public_until", "credit.public_before_effective"),
        (dishonour(item=""), "item", "standard.missing"),
        (dishonour(level="省级"), "level", "credit.level_not_for_dishonour"),
        (honour(level=""), "level", "credit.level_required"),
        (honour(level="县级"), "level", "credit.level_too_low"),
        (honour(penalty="3"), "penalty", "credit.not_for_honour"),
        (honour(kind="neutral"), "kind", "standard.literal_error"),
        ({**honour(), "agency": "x"}, "agency", "credit.unknown_field"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    make_person: Any, clerk: Any, data: dict[str, Any], field: str, code: str
) -> None:
    person = make_person()
    version = person.version
    with pytest.raises(DomainError) as exc:
        services.credit_add(actor=clerk, person=person, data=data, evidence_files=[png()])
    assert (field, code) in {(e.field, e.code) for e in exc.value.errors}
    assert not CreditRecord.objects.exists()
    person.refresh_from_db()
    assert person.version == version


def test_the_deciding_document_is_required(make_person: Any, clerk: Any) -> None:
    person = make_person()
    with pytest.raises(DomainError) as exc:
        services.credit_add(actor=clerk, person=person, data=honour(), evidence_files=[])
    assert exc.value.errors[0].code == "credit.evidence_required"
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize(
    ("role", "code", "error"),
    [
        (Role.COUNTY_REVIEWER, "440104", NotVisible),  # another county of the same city
        (Role.CITY_REVIEWER, "440200", NotVisible),  # another city
        (Role.AUDITOR, "440000", Forbidden),  # sees, may not enter
        (None, "440000", NotVisible),  # no role at all
    ],
)
def test_only_staff_who_manage_the_person_enter(
    make_person: Any, make_user: Any, role: Any, code: str, error: type[Exception]
) -> None:
    person = make_person()
    with pytest.raises(error):
        services.credit_add(actor=make_user(role, code), person=person, data=honour(), evidence_files=[png()])
    assert not CreditRecord.objects.exists()


def test_the_person_cannot_enter_their_own(owned: Any) -> None:
    person = owned()
    with pytest.raises(Forbidden):
        services.credit_add(actor=person.user, person=person, data=honour(), evidence_files=[png()])


def test_city_staff_enter_as_the_city(make_person: Any, make_user: Any, add: Any) -> None:
    record = add(make_person(), honour(), actor=make_user(Role.CITY_REVIEWER, "440100"))
    assert record.agency.code == "440100"


def test_blacklist_runs_five_years_from_the_effective_date_to_the_day(make_person: Any, add: Any) -> None:
    person = make_person()
    add(person, dishonour(serious=True, decided_on=date(2024, 3, 1), effective_on=date(2024, 3, 10)))
    assert not is_blacklisted(person, date(2024, 3, 9))
    assert is_blacklisted(person, date(2024, 3, 10))
    assert is_blacklisted(person, date(2029, 3, 10))
    assert not is_blacklisted(person, date(2029, 3, 11))
    assert not bar_status(person, date(2025, 1, 1)).barred  # blacklisted is not barred


def test_serious_entry_without_a_public_period_stays_public_for_the_blacklist(
    make_person: Any, add: Any
) -> None:
    record = add(make_person(), dishonour(serious=True, public_until=None, effective_on=date(2026, 11, 17)))
    assert record.blacklisted_until == date(2031, 11, 17) == record.public_until


def test_criminal_liability_blacklists_and_bars_for_good(make_person: Any, add: Any) -> None:
    person = make_person()
    record = add(person, dishonour(penalty="6", public_until=None, decided_on=date(2025, 6, 3)))
    assert record.criminal and record.serious and record.public_until is None
    for day in (date(2025, 6, 3), date(2090, 1, 1)):
        assert is_blacklisted(person, day)
        bar = bar_status(person, day)
        assert bar.state == "permanent" and bar.until is None and bar.label == "终身禁止从事会计工作"
    assert bar_status(person, date(2025, 6, 2)).state == "none"


def test_bar_status_boundaries_and_the_latest_bar_wins(make_person: Any, add: Any) -> None:
    person = make_person()
    add(person, dishonour(penalty="5", decided_on=date(2022, 5, 9), effective_on=date(2022, 6, 1)))
    add(person, dishonour(penalty="5", decided_on=date(2023, 1, 4)))
    assert bar_status(person, date(2022, 5, 8)).state == "none"
    early = bar_status(person, date(2022, 5, 9))
    assert early.state == "until" and early.until == date(2027, 5, 9)  # the later one is not yet decided
    both = bar_status(person, date(2027, 5, 9))
    assert both.until == date(2028, 1, 4) and both.label == "禁止从事会计工作至 2028-01-04"
    assert bar_status(person, date(2028, 1, 4)).barred
    assert not bar_status(person, date(2028, 1, 5)).barred


def test_superseded_entries_leave_public_view_and_count_no_more(
    make_person: Any, add: Any, clerk: Any
) -> None:
    person = make_person()
    old = add(person, dishonour(penalty="5", serious=True))
    new = services.credit_add(
        actor=clerk, person=person, data=dishonour(penalty="3"), evidence_files=[png()], supersedes=old
    )
    old.refresh_from_db()
    assert old.status == RecordStatus.SUPERSEDED and old.superseded_by == new
    assert not old.public_today and new.public_today
    assert not bar_status(person, TODAY).barred and not is_blacklisted(person, TODAY)
    _, snapshot = _latest_snapshot(person)
    assert sorted(e["status"] for e in snapshot["credit"]) == ["active", "superseded"]
    with pytest.raises(DomainError) as exc:
        services.credit_supersede(actor=clerk, record=old, reason="再次替代")
    assert exc.value.errors[0].code == "workflow.not_allowed"


def test_supersede_needs_a_reason_and_the_entering_agency(make_person: Any, add: Any, make_user: Any) -> None:
    record = add(make_person())
    county = make_user(Role.COUNTY_REVIEWER, "440106")
    with pytest.raises(DomainError):
        services.credit_supersede(actor=county, record=record, reason=" ")
    city_record = add(make_person(), actor=make_user(Role.CITY_REVIEWER, "440100"))
    with pytest.raises(Forbidden):  # 天河 sees the person, but 广州 entered it
        services.credit_supersede(actor=county, record=city_record, reason="已撤销")
    with pytest.raises(NotVisible):
        services.credit_supersede(actor=make_user(Role.COUNTY_REVIEWER, "440104"), record=record, reason="x")
    assert CreditRecord.objects.filter(status=RecordStatus.ACTIVE).count() == 2


def test_expired_entries_leave_public_view_but_stay_in_the_record_and_snapshot(
    make_person: Any, add: Any
) -> None:
    person = make_person()
    record = add(person, dishonour(serious=True, public_until=date(2026, 12, 31)))
    assert record.public_on(date(2026, 12, 31)) and not record.public_on(date(2027, 1, 1))
    assert services.credit_expire_due(today=date(2026, 12, 31)) == 0
    assert services.credit_expire_due(today=date(2027, 1, 1)) == 1
    record.refresh_from_db()
    assert record.status == RecordStatus.EXPIRED
    assert is_blacklisted(person, date(2027, 1, 1))  # the public period ends, the blacklist does not
    kind, snapshot = _latest_snapshot(person)
    assert kind == "credit.expire" and snapshot["credit"][0]["status"] == "expired"


def test_list_filter(make_person: Any, add: Any) -> None:
    barred, listed, honoured, clean = make_person(), make_person(), make_person(), make_person()
    add(barred, dishonour(penalty="5"))
    add(listed, dishonour(serious=True))
    add(honoured, honour())
    qs = Person.objects.filter(pk__in=[p.pk for p in (barred, listed, honoured, clean)])

    def pks(value: str) -> set[int]:
        return set(filter_people(qs, value, TODAY).values_list("pk", flat=True))

    assert pks("barred") == {barred.pk}
    assert pks("blacklisted") == {listed.pk}
    assert pks("dishonour") == {barred.pk, listed.pk}
    assert pks("honour") == {honoured.pk}
    assert pks("nonsense") == {p.pk for p in (barred, listed, honoured, clean)}
    on_last_day = filter_people(qs, "barred", date(2031, 11, 16))
    assert set(on_last_day.values_list("pk", flat=True)) == {barred.pk}
    assert not filter_people(qs, "barred", date(2031, 11, 17)).exists()


def test_daily_command_expires_every_due_entry(make_person: Any, add: Any, monkeypatch: Any) -> None:
    from django.core.management import call_command

    from registry.credit import clock

    person = make_person()
    for _ in range(3):
        add(person, dishonour(public_until=date(2026, 11, 30)))
    add(person, honour())
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 1))
    call_command("credit_expire")
    statuses = sorted(CreditRecord.objects.values_list("status", flat=True))
    assert statuses == ["active", "expired", "expired", "expired"]
