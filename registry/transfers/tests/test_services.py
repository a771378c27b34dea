"""调转 services: the state machine, who may act, and the rules that refuse an application."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from registry.accounts.roles import Role
from registry.core.errors import DomainError, Forbidden
from registry.core.models import Decision
from registry.people.models import Person
from registry.people.services import person_update
from registry.standard.messages import TransferPackage
from registry.transfers.models import Direction, Transfer, TransferStatus
from registry.transfers.services import (
    transfer_apply,
    transfer_dest_approve,
    transfer_dest_return,
    transfer_origin_confirm,
    transfer_origin_return,
    transfer_package,
    transfer_withdraw,
)


def _apply(user, proof, dest=("440000", "440203"), reason="work"):
    return transfer_apply(
        actor=user, dest_body_code=dest[0], dest_agency_code=dest[1], reason=reason, proofs=proof
    )


def test_intra_province_transfer_end_to_end(accountant, make_user, proof):
    user, person = accountant("440106")
    t = _apply(user, proof)
    assert t.direction == Direction.INTRA and t.status == TransferStatus.APPLIED and t.origin_due
    assert "已提交" in mail.outbox[-1].subject
    transfer_origin_confirm(actor=make_user(Role.COUNTY_REVIEWER, "440106"), transfer=t)
    t.refresh_from_db()
    assert t.status == TransferStatus.DEST_REVIEW and t.dest_due
    transfer_dest_approve(actor=make_user(Role.COUNTY_REVIEWER, "440203"), transfer=t)
    t.refresh_from_db()
    person.refresh_from_db()
    assert t.status == TransferStatus.COMPLETED and person.agency.code == "440203"
    assert person.version == 2  # the move is a change of the record: audited and reported
    actions = list(Decision.objects.filter(object_id=str(t.uid)).values_list("action", flat=True))
    assert actions == ["confirm_intra", "approve_intra"]


def test_intra_province_destination_alone_when_configured(accountant, settings, proof):
    settings.REGISTRY_TRANSFER_INTRA_ORIGIN_CONFIRMS = False
    user, _ = accountant("440106")
    t = _apply(user, proof)
    assert t.status == TransferStatus.DEST_REVIEW and t.dest_due and t.origin_due is None


def test_wrong_people_may_not_act(accountant, make_user, proof):
    user, _ = accountant("440106")
    t = _apply(user, proof)
    with pytest.raises(Forbidden):
        transfer_origin_confirm(actor=user, transfer=t)  # the applicant is not the origin reviewer
    with pytest.raises(Forbidden):
        transfer_origin_confirm(actor=make_user(Role.COUNTY_REVIEWER, "440104"), transfer=t)  # another county
    with pytest.raises(Forbidden):
        transfer_withdraw(actor=make_user(), transfer=t)
    transfer_origin_confirm(actor=make_user(Role.CITY_REVIEWER, "440100"), transfer=t)  # the city above may
    with pytest.raises(Forbidden):
        transfer_dest_approve(actor=make_user(Role.COUNTY_REVIEWER, "440106"), transfer=t)  # origin, not dest


def test_acting_out_of_order_or_twice_is_refused(accountant, make_user, proof):
    user, _ = accountant("440106")
    t = _apply(user, proof)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    with pytest.raises(Forbidden):
        transfer_dest_approve(actor=reviewer, transfer=t)
    transfer_origin_confirm(actor=reviewer, transfer=t)
    with pytest.raises(DomainError) as exc:
        transfer_origin_confirm(actor=reviewer, transfer=t)
    assert exc.value.errors[0].code == "workflow.not_allowed"
    with pytest.raises(DomainError):
        transfer_withdraw(actor=user, transfer=t)  # too late once the origin has confirmed


def test_withdraw_and_return(accountant, make_user, proof):
    user, _ = accountant("440106")
    t = _apply(user, proof)
    transfer_withdraw(actor=user, transfer=t)
    t.refresh_from_db()
    assert t.status == TransferStatus.WITHDRAWN
    t2 = _apply(user, proof)  # a closed application does not block a new one
    with pytest.raises(DomainError):
        transfer_origin_return(actor=make_user(Role.COUNTY_REVIEWER, "440106"), transfer=t2, reason=" ")
    transfer_origin_return(actor=make_user(Role.COUNTY_REVIEWER, "440106"), transfer=t2, reason="证明不清晰")
    t2.refresh_from_db()
    assert t2.status == TransferStatus.ORIGIN_RETURNED and t2.last_reason == "证明不清晰"
    assert "证明不清晰" in mail.outbox[-1].body


def test_destination_return_within_province(accountant, make_user, proof):
    user, person = accountant("440106")
    t = _apply(user, proof)
    transfer_origin_confirm(actor=make_user(Role.COUNTY_REVIEWER, "440106"), transfer=t)
    transfer_dest_return(actor=make_user(Role.COUNTY_REVIEWER, "440203"), transfer=t, reason="不在本辖区工作")
    t.refresh_from_db()
    person.refresh_from_db()
    assert t.status == TransferStatus.DEST_RETURNED and person.agency.code == "440106"


def test_applications_refused_by_the_rules(accountant, make_user, proof):
    user, _ = accountant("440106")
    cases = [
        (("440000", "440106"), "work", proof, "transfer.same_agency"),
        (("440000", "999999"), "work", proof, "transfer.dest_agency"),
        (("110000", "440203"), "work", proof, "transfer.dest_agency"),
        (("123456", "440203"), "work", proof, "transfer.dest_body"),
        (("440000", "440203"), "other", proof, "transfer.reason"),
        (("440000", "440203"), "work", [], "transfer.proof"),
    ]
    for dest, reason, files, code in cases:
        with pytest.raises(DomainError) as exc:
            _apply(user, files, dest=dest, reason=reason)
        assert exc.value.errors[0].code == code, (dest, reason)
    assert not Transfer.objects.exists()
    _apply(user, proof)
    with pytest.raises(DomainError) as exc:
        _apply(user, proof, dest=("110000", "110105"))
    assert exc.value.errors[0].code == "transfer.open"
    with pytest.raises(Forbidden):
        _apply(make_user(Role.COUNTY_REVIEWER, "440106"), proof)  # staff have no record of their own


def test_barred_person_may_not_transfer_for_work(accountant, proof, monkeypatch):
    import registry.transfers.services as svc
    from registry.credit.selectors import BarStatus

    user, _ = accountant("440106")
    monkeypatch.setattr(svc, "bar_status", lambda person, today: BarStatus("until", date(2030, 1, 1)))
    with pytest.raises(DomainError) as exc:
        _apply(user, proof)
    assert exc.value.errors[0].code == "transfer.barred" and "2030-01-01" in exc.value.errors[0].message
    assert _apply(user, proof, reason="residence").status == TransferStatus.APPLIED


def test_cross_province_confirm_builds_the_package_and_freezes_the_record(accountant, make_user, proof):
    user, person = accountant("440106")
    t = _apply(user, proof, dest=("110000", "110105"))
    assert t.direction == Direction.OUT and t.dest_agency_name.startswith("北京")
    transfer_origin_confirm(actor=make_user(Role.COUNTY_REVIEWER, "440106"), transfer=t)
    t.refresh_from_db()
    assert t.status == TransferStatus.CONFIRMED and t.hub_pending == "package" and t.confirm_seq
    package = TransferPackage.model_validate(transfer_package(t))
    assert package.record.person_id == person.uid and package.record.version == 2
    assert package.proofs[0].kind == "work" and package.steps[0].step == "apply"
    person.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        person_update(actor=None, person=person, changes={"identity": {"address": "新地址"}})
    assert exc.value.errors[0].code == "person.frozen"
    assert Person.objects.get(pk=person.pk).version == 2
