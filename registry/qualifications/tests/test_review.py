"""Self-reports with proof, reviewed by a reviewer of the person's agency: every path."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.audit.models import OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.documents.models import Document
from registry.people.models import Person
from registry.qualifications.models import Qualification, QualificationStatus, Source
from registry.qualifications.selectors import pending_reviews
from registry.qualifications.services import (
    qualification_add,
    qualification_approve,
    qualification_return,
)

from .conftest import entry, png

pytestmark = pytest.mark.django_db


def _snapshot(person: Person) -> dict[str, Any]:
    event = OutboxEvent.objects.filter(person_uid=person.uid).order_by("-seq").first()
    assert event is not None
    return outbox_snapshot(event)


def _report(accountant: Any, **overrides: Any) -> tuple[Any, Person, Qualification]:
    user, person = accountant()
    row = qualification_add(actor=user, person=person, data=entry(**overrides), proof_files=[png()])
    return user, person, row


def test_self_report_is_pending_with_its_proof_and_not_in_the_snapshot(accountant: Any) -> None:
    _, person, row = _report(accountant)
    assert row.status == QualificationStatus.PENDING and row.source == Source.SELF
    assert row.proof_uid is not None
    doc = Document.objects.get(uid=row.proof_uid)
    assert doc.owner_uid == person.uid
    assert _snapshot(person)["qualifications"] == []
    assert OutboxEvent.objects.filter(person_uid=person.uid, kind="qualification.report").exists()


def test_self_report_needs_a_proof_and_a_collected_record(accountant: Any) -> None:
    user, person = accountant()
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=user, person=person, data=entry())
    assert {e.code for e in exc.value.errors} == {"qualification.proof_required"}
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=user, person=person, data=entry(), proof_files=[("x.png", b"not an image")])
    assert exc.value.errors[0].field == "proof"
    draft_user, draft = accountant(status="draft")
    with pytest.raises(DomainError) as exc:
        qualification_add(actor=draft_user, person=draft, data=entry(), proof_files=[png()])
    assert exc.value.errors[0].code == "qualification.not_collected"
    assert not Qualification.objects.exists() and not Document.objects.exists()


def test_a_person_reports_only_for_themself(accountant: Any) -> None:
    alice, _ = accountant()
    _, bob_person = accountant()
    with pytest.raises(NotVisible):
        qualification_add(actor=alice, person=bob_person, data=entry(), proof_files=[png()])


def test_approval_puts_it_in_the_snapshot(accountant: Any, make_user: Any) -> None:
    _, person, row = _report(accountant)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    assert list(pending_reviews(reviewer)) == [row]
    qualification_approve(actor=reviewer, uid=row.uid, note="证书核验无误")
    row.refresh_from_db()
    assert row.status == QualificationStatus.APPROVED and row.decided_at is not None
    assert [q["certificate_no"] for q in _snapshot(person)["qualifications"]] == [row.certificate_no]
    decision = Decision.objects.get(object_id=str(row.uid))
    assert (decision.from_state, decision.to_state, decision.actor_id) == ("pending", "approved", reviewer.pk)
    assert list(pending_reviews(reviewer)) == []


def test_return_needs_a_reason_and_frees_the_number(accountant: Any, make_user: Any) -> None:
    user, person, row = _report(accountant)
    reviewer = make_user(Role.CITY_REVIEWER, "440100")
    with pytest.raises(DomainError) as exc:
        qualification_return(actor=reviewer, uid=row.uid, reason="  ")
    assert exc.value.errors[0].code == "qualification.reason_required"
    qualification_return(actor=reviewer, uid=row.uid, reason="证书照片不清晰")
    row.refresh_from_db()
    assert row.status == QualificationStatus.RETURNED and row.return_reason == "证书照片不清晰"
    assert _snapshot(person)["qualifications"] == []
    # The person reports again with a better scan: the returned row no longer holds the number.
    again = qualification_add(actor=user, person=person, data=entry(), proof_files=[png()])
    assert again.status == QualificationStatus.PENDING


@pytest.mark.parametrize(
    ("role", "code", "error"),
    [
        (Role.COUNTY_REVIEWER, "440104", NotVisible),  # another county
        (Role.CITY_REVIEWER, "440200", NotVisible),  # another city
        (Role.AUDITOR, "440000", Forbidden),  # sees, may not decide
        (None, "440000", NotVisible),
    ],
)
def test_only_a_reviewer_of_the_persons_agency_decides(
    accountant: Any, make_user: Any, role: Any, code: str, error: type[Exception]
) -> None:
    _, _, row = _report(accountant)
    actor = make_user(role, code)
    with pytest.raises(error):
        qualification_approve(actor=actor, uid=row.uid)
    with pytest.raises(error):
        qualification_return(actor=actor, uid=row.uid, reason="不符")
    row.refresh_from_db()
    assert row.status == QualificationStatus.PENDING
    assert not Decision.objects.filter(object_id=str(row.uid)).exists()


def test_the_person_cannot_decide_their_own_report(accountant: Any, agency: Any) -> None:
    user, _, row = _report(accountant)
    with pytest.raises(NotVisible):
        qualification_approve(actor=user, uid=row.uid)
    # Not even when the person is also a reviewer of their own agency.
    membership_grant(user=user, agency=agency("440106"), role=Role.COUNTY_REVIEWER)
    user._membership_cache = None
    with pytest.raises(Forbidden):
        qualification_approve(actor=user, uid=row.uid)
    assert list(pending_reviews(user)) == []


def test_staff_entering_their_own_record_is_a_self_report(accountant: Any, agency: Any) -> None:
    user, person = accountant()
    membership_grant(user=user, agency=agency("440106"), role=Role.COUNTY_REVIEWER)
    row = qualification_add(actor=user, person=person, data=entry(), proof_files=[png()])
    assert row.status == QualificationStatus.PENDING and row.source == Source.SELF


def test_acting_twice_is_refused(accountant: Any, make_user: Any) -> None:
    _, person, row = _report(accountant)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    qualification_approve(actor=reviewer, uid=row.uid)
    version = Person.objects.get(pk=person.pk).version
    for act in (
        lambda: qualification_approve(actor=reviewer, uid=row.uid),
        lambda: qualification_return(actor=reviewer, uid=row.uid, reason="再看看"),
    ):
        with pytest.raises(DomainError) as exc:
            act()
        assert exc.value.errors[0].code == "workflow.not_allowed"
    assert Person.objects.get(pk=person.pk).version == version
    assert Decision.objects.filter(object_id=str(row.uid)).count() == 1


def test_agency_entries_are_not_reviewed(make_person: Any, make_user: Any) -> None:
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    row = qualification_add(actor=staff, person=make_person(), data=entry())
    with pytest.raises(DomainError):
        qualification_approve(actor=staff, uid=row.uid)
    assert list(pending_reviews(staff)) == []


def test_unknown_uid_is_not_visible(make_user: Any) -> None:
    import uuid

    with pytest.raises(NotVisible):
        qualification_approve(actor=make_user(Role.PROVINCE_ADMIN, "440000"), uid=uuid.uuid4())
