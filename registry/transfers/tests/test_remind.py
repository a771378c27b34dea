"""`registry transfers remind`: the reviewers of an overdue application get one email a day, audited."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.transfers.management.commands import transfers as command
from registry.transfers.models import Transfer
from registry.transfers.services import transfer_origin_confirm
from registry.transfers.tests.test_pages import apply, incoming, reviewer

pytestmark = pytest.mark.django_db


def _staff(make_user: Any, code: str, email: str, role: Role | None = None) -> User:
    user = make_user(role, code) if role else reviewer(make_user, code)
    user.email = email
    user.save(update_fields=["email"])
    return user


def _run(*args: str) -> str:
    out = StringIO()
    call_command("transfers", "remind", *args, stdout=out)
    return out.getvalue()


def _late(t: Transfer, field: str = "origin_due") -> None:
    Transfer.objects.filter(pk=t.pk).update(**{field: timezone.now() - timedelta(days=1)})


def test_reviewers_at_and_above_the_holder_are_reminded_once_a_day(
    accountant: Any, make_user: Any, monkeypatch: Any
) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    _staff(make_user, "440106", "county@example.cn")
    _staff(make_user, "440100", "city@example.cn")
    _staff(make_user, "440000", "province@example.cn")
    _staff(make_user, "440104", "neighbour@example.cn")  # another county
    _staff(make_user, "440203", "dest@example.cn")  # the destination: not theirs yet
    _staff(make_user, "440000", "auditor@example.cn", Role.AUDITOR)  # no review permission
    reviewer(make_user, "440106")  # no email address: cannot be reached
    gone = _staff(make_user, "440106", "gone@example.cn")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    mail.outbox.clear()
    assert "已提醒 0 件" in _run()  # not overdue yet
    assert not mail.outbox

    _late(t)
    output = _run()
    assert f"{t.app_no}：提醒 3 人" in output and "已提醒 1 件" in output
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["city@example.cn", "county@example.cn", "province@example.cn"]
    assert t.app_no in message.subject and "已超期" in message.body and f"/transfers/{t.uid}/" in message.body
    event = AuditEvent.objects.get(action="transfer.reminded")
    assert event.object_id == t.app_no and event.data["agency"] == "440106" and len(event.data["users"]) == 3

    assert "今日已提醒过 1 件" in _run()  # the same day: nothing more
    assert len(mail.outbox) == 1 and AuditEvent.objects.filter(action="transfer.reminded").count() == 1

    # The next day it is reminded again (the day's start moves past the first reminder).
    monkeypatch.setattr(command, "start_of_today", lambda: timezone.now() + timedelta(seconds=1))
    _run("--base-url", "https://kj.example.gov.cn/")
    assert len(mail.outbox) == 2 and f"https://kj.example.gov.cn/transfers/{t.uid}/" in mail.outbox[1].body
    assert AuditEvent.objects.filter(action="transfer.reminded").count() == 2


def test_the_destination_is_reminded_while_it_holds_the_application(accountant: Any, make_user: Any) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    _staff(make_user, "440106", "county@example.cn")
    _staff(make_user, "440203", "dest@example.cn")
    _staff(make_user, "440200", "dest-city@example.cn")
    transfer_origin_confirm(actor=reviewer(make_user, "440106"), transfer=t)
    _late(t, "dest_due")
    mail.outbox.clear()
    _run()
    assert len(mail.outbox) == 1 and sorted(mail.outbox[0].to) == ["dest-city@example.cn", "dest@example.cn"]


def test_incoming_overdue_and_cross_province_out(accountant: Any, make_person: Any, make_user: Any) -> None:
    received, _ = incoming(make_person, dest="440106")
    _late(received, "dest_due")
    # Sent away and reviewed by the other province: not this node's to remind.
    user, _ = accountant("440106")
    out = apply(user, "110000", "110105")
    transfer_origin_confirm(actor=reviewer(make_user, "440106"), transfer=out)
    Transfer.objects.filter(pk=out.pk).update(status="dest_review")
    _late(out, "dest_due")
    _staff(make_user, "440106", "county@example.cn")
    mail.outbox.clear()
    _run()
    assert len(mail.outbox) == 1 and received.app_no in mail.outbox[0].subject


def test_dry_run_sends_and_records_nothing_and_nobody_to_tell_is_reported(
    accountant: Any, make_user: Any
) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    _late(t)
    mail.outbox.clear()
    output = _run()
    assert "没有登记电子邮箱的审核人员" in output and "无人可提醒 1 件" in output
    _staff(make_user, "440106", "county@example.cn")
    assert "将提醒 1 件" in _run("--dry-run")
    assert not mail.outbox and not AuditEvent.objects.filter(action="transfer.reminded").exists()


def test_a_failed_send_leaves_no_record_so_the_next_run_tries_again(
    accountant: Any, make_user: Any, monkeypatch: Any
) -> None:
    user, _ = accountant("440106")
    t = apply(user)
    _late(t)
    _staff(make_user, "440106", "county@example.cn")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr(command, "send_mail", broken)
    with pytest.raises(CommandError, match="发送失败"):
        _run()
    assert not AuditEvent.objects.filter(action="transfer.reminded").exists()
    monkeypatch.undo()
    mail.outbox.clear()
    _run()
    assert len(mail.outbox) == 1
