"""Self-report with proof, reviewed by a reviewer of the person's agency: approve or return."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.continuing_education import services
from registry.continuing_education.models import Entry, EntryStatus
from registry.continuing_education.selectors import person_years, review_queue
from registry.continuing_education.tests.conftest import entry, png
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.documents.models import Document
from registry.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(accountant: Any, with_login: Any) -> tuple[Any, Entry]:
    person = accountant()
    user = with_login(person)
    e = services.ce_self_report(
        actor=user, data=entry(form="7", days=None, role="first", title="论内部控制"), proof_files=[png()]
    )
    return user, e


def test_self_report_is_pending_with_its_proof_and_not_in_the_record(reported: tuple[Any, Entry]) -> None:
    user, e = reported
    person = Person.objects.get(user=user)
    assert (e.status, e.route, e.credits, e.role) == (EntryStatus.PENDING, "self", Decimal(30), "first")
    assert e.proof_uid is not None
    assert Document.objects.filter(uid=e.proof_uid, owner_uid=person.uid).exists()
    assert AuditEvent.objects.filter(action="ce.self_report", object_id=str(person.uid)).exists()
    assert not OutboxEvent.objects.filter(kind__startswith="ce.").exists()  # the record did not change
    [year] = [y for y in person_years(person) if y.year == 2025]
    assert year.compliance.total == 0 and [x.status for x in year.entries] == ["pending"]


def test_proof_is_required_and_errors_come_together(accountant: Any, with_login: Any) -> None:
    user = with_login(accountant())
    with pytest.raises(DomainError) as exc:
        services.ce_self_report(actor=user, data=entry(form="4", days="2", credits="30"), proof_files=[])
    assert {e.code for e in exc.value.errors} == {"ce.credits_rule", "ce.proof_required"}
    assert not Entry.objects.exists() and not Document.objects.exists()


def test_a_bad_proof_writes_nothing(accountant: Any, with_login: Any) -> None:
    user = with_login(accountant())
    with pytest.raises(DomainError) as exc:
        services.ce_self_report(actor=user, data=entry(), proof_files=[("x.pdf", b"not a pdf at all")])
    assert exc.value.errors[0].field.startswith("files")
    assert not Entry.objects.exists() and not Document.objects.exists()


def test_staff_and_strangers_cannot_self_report(make_user: Any) -> None:
    with pytest.raises(NotVisible):
        services.ce_self_report(
            actor=make_user(Role.COUNTY_REVIEWER, "440106"), data=entry(), proof_files=[png()]
        )


def test_approve_counts_the_credits_and_journals(reported: tuple[Any, Entry], make_user: Any) -> None:
    _, e = reported
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    assert list(review_queue(reviewer)) == [e]
    services.ce_approve(actor=reviewer, uid=e.uid)
    e.refresh_from_db()
    assert e.status == EntryStatus.APPROVED and e.decided_at is not None
    assert Decision.objects.filter(object_id=str(e.uid), action="approve", to_state="approved").exists()
    event = OutboxEvent.objects.get(kind="ce.approve")
    [year] = [y for y in outbox_snapshot(event)["continuing_education"] if y["year"] == 2025]
    assert year["total"] == 30 and year["entries"][0]["route"] == "self"
    assert list(review_queue(reviewer)) == []
    with pytest.raises(DomainError) as exc:
        services.ce_approve(actor=reviewer, uid=e.uid)  # acting twice
    assert exc.value.errors[0].code == "workflow.not_allowed"


def test_return_needs_a_reason_and_frees_the_activity(reported: tuple[Any, Entry], make_user: Any) -> None:
    user, e = reported
    reviewer = make_user(Role.CITY_REVIEWER, "440100")
    with pytest.raises(DomainError) as exc:
        services.ce_return(actor=reviewer, uid=e.uid, reason="  ")
    assert exc.value.errors[0].code == "ce.reason_required"
    services.ce_return(actor=reviewer, uid=e.uid, reason="发表页不清晰")
    e.refresh_from_db()
    assert (e.status, e.return_reason) == (EntryStatus.RETURNED, "发表页不清晰")
    assert not OutboxEvent.objects.filter(kind__startswith="ce.").exists()
    # Reported again with a better proof: allowed, since the returned one no longer counts.
    again = services.ce_self_report(
        actor=user, data=entry(form="7", days=None, role="first"), proof_files=[png("grey")]
    )
    assert again.status == EntryStatus.PENDING


def test_a_pending_report_blocks_the_same_activity(reported: tuple[Any, Entry]) -> None:
    user, _ = reported
    with pytest.raises(DomainError) as exc:
        services.ce_self_report(
            actor=user, data=entry(form="7", days=None, role="first"), proof_files=[png()]
        )
    assert exc.value.errors[0].code == "ce.duplicate"


@pytest.mark.parametrize(
    ("role", "code", "error"),
    [
        (Role.COUNTY_REVIEWER, "440106", None),
        (Role.PROVINCE_REVIEWER, "440000", None),
        (Role.COUNTY_REVIEWER, "440104", NotVisible),  # another county
        (Role.CITY_REVIEWER, "440200", NotVisible),  # another city
        (Role.AUDITOR, "440000", Forbidden),  # sees, may not decide
        (None, "440000", NotVisible),  # an accountant
    ],
)
@pytest.mark.parametrize("action", ["approve", "return"])
def test_who_may_decide(
    reported: tuple[Any, Entry], make_user: Any, role: Role | None, code: str, error: type | None, action: str
) -> None:
    _, e = reported
    actor = make_user(role, code)

    def act() -> None:
        if action == "approve":
            services.ce_approve(actor=actor, uid=e.uid)
        else:
            services.ce_return(actor=actor, uid=e.uid, reason="证明不符")

    if error is None:
        act()
        return
    with pytest.raises(error):
        act()
    e.refresh_from_db()
    assert e.status == EntryStatus.PENDING


def test_the_person_may_not_decide_their_own(reported: tuple[Any, Entry]) -> None:
    user, e = reported
    with pytest.raises(NotVisible):
        services.ce_approve(actor=user, uid=e.uid)


def test_a_reviewer_may_not_approve_their_own_report(accountant: Any, make_user: Any) -> None:
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    person = accountant()
    Person.objects.filter(pk=person.pk).update(user=reviewer)
    e = services.ce_self_report(actor=reviewer, data=entry(), proof_files=[png()])
    with pytest.raises(Forbidden):
        services.ce_approve(actor=reviewer, uid=e.uid)


def test_agency_entries_are_not_reviewed(accountant: Any, make_user: Any) -> None:
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    e = services.ce_register(actor=staff, person=accountant(), data=entry())
    with pytest.raises(NotVisible):
        services.ce_return(actor=staff, uid=e.uid, reason="x")
