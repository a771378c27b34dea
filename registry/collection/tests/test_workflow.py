"""The collection workflow: every transition, allowed and refused, by role and by agency."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from registry.accounts.roles import Role
from registry.audit.models import OutboxEvent
from registry.collection import services
from registry.collection.models import Collection, CollectionStatus
from registry.collection.tests.conftest import png
from registry.core.deadlines import add_working_days
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.documents.services import document_store
from registry.people.models import Person, Status

pytestmark = pytest.mark.django_db


def _submitted(ready: Any) -> tuple[Any, Collection]:
    user = ready()
    collection = services.collection_submit(actor=user)
    return user, collection


def test_submit_moves_person_to_pending_under_the_chosen_agency(ready: Any) -> None:
    user, collection = _submitted(ready)
    person = Person.objects.get(user=user)
    assert collection.status == CollectionStatus.SUBMITTED
    assert person.status == Status.PENDING and person.agency.code == "440106"
    assert collection.deadline == add_working_days(date.today(), 5)
    assert Decision.objects.filter(
        object_id=str(collection.uid), action="submit", to_state="submitted"
    ).exists()
    assert OutboxEvent.objects.filter(person_uid=person.uid, kind="collection.submit").exists()


def test_submitting_twice_is_refused(ready: Any) -> None:
    user, _ = _submitted(ready)
    with pytest.raises(DomainError) as exc:
        services.collection_submit(actor=user)
    assert exc.value.errors[0].code == "collection.not_editable"


def test_incomplete_collection_lists_every_missing_part(register: Any) -> None:
    user = register()
    with pytest.raises(DomainError):
        services.collection_submit(actor=user)  # no collection open before the pledge
    services.collection_accept_pledge(actor=user, client_address="10.0.0.1")
    with pytest.raises(DomainError) as exc:
        services.collection_submit(actor=user)
    fields = {e.field for e in exc.value.errors}
    assert {"agency", "proofs.id_front", "proofs.photo"} <= fields
    assert any("学历" in e.message for e in exc.value.errors)
    assert Collection.objects.get(person__user=user).status == CollectionStatus.DRAFT


def test_only_one_open_collection_per_person(ready: Any) -> None:
    user = ready()
    person = Person.objects.get(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Collection.objects.create(person=person, agency=person.agency)


@pytest.mark.parametrize(
    ("role", "code", "outcome"),
    [
        (Role.COUNTY_REVIEWER, "440106", "ok"),
        (Role.CITY_REVIEWER, "440100", "ok"),
        (Role.PROVINCE_REVIEWER, "440000", "ok"),
        (Role.PROVINCE_ADMIN, "440000", "ok"),
        (Role.COUNTY_REVIEWER, "440104", "hidden"),  # another county of the same city
        (Role.CITY_REVIEWER, "440200", "hidden"),  # another city
        (Role.PROVINCE_ADMIN, "440300", "hidden"),  # 深圳: another provincial body
        (Role.AUDITOR, "440000", "forbidden"),  # sees, may not decide
    ],
)
@pytest.mark.parametrize("action", ["approve", "return", "reassign"])
def test_who_may_decide(ready: Any, make_user: Any, role: Role, code: str, outcome: str, action: str) -> None:
    _, collection = _submitted(ready)
    actor = make_user(role, code)
    calls = {
        "approve": lambda: services.collection_approve(actor=actor, uid=collection.uid),
        "return": lambda: services.collection_return(
            actor=actor, uid=collection.uid, reasons={"education": "证书不清晰"}
        ),
        "reassign": lambda: services.collection_reassign(
            actor=actor, uid=collection.uid, agency_code="440104", note="单位实际在越秀区"
        ),
    }
    if outcome == "ok":
        calls[action]()
        return
    with pytest.raises(NotVisible if outcome == "hidden" else Forbidden):
        calls[action]()
    collection.refresh_from_db()
    assert collection.status == CollectionStatus.SUBMITTED and collection.agency.code == "440106"


def test_the_person_may_not_decide_their_own(ready: Any) -> None:
    user, collection = _submitted(ready)
    with pytest.raises(NotVisible):
        services.collection_approve(actor=user, uid=collection.uid)


def test_approve_makes_the_record_collected(ready: Any, make_user: Any) -> None:
    user, collection = _submitted(ready)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    services.collection_approve(actor=reviewer, uid=collection.uid)
    person = Person.objects.get(user=user)
    assert person.status == Status.COLLECTED and person.collected_at is not None
    assert Collection.objects.get(pk=collection.pk).status == CollectionStatus.APPROVED
    with pytest.raises(DomainError) as exc:
        services.collection_approve(actor=reviewer, uid=collection.uid)  # acting twice
    assert exc.value.errors[0].code == "workflow.not_allowed"
    with pytest.raises(DomainError):
        services.collection_return(actor=reviewer, uid=collection.uid, reasons={"identity": "x"})


def test_return_needs_a_reason_and_reopens_the_record(ready: Any, make_user: Any) -> None:
    user, collection = _submitted(ready)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    with pytest.raises(DomainError) as exc:
        services.collection_return(
            actor=reviewer, uid=collection.uid, reasons={"education": "  ", "bogus": "x"}
        )
    assert exc.value.errors[0].code == "collection.reason_required"
    services.collection_return(
        actor=reviewer,
        uid=collection.uid,
        reasons={"education": "毕业证书照片不清晰", "proofs.education": "请重新拍摄"},
    )
    collection.refresh_from_db()
    assert collection.status == CollectionStatus.RETURNED
    assert collection.return_reasons == {"education": "毕业证书照片不清晰", "proofs.education": "请重新拍摄"}
    person = Person.objects.get(user=user)
    assert person.status == Status.DRAFT
    # A returned proof must be uploaded again before resubmitting; the others stay on file.
    with pytest.raises(DomainError) as exc:
        services.collection_submit(actor=user)
    assert [e.field for e in exc.value.errors] == ["proofs.education"]
    document_store(actor=user, owner_uid=person.uid, kind="education", files=[png("gray")])
    services.collection_submit(actor=user)
    collection.refresh_from_db()
    assert collection.status == CollectionStatus.SUBMITTED and collection.submissions == 2


def test_reassign_moves_the_application_and_the_record(ready: Any, make_user: Any) -> None:
    user, collection = _submitted(ready)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    with pytest.raises(DomainError):
        services.collection_reassign(actor=reviewer, uid=collection.uid, agency_code="440305", note="深圳")
    with pytest.raises(DomainError):
        services.collection_reassign(actor=reviewer, uid=collection.uid, agency_code="440104", note="")
    services.collection_reassign(
        actor=reviewer, uid=collection.uid, agency_code="440104", note="单位在越秀区"
    )
    collection.refresh_from_db()
    assert collection.agency.code == "440104" and collection.status == CollectionStatus.SUBMITTED
    assert Person.objects.get(user=user).agency.code == "440104"
    with pytest.raises(NotVisible):  # it left the first county's reach
        services.collection_approve(actor=reviewer, uid=collection.uid)
    services.collection_approve(actor=make_user(Role.COUNTY_REVIEWER, "440104"), uid=collection.uid)


def test_draft_cannot_be_approved(ready: Any, make_user: Any) -> None:
    user = ready()
    collection = Collection.objects.get(person__user=user)
    with pytest.raises(DomainError) as exc:
        services.collection_approve(actor=make_user(Role.PROVINCE_REVIEWER), uid=collection.uid)
    assert exc.value.errors[0].code == "workflow.not_allowed"


def test_a_pending_record_is_not_editable_by_its_person(ready: Any) -> None:
    from registry.people.services import person_update

    user, _ = _submitted(ready)
    person = Person.objects.get(user=user)
    with pytest.raises(Forbidden):
        person_update(actor=user, person=person, changes={"identity": {"address": "新地址"}})
