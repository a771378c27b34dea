"""The change-request workflow: every state and transition, allowed and refused, by role and agency."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent, OutboxEvent
from registry.audit.selectors import outbox_snapshot
from registry.changes import services
from registry.changes.guards import GUARDS, register_guard
from registry.changes.models import ChangeRequest, ChangeStatus
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.documents.models import Document
from registry.people.models import Person, Status
from registry.people.services import person_update
from registry.people.snapshot import person_record

from .conftest import identity_with, png, work_with

pytestmark = pytest.mark.django_db


def _propose_work(person: Person, unit: str = "广州新单位有限公司") -> ChangeRequest:
    return services.change_request_submit(
        actor=person.user, group="work", proposed=work_with(person, unit_name=unit), reason="更换工作单位"
    )


def _codes(exc: Any) -> set[str]:
    return {e.code for e in exc.value.errors}


def test_submit_opens_a_request_for_the_managing_agency_without_touching_the_record(owned: Any) -> None:
    person = owned()
    version = person.version
    request = _propose_work(person)
    assert request.status == ChangeStatus.SUBMITTED and request.agency == person.agency
    assert request.base_version == version and not request.needs_proof
    assert request.summary == "单位名称" and request.deadline > request.submitted_at.date()
    assert request.proposed[0]["unit_name"] == "广州新单位有限公司"
    assert request.old[0]["unit_name"] == person_record(person).work[0].unit_name
    person.refresh_from_db()
    assert person.version == version  # nothing applied before review
    assert Decision.objects.filter(object_id=str(request.uid), action="submit", to_state="submitted").exists()
    assert AuditEvent.objects.filter(action="change.submit", object_id=str(request.uid)).exists()


def test_identity_proposal_is_stored_encrypted(owned: Any) -> None:
    person = owned()
    number = identity_with(person)["archive_no"]
    request = services.change_request_submit(
        actor=person.user,
        group="identity",
        proposed=identity_with(person, name="李新名"),
        reason="改名",
        files=[png()],
    )
    raw = ChangeRequest.objects.filter(pk=request.pk).values_list("proposed_cipher", "old_cipher").get()
    assert all(number.encode() not in bytes(blob) for blob in raw)
    assert request.proposed["archive_no"] == number


@pytest.mark.parametrize(
    ("group", "make", "proof"),
    [
        ("identity", lambda p: identity_with(p, name="王更名"), True),
        ("identity", lambda p: identity_with(p, ethnicity="02"), True),
        ("identity", lambda p: identity_with(p, mobile="13912345678", address="广州市天河路 1 号"), False),
        ("identity", lambda p: identity_with(p, political_status="13"), False),
        ("work", lambda p: work_with(p, unit_name="新单位"), False),
        (
            "education",
            lambda p: [{**e.model_dump(mode="json"), "major": "审计学"} for e in person_record(p).education],
            True,
        ),
    ],
)
def test_which_changes_need_proof(owned: Any, group: str, make: Any, proof: bool) -> None:
    person = owned()
    proposed = make(person)
    if proof:
        with pytest.raises(DomainError) as exc:
            services.change_request_submit(actor=person.user, group=group, proposed=proposed, reason="更正")
        assert _codes(exc) == {"changes.proof_required"}
        assert exc.value.errors[0].field == "evidence"
        assert not ChangeRequest.objects.exists() and not Document.objects.exists()
        request = services.change_request_submit(
            actor=person.user, group=group, proposed=proposed, reason="更正", files=[png()]
        )
        assert request.needs_proof and len(request.evidence) == 1
        assert Document.objects.get(uid=request.evidence[0]).kind == "change"
    else:
        request = services.change_request_submit(
            actor=person.user, group=group, proposed=proposed, reason="更正"
        )
        assert not request.needs_proof and request.evidence == []


def test_a_proposal_equal_to_the_current_value_is_refused(owned: Any) -> None:
    person = owned()
    with pytest.raises(DomainError) as exc:
        services.change_request_submit(
            actor=person.user, group="work", proposed=work_with(person), reason="无变化"
        )
    assert _codes(exc) == {"changes.no_change"}
    with pytest.raises(DomainError) as exc:  # the same identity, written differently, is no change either
        services.change_request_submit(
            actor=person.user, group="identity", proposed={"name": f" {person.name} "}, reason="无变化"
        )
    assert _codes(exc) == {"changes.no_change"}
    assert not ChangeRequest.objects.exists()


def test_bad_input_names_every_field_through_the_standard(owned: Any) -> None:
    person = owned()
    version = person.version
    with pytest.raises(DomainError) as exc:
        services.change_request_submit(
            actor=person.user,
            group="work",
            proposed=work_with(person, unit_region="999999", credit_code="123", end_date="1990-01-01"),
            reason="  ",
        )
    fields = {e.field for e in exc.value.errors}
    assert {"work.0.unit_region", "work.0.credit_code", "reason"} <= fields
    with pytest.raises(DomainError) as exc:
        services.change_request_submit(
            actor=person.user,
            group="identity",
            proposed=identity_with(person, archive_no="110105194912310021"),
            reason="证件号码错误",
            files=[png()],
        )
    assert {e.field for e in exc.value.errors} == {"identity.archive_no"}
    with pytest.raises(DomainError) as exc:
        services.change_request_submit(actor=person.user, group="work", proposed=[], reason="离职")
    assert any("工作经历" in e.message for e in exc.value.errors)
    with pytest.raises(DomainError) as exc:
        services.change_request_submit(actor=person.user, group="salary", proposed={}, reason="x")
    assert _codes(exc) == {"changes.bad_group"}
    person.refresh_from_db()
    assert person.version == version and not ChangeRequest.objects.exists()


def test_a_record_under_review_takes_no_change_request(owned: Any) -> None:
    person = owned()
    Person.objects.filter(pk=person.pk).update(status=Status.PENDING)
    with pytest.raises(DomainError) as exc:
        _propose_work(person)
    assert _codes(exc) == {"changes.under_review"} and "审核中" in exc.value.errors[0].message
    Person.objects.filter(pk=person.pk).update(status=Status.DRAFT)
    with pytest.raises(DomainError) as exc:
        _propose_work(person)
    assert _codes(exc) == {"changes.under_review"}
    assert not ChangeRequest.objects.exists()


def test_an_open_transfer_blocks_proposing_and_approving(owned: Any, make_user: Any) -> None:
    person = owned()
    request = _propose_work(person)
    transferring = {person.pk}
    register_guard("test_transfer", lambda p: "调转办理中" if p.pk in transferring else None)
    try:
        with pytest.raises(DomainError) as exc:
            services.change_request_submit(
                actor=person.user,
                group="identity",
                proposed=identity_with(person, mobile="13800000001"),
                reason="换号",
            )
        assert _codes(exc) == {"changes.under_review"} and "调转" in exc.value.errors[0].message
        reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
        with pytest.raises(DomainError) as exc:
            services.change_request_approve(actor=reviewer, uid=request.uid)
        assert _codes(exc) == {"changes.under_review"}
        assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.SUBMITTED
        transferring.clear()
        services.change_request_approve(actor=reviewer, uid=request.uid)
    finally:
        GUARDS.pop("test_transfer")


def test_one_open_request_per_person_and_group(owned: Any) -> None:
    person = owned()
    first = _propose_work(person)
    with pytest.raises(DomainError) as exc:
        _propose_work(person, "另一个单位")
    assert _codes(exc) == {"changes.already_open"}
    services.change_request_submit(  # another group may be open at the same time
        actor=person.user,
        group="identity",
        proposed=identity_with(person, mobile="13800000002"),
        reason="换号",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.create(
            person=person,
            group="work",
            summary="x",
            reason="x",
            agency=person.agency,
            base_version=1,
            submitted_at=first.submitted_at,
            deadline=first.deadline,
            proposed_cipher=b"",
            old_cipher=b"",
        )
    services.change_request_withdraw(actor=person.user, uid=first.uid)
    _propose_work(person, "撤回后重新申请")  # closed requests do not count


def test_return_resubmit_approve_applies_everywhere(owned: Any, make_user: Any) -> None:
    person = owned()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    request = _propose_work(person, "初稿单位")
    with pytest.raises(DomainError) as exc:
        services.change_request_return(actor=reviewer, uid=request.uid, reason=" ")
    assert _codes(exc) == {"changes.reason_required"}
    services.change_request_return(actor=reviewer, uid=request.uid, reason="单位名称与劳动合同不一致")
    request.refresh_from_db()
    assert request.status == ChangeStatus.RETURNED and request.decision_reason.startswith("单位名称")
    with pytest.raises(DomainError) as exc:  # a returned request is the person's again
        services.change_request_approve(actor=reviewer, uid=request.uid)
    assert _codes(exc) == {"workflow.not_allowed"}
    services.change_request_resubmit(
        actor=person.user,
        uid=request.uid,
        proposed=work_with(person, unit_name="广州正式单位有限公司"),
        reason="已按合同更正",
    )
    request.refresh_from_db()
    assert request.status == ChangeStatus.SUBMITTED and request.submissions == 2
    assert request.decision_reason == "" and request.reason == "已按合同更正"
    services.change_request_approve(actor=reviewer, uid=request.uid, note="核对无误")
    request.refresh_from_db()
    person.refresh_from_db()
    assert request.status == ChangeStatus.APPROVED and request.applied_version == person.version
    assert request.decided_by == reviewer
    assert person.works.first().unit_name == "广州正式单位有限公司"
    assert person_record(person).work[0].unit_name == "广州正式单位有限公司"
    row = OutboxEvent.objects.filter(person_uid=person.uid).order_by("-seq").first()
    assert row is not None
    assert row.person_version == person.version and row.kind == "person.update"
    assert outbox_snapshot(row)["work"][0]["unit_name"] == "广州正式单位有限公司"
    event = AuditEvent.objects.filter(object_id=str(person.uid), action="person.update").last()
    assert event.actor_id == reviewer.pk and event.data["reason"] == "信息变更：已按合同更正"
    actions = list(Decision.objects.filter(object_id=str(request.uid)).values_list("action", flat=True))
    assert actions == ["submit", "return", "resubmit", "approve"]


def test_identity_number_correction_brings_its_birth_date(owned: Any, make_user: Any) -> None:
    person = owned(identity={"archive_no": "11010519491231002X", "document_type": "resident_id"})
    new_number = "110105195001010014"
    from registry.standard.identity import check_char

    new_number = new_number[:17] + check_char(new_number[:17])
    request = services.change_request_submit(
        actor=person.user,
        group="identity",
        proposed=identity_with(person, archive_no=new_number),
        reason="证件号码录入错误",
        files=[png()],
    )
    assert request.needs_proof and "出生日期" in request.summary and "证件号码" in request.summary
    services.change_request_approve(actor=make_user(Role.CITY_REVIEWER, "440100"), uid=request.uid)
    person.refresh_from_db()
    assert str(person.birth_date) == "1950-01-01" and person.archive_masked.startswith("1101")
    assert person_record(person).identity.archive_no == new_number


def test_reject_and_withdraw_close_without_a_change(owned: Any, make_user: Any) -> None:
    person = owned()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    version = person.version
    request = _propose_work(person)
    with pytest.raises(DomainError):
        services.change_request_reject(actor=reviewer, uid=request.uid, reason="")
    services.change_request_reject(actor=reviewer, uid=request.uid, reason="无任职证明")
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.REJECTED
    with pytest.raises(DomainError) as exc:
        services.change_request_withdraw(actor=person.user, uid=request.uid)
    assert _codes(exc) == {"workflow.not_allowed"}
    second = _propose_work(person)
    services.change_request_return(actor=reviewer, uid=second.uid, reason="请补充")
    services.change_request_withdraw(actor=person.user, uid=second.uid)  # returned → withdrawn
    third = _propose_work(person)
    services.change_request_withdraw(actor=person.user, uid=third.uid)  # submitted → withdrawn
    assert ChangeRequest.objects.get(pk=third.pk).status == ChangeStatus.WITHDRAWN
    with pytest.raises(DomainError):
        services.change_request_approve(actor=reviewer, uid=third.uid)
    person.refresh_from_db()
    assert person.version == version


def test_acting_twice_is_refused(owned: Any, make_user: Any) -> None:
    person = owned()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    request = _propose_work(person)
    services.change_request_approve(actor=reviewer, uid=request.uid)
    person.refresh_from_db()
    version = person.version
    for act in (
        lambda: services.change_request_approve(actor=reviewer, uid=request.uid),
        lambda: services.change_request_return(actor=reviewer, uid=request.uid, reason="再退回"),
        lambda: services.change_request_reject(actor=reviewer, uid=request.uid, reason="再驳回"),
        lambda: services.change_request_withdraw(actor=person.user, uid=request.uid),
        lambda: services.change_request_resubmit(
            actor=person.user, uid=request.uid, proposed=work_with(person, unit_name="x"), reason="x"
        ),
    ):
        with pytest.raises(DomainError) as exc:
            act()
        assert _codes(exc) == {"workflow.not_allowed"}
    person.refresh_from_db()
    assert person.version == version


@pytest.mark.parametrize(
    ("role", "code", "outcome"),
    [
        (Role.COUNTY_REVIEWER, "440106", "ok"),
        (Role.CITY_REVIEWER, "440100", "ok"),
        (Role.PROVINCE_ADMIN, "440000", "ok"),
        (Role.COUNTY_REVIEWER, "440104", "hidden"),  # another county of the same city
        (Role.CITY_REVIEWER, "440200", "hidden"),  # another city
        (Role.PROVINCE_REVIEWER, "440300", "hidden"),  # 深圳: another provincial body
        (Role.AUDITOR, "440000", "forbidden"),  # sees, may not decide
        (Role.ACCOUNTANT, "440106", "hidden"),
    ],
)
@pytest.mark.parametrize("action", ["approve", "return", "reject"])
def test_who_may_decide(owned: Any, make_user: Any, role: Role, code: str, outcome: str, action: str) -> None:
    person = owned()
    request = _propose_work(person)
    actor = make_user(role, code)
    calls = {
        "approve": lambda: services.change_request_approve(actor=actor, uid=request.uid),
        "return": lambda: services.change_request_return(actor=actor, uid=request.uid, reason="请补充"),
        "reject": lambda: services.change_request_reject(actor=actor, uid=request.uid, reason="不符合"),
    }
    if outcome == "ok":
        calls[action]()
        assert ChangeRequest.objects.get(pk=request.pk).status != ChangeStatus.SUBMITTED
        return
    with pytest.raises(NotVisible if outcome == "hidden" else Forbidden):
        calls[action]()
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.SUBMITTED


def test_only_the_person_acts_as_owner(owned: Any, make_user: Any) -> None:
    alice, bob = owned(), owned()
    request = _propose_work(alice)
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    services.change_request_return(actor=reviewer, uid=request.uid, reason="请补充")
    for actor in (bob.user, reviewer):
        with pytest.raises(NotVisible):
            services.change_request_withdraw(actor=actor, uid=request.uid)
        with pytest.raises(NotVisible):
            services.change_request_resubmit(
                actor=actor, uid=request.uid, proposed=work_with(alice, unit_name="x"), reason="x"
            )
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.RETURNED


def test_approval_refused_and_left_open_when_the_group_changed_meanwhile(owned: Any, make_user: Any) -> None:
    person = owned()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    request = _propose_work(person, "申请中的单位")
    person_update(actor=reviewer, person=person, changes={"work": work_with(person, position="财务经理")})
    person.refresh_from_db()
    version = person.version
    with pytest.raises(DomainError) as exc:
        services.change_request_approve(actor=reviewer, uid=request.uid)
    assert _codes(exc) == {"changes.stale"}
    message = exc.value.errors[0].message
    assert f"提出时为第 {request.base_version} 版" in message and f"现为第 {version} 版" in message
    assert ChangeRequest.objects.get(pk=request.pk).status == ChangeStatus.SUBMITTED
    person.refresh_from_db()
    assert person.version == version and person.works.first().position_title == "财务经理"
    # The way out: return it; the person resubmits against the record as it is now.
    services.change_request_return(actor=reviewer, uid=request.uid, reason="信息已更新，请核对后重新提交")
    services.change_request_resubmit(
        actor=person.user,
        uid=request.uid,
        proposed=work_with(person, unit_name="申请中的单位"),
        reason="重新提交",
    )
    services.change_request_approve(actor=reviewer, uid=request.uid)
    person.refresh_from_db()
    assert (
        person.works.first().unit_name == "申请中的单位" and person.works.first().position_title == "财务经理"
    )


def test_a_change_elsewhere_in_the_record_does_not_block_approval(owned: Any, make_user: Any) -> None:
    """Other writes (CE credits, qualifications, another group) bump the version but leave the group as
    proposed: the proposal still replaces exactly what the person saw."""
    person = owned()
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    request = _propose_work(person, "新单位")
    person_update(actor=reviewer, person=person, changes={"identity": {"address": "广州市越秀区某路 2 号"}})
    services.change_request_approve(actor=reviewer, uid=request.uid)
    person.refresh_from_db()
    assert person.works.first().unit_name == "新单位" and person.address == "广州市越秀区某路 2 号"


def test_a_student_changes_their_school_record(owned: Any, make_user: Any) -> None:
    student = {"school": "广东财经大学", "school_region": "440106", "expected_graduation": "2027-07-01"}
    person = owned(category="2", work=[], student=student)
    with pytest.raises(DomainError) as exc:  # a student keeps a 学籍 record
        services.change_request_submit(actor=person.user, group="student", proposed=None, reason="x")
    assert [(e.field, e.message) for e in exc.value.errors] == [("student", "在校学生应填写学籍信息")]
    request = services.change_request_submit(
        actor=person.user, group="student", proposed={**student, "school": "中山大学"}, reason="转学"
    )
    assert not request.needs_proof and request.summary == "学校"
    with pytest.raises(DomainError) as exc:
        services.change_request_submit(actor=person.user, group="identity", proposed={"name": ""}, reason="x")
    assert [e.field for e in exc.value.errors] == ["identity.name"]
    services.change_request_approve(actor=make_user(Role.COUNTY_REVIEWER, "440106"), uid=request.uid)
    person.refresh_from_db()
    assert person.student_school == "中山大学"
