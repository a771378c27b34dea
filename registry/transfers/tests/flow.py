"""Steps of a transfer, run inside a node's process (called by the multi-process tests)."""

from __future__ import annotations

import json
import random
from datetime import date

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.ops.sample_proofs import sample_image
from registry.ops.synthetic import people
from registry.orgs.models import Agency
from registry.people.models import Person
from registry.people.services import person_create
from registry.transfers import services
from registry.transfers.models import Transfer


def _say(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


def accountant(county: str, seed: int) -> None:
    stream = people(random.Random(seed), {county: "测试"}, date(2026, 11, 1))
    fake = next(f for f in stream if f.category == "1")
    person = person_create(
        actor=None,
        agency=Agency.objects.get(code=county),
        category="1",
        education=fake.education,
        work=fake.work,
        identity={
            "document_type": "resident_id",
            "archive_no": fake.archive_no,
            "name": fake.name,
            "mobile": fake.mobile,
            "email": f"p{seed}@example.cn",
        },
    )
    user = User.objects.create_user(username=f"acct{seed}", password="a-long-test-password")
    Person.objects.filter(pk=person.pk).update(user=user)
    _say({"uid": person.uid, "archive_no": fake.archive_no})


def reviewer(code: str) -> User:
    user, _ = User.objects.get_or_create(username=f"rev{code}")
    membership_grant(user=user, agency=Agency.objects.get(code=code), role=Role.COUNTY_REVIEWER)
    return user


def apply(uid: str, body: str, dest: str) -> None:
    person = Person.objects.get(uid=uid)
    t = services.transfer_apply(
        actor=person.user,
        dest_body_code=body,
        dest_agency_code=dest,
        reason="work",
        proofs=[("work.png", sample_image("work", "工作证明"))],
    )
    _say({"app_no": t.app_no})


def act(app_no: str, action: str, code: str, reason: str = "") -> None:
    t = Transfer.objects.get(app_no=app_no)
    actor = reviewer(code)
    if action == "confirm":
        services.transfer_origin_confirm(actor=actor, transfer=t)
    elif action == "approve":
        services.transfer_dest_approve(actor=actor, transfer=t, agency_code=code)
    elif action == "return":
        services.transfer_dest_return(actor=actor, transfer=t, reason=reason)
    elif action == "withdraw":
        services.transfer_withdraw(actor=t.applicant, transfer=t)
    _say({"ok": True})


def state(app_no: str, uid: str) -> None:
    t = Transfer.objects.filter(app_no=app_no).first()
    p = Person.objects.select_related("agency").filter(uid=uid).first()
    _say(
        {
            "transfer": t.status if t else None,
            "reason": t.last_reason if t else None,
            "person_status": p.status if p else None,
            "agency": p.agency.code if p else None,
            "version": p.version if p else None,
            "user": bool(p and p.user_id),
        }
    )


def set_password(uid: str, password: str) -> None:
    person = Person.objects.get(uid=uid)
    person.user.set_password(password)
    person.user.save()
    _say({"ok": True})


def overdue_for(code: str, role: str) -> None:
    """What a supervisor at `code` sees as overdue (after deadlines are moved into the past)."""
    from datetime import timedelta

    from django.utils import timezone

    from registry.transfers.selectors import overdue

    past = timezone.now() - timedelta(days=1)
    Transfer.objects.filter(status="applied").update(origin_due=past)
    Transfer.objects.filter(status="dest_review").update(dest_due=past)
    user, _ = User.objects.get_or_create(username=f"sup{code}")
    membership_grant(user=user, agency=Agency.objects.get(code=code), role=Role(role))
    _say(sorted(overdue(user).values_list("app_no", flat=True)))
