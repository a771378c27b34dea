"""Objections: filed by the person, decided by the entering agency within 10 working days."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.credit import services
from registry.credit.models import CreditObjection, ObjectionStatus, RecordStatus
from registry.credit.selectors import bar_status, is_blacklisted, objection_queue
from registry.credit.tests.conftest import TODAY, dishonour, png
from registry.documents.selectors import document_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(owned: Any, add: Any) -> Any:
    """An open objection of a 天河 person against a serious 5-year ban entered by 天河."""
    person = owned()
    record = add(person, dishonour(penalty="5", serious=True, effective_on=date(2026, 11, 18)))
    return services.objection_file(
        actor=person.user, record=record, reason="处罚决定已被复议撤销", evidence_files=[png("gray")]
    )


def test_filing_sets_a_ten_working_day_deadline(filed: Any, clerk: Any) -> None:
    assert filed.status == ObjectionStatus.OPEN and filed.agency.code == "440106"
    assert filed.deadline == date(2026, 12, 4)  # filed on Friday 20 November
    assert Decision.objects.filter(object_id=str(filed.uid), action="file").exists()
    assert OutboxEvent.objects.filter(person_uid=filed.person.uid, kind="credit.objection_file").exists()
    assert not filed.overdue_on(date(2026, 12, 4))
    assert filed.overdue_on(date(2026, 12, 5))
    assert list(objection_queue(clerk, date(2026, 12, 4), overdue_only=True)) == []
    assert list(objection_queue(clerk, date(2026, 12, 7), overdue_only=True)) == [filed]


def test_uphold_keeps_the_original_values_and_evidence(filed: Any, clerk: Any) -> None:
    record = filed.record
    original_evidence = list(record.evidence)
    services.objection_uphold(
        actor=clerk,
        objection=filed,
        reason="复议决定变更为罚款",
        corrections={"penalty": "3", "serious": False},
        evidence_files=[png("blue")],
    )
    record.refresh_from_db()
    filed.refresh_from_db()
    assert filed.status == ObjectionStatus.UPHELD and filed.decision_reason == "复议决定变更为罚款"
    assert record.status == RecordStatus.CORRECTED and record.revision == 2
    assert record.penalty == "3" and not record.serious and record.barred_until is None
    assert record.evidence[: len(original_evidence)] == original_evidence and len(record.evidence) == 2
    first, second = record.revisions.all()
    assert first.values["penalty"] == "5" and first.values["serious"] is True
    assert first.values["barred_until"] == "2031-11-16" and first.evidence == original_evidence
    assert second.values["penalty"] == "3" and second.objection == filed
    for uid in record.evidence:  # the original proof is still readable
        assert document_get(owner_uid=record.person.uid, uid=uid)
    assert not bar_status(record.person, TODAY).barred and not is_blacklisted(record.person, TODAY)
    event = OutboxEvent.objects.filter(person_uid=record.person.uid).order_by("-seq").first()
    assert event is not None and event.kind == "credit.objection_uphold"
    assert outbox_snapshot(event)["credit"][0]["status"] == "corrected"


def test_uphold_may_withdraw_the_entry(filed: Any, clerk: Any) -> None:
    services.objection_uphold(actor=clerk, objection=filed, reason="非本人", withdraw=True)
    record = filed.record
    record.refresh_from_db()
    assert record.status == RecordStatus.WITHDRAWN and not record.public_today
    assert record.penalty == "5" and record.revisions.count() == 2  # values unchanged, kept
    assert not bar_status(record.person, TODAY).barred


def test_uphold_without_a_correction_or_with_bad_values_changes_nothing(filed: Any, clerk: Any) -> None:
    for corrections, code in (
        ({}, "credit.no_correction"),
        ({"decided_on": "2027-01-01"}, "credit.future_date"),
    ):
        with pytest.raises(DomainError) as exc:
            services.objection_uphold(actor=clerk, objection=filed, reason="更正", corrections=corrections)
        assert exc.value.errors[0].code == code
    filed.refresh_from_db()
    filed.record.refresh_from_db()
    assert filed.status == ObjectionStatus.OPEN and filed.record.status == RecordStatus.ACTIVE
    assert filed.record.revisions.count() == 1


def test_reject_keeps_the_entry_and_needs_a_reason(filed: Any, clerk: Any) -> None:
    with pytest.raises(DomainError) as exc:
        services.objection_reject(actor=clerk, objection=filed, reason="")
    assert exc.value.errors[0].code == "credit.reason_required"
    services.objection_reject(actor=clerk, objection=filed, reason="复议维持原处罚决定")
    filed.refresh_from_db()
    filed.record.refresh_from_db()
    assert filed.status == ObjectionStatus.REJECTED and filed.decision_reason == "复议维持原处罚决定"
    assert filed.record.status == RecordStatus.ACTIVE and filed.record.penalty == "5"


def test_acting_twice_is_refused(filed: Any, clerk: Any) -> None:
    services.objection_reject(actor=clerk, objection=filed, reason="不成立")
    for act in (
        lambda: services.objection_reject(actor=clerk, objection=filed, reason="不成立"),
        lambda: services.objection_uphold(actor=clerk, objection=filed, reason="成立", withdraw=True),
        lambda: services.objection_withdraw(actor=filed.person.user, objection=filed),
    ):
        with pytest.raises(DomainError) as exc:
            act()
        assert exc.value.errors[0].code == "workflow.not_allowed"
    filed.record.refresh_from_db()
    assert filed.record.status == RecordStatus.ACTIVE


def test_one_open_objection_per_entry_and_a_new_one_after_the_decision(filed: Any, clerk: Any) -> None:
    user = filed.person.user
    with pytest.raises(DomainError) as exc:
        services.objection_file(actor=user, record=filed.record, reason="再次", evidence_files=[png()])
    assert exc.value.errors[0].code == "credit.objection_open"
    services.objection_reject(actor=clerk, objection=filed, reason="不成立")
    again = services.objection_file(
        actor=user, record=filed.record, reason="补充材料", evidence_files=[png()]
    )
    assert again.status == ObjectionStatus.OPEN


def test_filing_needs_a_reason_evidence_and_an_entry_in_force(filed: Any, clerk: Any) -> None:
    user, record = filed.person.user, filed.record
    services.objection_withdraw(actor=user, objection=filed)
    for reason, files, code in (
        ("", [png()], "credit.reason_required"),
        ("理由", [], "credit.evidence_required"),
    ):
        with pytest.raises(DomainError) as exc:
            services.objection_file(actor=user, record=record, reason=reason, evidence_files=files)
        assert exc.value.errors[0].code == code
    services.credit_supersede(actor=clerk, record=record, reason="被新的决定替代")
    with pytest.raises(DomainError) as exc:
        services.objection_file(actor=user, record=record, reason="理由", evidence_files=[png()])
    assert exc.value.errors[0].code == "credit.not_objectable"
    assert CreditObjection.objects.count() == 1


def test_only_the_person_files_and_withdraws(filed: Any, owned: Any, clerk: Any) -> None:
    other = owned()
    for actor in (other.user, clerk, None):
        with pytest.raises(NotVisible):
            services.objection_file(actor=actor, record=filed.record, reason="x", evidence_files=[png()])
        with pytest.raises(NotVisible):
            services.objection_withdraw(actor=actor, objection=filed)


@pytest.mark.parametrize(
    ("role", "code", "error"),
    [
        (Role.COUNTY_REVIEWER, "440104", NotVisible),  # another county
        (Role.CITY_REVIEWER, "440200", NotVisible),  # another city
        (Role.AUDITOR, "440000", Forbidden),  # sees, may not decide
        (None, "440000", NotVisible),
    ],
)
def test_only_the_entering_agency_decides(
    filed: Any, make_user: Any, role: Any, code: str, error: type[Exception]
) -> None:
    actor = make_user(role, code)
    with pytest.raises(error):
        services.objection_reject(actor=actor, objection=filed, reason="不成立")
    with pytest.raises(error):
        services.objection_uphold(actor=actor, objection=filed, reason="成立", withdraw=True)
    with pytest.raises(NotVisible):  # the person cannot decide their own objection either
        services.objection_reject(actor=filed.person.user, objection=filed, reason="x")
    filed.refresh_from_db()
    assert filed.status == ObjectionStatus.OPEN
    assert list(objection_queue(actor, TODAY)) == []


def test_supervisors_above_the_entering_agency_decide_and_see_overdue(filed: Any, make_user: Any) -> None:
    city = make_user(Role.CITY_REVIEWER, "440100")
    assert list(objection_queue(city, date(2026, 12, 7), overdue_only=True)) == [filed]
    services.objection_reject(actor=city, objection=filed, reason="不成立")
    assert list(objection_queue(city, date(2026, 12, 7))) == []
