"""信息采集 services: registration, 承诺函, submission and the agency's review."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError as PydanticError

from registry.accounts.models import User
from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.deadlines import add_working_days
from registry.core.errors import DomainError, Forbidden, NotVisible
from registry.core.models import Decision
from registry.core.workflow import apply_transition
from registry.documents.selectors import current_documents
from registry.extensions.selectors import extension_problems
from registry.orgs.models import Agency, Level
from registry.people.models import Person, Status
from registry.people.services import (
    archive_index_for,
    person_create,
    person_journal,
    person_set_state,
)
from registry.people.snapshot import person_record
from registry.standard.errors import FieldError
from registry.standard.identity import check_identity
from registry.standard.record import EMAIL, MOBILE, PersonRecord
from registry.standard.validation import field_errors

from .models import OPEN_STATES, TRANSITIONS, Collection, CollectionStatus
from .national import HELD, UNKNOWN, national_check
from .pledge import PLEDGE_VERSION
from .proofs import RETURN_FIELDS, missing_proofs
from .routing import home_body, propose

ALREADY_REGISTERED = (
    "该证件号码已登记。如是本人，请直接登录（忘记密码可通过“找回密码”重设）；"
    "如您此前在其他地区登记，请在原地区申请调转。"
)
LABELS = dict(CollectionStatus.choices)


def _check_account_fields(name: str, mobile: str, email: str, password: str) -> list[FieldError]:
    errors = []
    if not name.strip() or len(name.strip()) > 50:
        errors.append(FieldError("account.bad_name", "name", "请填写与证件一致的姓名（不超过 50 个字）"))
    if not MOBILE.match(mobile):
        errors.append(FieldError("account.bad_mobile", "mobile", "手机号应为 11 位数字，以 1 开头"))
    elif User.objects.filter(mobile=mobile).exists():
        errors.append(
            FieldError("account.mobile_taken", "mobile", "该手机号已用于其他账户，请更换或直接登录")
        )
    if not EMAIL.match(email):
        errors.append(
            FieldError("account.bad_email", "email", "请填写有效的电子邮箱，找回密码时将向其发送验证码")
        )
    try:
        validate_password(password)
    except ValidationError as exc:
        errors += [FieldError("account.weak_password", "password", m) for m in exc.messages]
    return errors


def accountant_register(
    *,
    document_type: str,
    archive_no: str,
    nationality: str | None,
    name: str,
    mobile: str,
    email: str,
    password: str,
) -> User:
    """Open an account and a draft record. A number already on file is refused without saying whose."""
    result = check_identity(document_type, archive_no, nationality or None)
    errors = [
        FieldError(e.code, "archive_no" if e.field == "number" else e.field, e.message) for e in result.errors
    ]
    errors += _check_account_fields(name, mobile, email, password)
    if errors:
        raise DomainError(errors)
    assert result.archive_no is not None and result.document_type is not None
    index = archive_index_for(result.document_type.value, result.archive_no, result.nationality)
    if Person.objects.filter(archive_index=index).exists():
        raise DomainError.single("collection.already_registered", "archive_no", ALREADY_REGISTERED)
    answer = national_check(index)
    if answer.state == HELD:
        raise DomainError.single(
            "collection.registered_elsewhere",
            "archive_no",
            f"该证件号码已在{answer.holder}登记。一人在全国只能在一地登记；如工作地已变动，"
            "请登录原登记地的系统申请调转。",
        )
    try:
        with transaction.atomic():
            user = User(
                username=f"p-{uuid.uuid4().hex[:16]}", display_name=name.strip(), mobile=mobile, email=email
            )
            user.set_password(password)
            user.save()
            person_create(
                actor=user,
                owner=user,
                agency=home_body(),
                identity={
                    "document_type": result.document_type.value,
                    "archive_no": result.archive_no,
                    "nationality": result.nationality,
                    "name": name.strip(),
                    "mobile": mobile,
                    "email": email,
                },
                category="1",
                status=Status.DRAFT,
            )
            if answer.state == UNKNOWN:
                # The hub could not be asked: registration goes on; the hub still refuses a second
                # registration when the record is reported (ownership quarantine) and reviewers see this.
                audit_append(
                    actor=user,
                    action="collection.national_check_unavailable",
                    object_type="user",
                    object_id=str(user.pk),
                    data={},
                )
            user.national_check = answer.state  # type: ignore[attr-defined]
    except DomainError as exc:
        if any(e.code == "person.duplicate" for e in exc.errors):
            raise DomainError.single(
                "collection.already_registered", "archive_no", ALREADY_REGISTERED
            ) from exc
        raise
    return user


def _own_person(actor: Any) -> Person:
    person = Person.objects.select_related("agency").filter(user=actor).first() if actor else None
    if person is None:
        raise NotVisible("no record for this account")
    return person


def open_collection(person: Person) -> Collection | None:
    return Collection.objects.filter(person=person, status__in=OPEN_STATES).first()


@transaction.atomic
def collection_accept_pledge(*, actor: Any, client_address: str | None) -> Collection:
    """Record the accepted 承诺函 (version, time, address) and open the collection."""
    person = _own_person(actor)
    current = open_collection(person)
    if person.pledge_version != PLEDGE_VERSION:
        Person.objects.filter(pk=person.pk).update(
            pledge_version=PLEDGE_VERSION, pledge_accepted_at=timezone.now(), pledge_address=client_address
        )
        person.refresh_from_db()
        person_journal(actor, person, "collection.pledge", {"pledge_version": PLEDGE_VERSION})
    if current is not None:
        return current
    if person.status != Status.DRAFT:
        raise DomainError.single("collection.not_needed", "status", "您的信息已采集或正在办理，无需重复采集")
    try:
        with transaction.atomic():
            return Collection.objects.create(person=person, agency=person.agency)
    except IntegrityError:
        # A second tab accepted at the same moment: one collection is open, use it.
        found = open_collection(person)
        assert found is not None
        return found


@transaction.atomic
def collection_choose_agency(*, actor: Any, agency_code: str) -> Collection:
    person = _own_person(actor)
    collection = _editable_collection(person)
    proposal = propose(person)
    allowed = {a.code: a for a in proposal.choices}
    if agency_code not in allowed:
        raise DomainError.single(
            "collection.agency_not_allowed", "agency", "只能选择系统按属地原则给出的审核机构"
        )
    Collection.objects.filter(pk=collection.pk).update(agency=allowed[agency_code])
    collection.agency = allowed[agency_code]
    return collection


def _editable_collection(person: Person) -> Collection:
    collection = (
        Collection.objects.select_for_update()
        .filter(person=person, status__in=[CollectionStatus.DRAFT, CollectionStatus.RETURNED])
        .first()
    )
    if collection is None:
        raise DomainError.single("collection.not_editable", "status", "当前没有可以填写或提交的采集申请")
    return collection


def submission_problems(person: Person, collection: Collection) -> list[FieldError]:
    """Everything that still stands between the person and submitting, each tied to its field."""
    problems: list[FieldError] = []
    if person.pledge_version != PLEDGE_VERSION:
        problems.append(FieldError("collection.pledge_missing", "pledge", "请先阅读并确认承诺函"))
    data = person_record(person).model_dump(mode="python")
    data["collection"]["status"] = Status.PENDING
    try:
        PersonRecord.model_validate(data)
    except PydanticError as exc:
        problems += field_errors(exc)
    problems += extension_problems(person)
    proposal = propose(person)
    if proposal.problem:
        problems.append(FieldError("collection.no_agency", "agency", proposal.problem))
    elif collection.agency not in proposal.choices:
        problems.append(FieldError("collection.agency_unconfirmed", "agency", "请确认审核机构"))
    on_file = current_documents(person.uid)
    problems += [
        FieldError("collection.proof_missing", f"proofs.{kind}", f"请上传{label}")
        for kind, label in missing_proofs(person.category, on_file)
    ]
    if collection.status == CollectionStatus.RETURNED and collection.decided_at is not None:
        for field in collection.return_reasons:
            kind = field.removeprefix("proofs.")
            if (
                field.startswith("proofs.")
                and kind in on_file
                and on_file[kind].created_at <= collection.decided_at
            ):
                problems.append(
                    FieldError(
                        "collection.proof_not_replaced", field, f"请按退回意见重新上传{RETURN_FIELDS[field]}"
                    )
                )
    return problems


@transaction.atomic
def collection_submit(*, actor: Any) -> Collection:
    person = _own_person(actor)
    collection = _editable_collection(person)
    problems = submission_problems(person, collection)
    if problems:
        raise DomainError(problems)
    now = timezone.now()
    apply_transition(
        collection,
        table=TRANSITIONS,
        action="submit",
        actor=actor,
        actor_kind="owner",
        labels=LABELS,
        extra_updates={
            "submitted_at": now,
            "deadline": add_working_days(timezone.localdate(now), settings.REGISTRY_REVIEW_WORKING_DAYS),
            "submissions": collection.submissions + 1,
        },
    )
    person_set_state(
        actor=actor,
        person=person,
        status=Status.PENDING,
        agency=collection.agency,
        action="collection.submit",
        data={"agency": collection.agency.code},
    )
    return collection


def _for_review(actor: Any, uid: Any) -> Collection:
    collection = (
        Collection.objects.select_for_update(of=("self",))
        .select_related("agency", "person")
        .filter(uid=uid)
        .first()
    )
    if collection is None or not actor_has_perm(actor, Perm.VIEW_PEOPLE, collection.agency):
        raise NotVisible(str(uid))
    if not actor_has_perm(actor, Perm.REVIEW, collection.agency):
        raise Forbidden("review")
    return collection


@transaction.atomic
def collection_approve(*, actor: Any, uid: Any, note: str = "") -> Collection:
    collection = _for_review(actor, uid)
    apply_transition(
        collection,
        table=TRANSITIONS,
        action="approve",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=note,
        extra_updates={"decided_at": timezone.now()},
    )
    person_set_state(
        actor=actor,
        person=collection.person,
        status=Status.COLLECTED,
        action="collection.approve",
        data={"agency": collection.agency.code},
    )
    return collection


@transaction.atomic
def collection_return(*, actor: Any, uid: Any, reasons: dict[str, str]) -> Collection:
    """Send back with a reason for each field that needs fixing; the person edits and resubmits."""
    cleaned = {k: v.strip() for k, v in reasons.items() if k in RETURN_FIELDS and v and v.strip()}
    if not cleaned:
        raise DomainError.single("collection.reason_required", "reasons", "退回时请至少针对一项填写退回原因")
    collection = _for_review(actor, uid)
    apply_transition(
        collection,
        table=TRANSITIONS,
        action="return",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason="；".join(f"{RETURN_FIELDS[k]}：{v}" for k, v in cleaned.items()),
        details={"reasons": cleaned},
        extra_updates={"return_reasons": cleaned, "decided_at": timezone.now()},
    )
    person_set_state(
        actor=actor,
        person=collection.person,
        status=Status.DRAFT,
        action="collection.return",
        data={"fields": sorted(cleaned)},
    )
    return collection


@transaction.atomic
def collection_reassign(*, actor: Any, uid: Any, agency_code: str, note: str) -> Collection:
    """Hand the application to another agency of the province when the 属地 choice was wrong."""
    collection = _for_review(actor, uid)
    body = home_body()
    target = Agency.objects.filter(
        code=agency_code, path__startswith=body.path, level__in=[Level.CITY, Level.COUNTY]
    ).first()
    if target is None or target == collection.agency:
        raise DomainError.single("collection.bad_agency", "agency", "请选择本省内另一个市、县级会计管理机构")
    if not note.strip():
        raise DomainError.single("collection.reason_required", "note", "请说明转办原因")
    apply_transition(
        collection,
        table=TRANSITIONS,
        action="reassign",
        actor=actor,
        actor_kind="reviewer",
        labels=LABELS,
        reason=note.strip(),
        details={"from": collection.agency.code, "to": target.code},
        extra_updates={
            "agency": target,
            "deadline": add_working_days(date.today(), settings.REGISTRY_REVIEW_WORKING_DAYS),
        },
    )
    person_set_state(
        actor=actor,
        person=collection.person,
        status=Status.PENDING,
        agency=target,
        action="collection.reassign",
        data={"agency": target.code},
    )
    return collection


@transaction.atomic
def collection_walk_in(
    *,
    actor: Any,
    agency_code: str,
    identity: dict[str, Any],
    category: str,
    education: list[dict[str, Any]],
    work: list[dict[str, Any]],
    student: dict[str, Any] | None,
) -> Person:
    """Staff enter a person who came to the counter: the same validation and duplicate check as
    the portal, recorded as an approved collection of the staff member's agency."""
    agency = Agency.objects.filter(code=agency_code, level__in=[Level.CITY, Level.COUNTY]).first()
    if agency is None or not actor_has_perm(actor, Perm.EDIT_PEOPLE, agency):
        raise DomainError.single("collection.bad_agency", "agency", "请选择您所在机构或其下属的市、县级机构")
    person = person_create(
        actor=actor,
        agency=agency,
        identity=identity,
        category=category,
        education=education,
        work=work,
        student=student,
        status=Status.COLLECTED,
    )
    now = timezone.now()
    collection = Collection.objects.create(
        person=person,
        agency=agency,
        status=CollectionStatus.APPROVED,
        submitted_at=now,
        decided_at=now,
        submissions=1,
    )
    Decision.objects.create(
        object_type="collection.collection",
        object_id=str(collection.uid),
        action="walk_in",
        from_state="",
        to_state=CollectionStatus.APPROVED,
        actor_id=actor.pk,
        actor_name=str(actor),
        reason="窗口现场采集",
    )
    return person
