"""Agency entry: who may, what is refused (nothing written), and what reaches audit and the outbox."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.continuing_education import services
from registry.continuing_education.models import Entry, EntryStatus
from registry.continuing_education.tests.conftest import entry
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.people.models import Person, Status

pytestmark = pytest.mark.django_db


def _refused(call: Any, person: Person) -> list[str]:
    before = (Entry.objects.count(), Person.objects.get(pk=person.pk).version, OutboxEvent.objects.count())
    with pytest.raises(DomainError) as exc:
        call()
    after = (Entry.objects.count(), Person.objects.get(pk=person.pk).version, OutboxEvent.objects.count())
    assert after == before, "a refused entry writes nothing"
    return [e.code for e in exc.value.errors]


def test_agency_entry_is_approved_and_journaled(accountant: Any, make_user: Any) -> None:
    person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    version = person.version
    e = services.ce_register(actor=staff, person=person, data=entry(days="2"))
    assert (e.status, e.route, e.credits, e.year, e.registered_by) == (
        "approved",
        "agency",
        Decimal(20),
        2025,
        staff,
    )
    person.refresh_from_db()
    assert person.version == version + 1
    assert AuditEvent.objects.filter(action="ce.register", object_id=str(person.uid)).exists()
    event = OutboxEvent.objects.filter(person_uid=person.uid, kind="ce.register").get()
    snapshot = outbox_snapshot(event)
    assert snapshot["version"] == person.version
    [year] = [y for y in snapshot["continuing_education"] if y["year"] == 2025]
    assert year["total"] == 20 and year["professional"] == 20 and year["required"] and not year["compliant"]
    assert year["entries"] == [
        {
            "year": 2025,
            "held_on": "2025-06-10",
            "form": "1",
            "subject": "1",
            "credits": 20.0,
            "provider": "省会计学会",
            "route": "agency",
        }
    ]


def test_snapshot_shows_compliance_and_each_year_apart(accountant: Any, make_user: Any) -> None:
    person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    services.ce_register(actor=staff, person=person, data=entry(form="3", held_on="2025-05-01"))
    services.ce_register(
        actor=staff, person=person, data=entry(form="4", subject="2", days="3", held_on="2025-09-01")
    )
    snapshot = outbox_snapshot(OutboxEvent.objects.filter(person_uid=person.uid).order_by("-seq").first())  # type: ignore[arg-type]
    years = {y["year"]: y for y in snapshot["continuing_education"]}
    assert years[2025]["total"] == 120 and years[2025]["professional"] == 90
    assert years[2025]["compliant"] is True  # 90 of 120 = 3/4
    assert years[2026]["entries"] == [] and years[2026]["required"] is True  # no carry-over of the surplus
    assert years[2026]["compliant"] is False


@pytest.mark.parametrize(
    ("role", "code", "error"),
    [
        (Role.COUNTY_REVIEWER, "440106", None),
        (Role.CITY_REVIEWER, "440100", None),
        (Role.PROVINCE_ADMIN, "440000", None),
        (Role.COUNTY_REVIEWER, "440104", NotVisible),  # another county of the same city
        (Role.CITY_REVIEWER, "440200", NotVisible),  # another city
        (Role.PROVINCE_ADMIN, "440300", NotVisible),  # 深圳: another provincial body
        (Role.AUDITOR, "440000", Forbidden),  # sees, may not enter
        (None, "440000", NotVisible),  # an accountant's account
    ],
)
def test_who_may_enter(
    accountant: Any, make_user: Any, role: Role | None, code: str, error: type | None
) -> None:
    person = accountant()
    actor = make_user(role, code)
    if error is None:
        services.ce_register(actor=actor, person=person, data=entry())
        return
    with pytest.raises(error):
        services.ce_register(actor=actor, person=person, data=entry())
    assert not Entry.objects.exists()


def test_late_registration_before_and_after_the_close(accountant: Any, make_user: Any, today: Any) -> None:
    person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    today(date(2026, 3, 31))
    services.ce_register(actor=staff, person=person, data=entry())
    today(date(2026, 4, 1))
    assert _refused(
        lambda: services.ce_register(actor=staff, person=person, data=entry(held_on="2025-07-01")), person
    ) == ["ce.late"]
    services.ce_register(actor=staff, person=person, data=entry(held_on="2026-03-02"))  # this year's: fine


def test_province_close_date_applies(accountant: Any, make_user: Any, today: Any) -> None:
    person = accountant()
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    from registry.orgs.models import Agency

    services.ce_settings_update(
        actor=admin,
        body=Agency.objects.get(code="440000"),
        data={
            "conversions": {
                "1": {"unit": "day", "credits": "10"},
                "2": {"unit": "hour", "credits": "1"},
                "9": {"unit": "declared"},
            },
            "close_month": 1,
            "close_day": 31,
        },
    )
    assert _refused(lambda: services.ce_register(actor=admin, person=person, data=entry()), person) == [
        "ce.late"
    ]


@pytest.mark.parametrize(
    ("data", "codes"),
    [
        (entry(held_on="2026-02-16"), ["ce.future"]),
        (entry(held_on="2025-02-30"), ["ce.bad_date"]),
        (entry(held_on=""), ["ce.bad_date"]),
        (entry(form="4", days="2", credits="30"), ["ce.credits_rule"]),
        (entry(form="3", credits="45"), ["ce.credits_rule"]),
        (entry(form="7", days=None), ["ce.role_required"]),
        (entry(form="X"), ["ce.bad_form"]),
        (entry(subject="3"), ["ce.bad_subject"]),
        (entry(credits="ten"), ["ce.bad_credits"]),
        (entry(year="2024"), ["ce.year_mismatch"]),
        (entry(form="9", days=None), ["ce.credits_required"]),
        (entry(provider="单" * 101), ["ce.too_long"]),
        (entry(form="1", subject="", held_on="x"), ["ce.bad_date", "ce.bad_subject"]),  # every error at once
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    accountant: Any, make_user: Any, data: dict[str, Any], codes: list[str]
) -> None:
    person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    assert _refused(lambda: services.ce_register(actor=staff, person=person, data=data), person) == codes


def test_the_same_activity_is_registered_once(accountant: Any, make_user: Any) -> None:
    person = accountant()
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    services.ce_register(actor=staff, person=person, data=entry())
    assert _refused(lambda: services.ce_register(actor=staff, person=person, data=entry()), person) == [
        "ce.duplicate"
    ]
    services.ce_register(actor=staff, person=person, data=entry(provider="另一单位"))  # another activity


def test_people_not_collected_get_no_entries(accountant: Any, make_user: Any) -> None:
    person = accountant()
    Person.objects.filter(pk=person.pk).update(status=Status.TRANSFERRED_OUT)
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    assert _refused(lambda: services.ce_register(actor=staff, person=person, data=entry()), person) == [
        "ce.not_active"
    ]


def test_entries_keep_their_status_and_route(accountant: Any, make_user: Any) -> None:
    person = accountant()
    services.ce_register(
        actor=make_user(Role.CITY_REVIEWER, "440100"),
        person=person,
        data=entry(form="2", days=None, hours="6"),
    )
    e = Entry.objects.get()
    assert (e.status, e.hours, e.credits, e.days) == (EntryStatus.APPROVED, Decimal(6), Decimal(6), None)
