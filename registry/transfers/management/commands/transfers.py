"""`registry transfers remind`: email the reviewers of every overdue 调转 application (DOMAIN.md §7).

An application is overdue when its holder — the origin while 已申请, the destination while 调入地审核中
(incoming or within the province) — has passed the deadline. Its reviewers are the users with the
review permission at the holding agency or an agency above it. Each item is reminded at most once a
day: the reminder is an audit event (`transfer.reminded`), and an item with one since midnight is
skipped, so the command can run as often as the scheduler likes. No state of its own.

    registry transfers remind [--dry-run] [--base-url https://kj.example.gov.cn]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from smtplib import SMTPException
from typing import Any

from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from registry.accounts.models import Membership, User
from registry.accounts.roles import ROLE_PERMS, Perm
from registry.audit.models import AuditEvent
from registry.audit.services import audit_append
from registry.orgs.models import Agency
from registry.transfers.models import Direction, Transfer, TransferStatus
from registry.transfers.services import holder_and_due

ACTION = "transfer.reminded"
REVIEW_ROLES = [role for role, perms in ROLE_PERMS.items() if Perm.REVIEW in perms]


@dataclass
class Outcome:
    reminded: int = 0
    skipped: int = 0  # already reminded today
    nobody: int = 0  # no reviewer with an email address
    failed: int = 0  # the mail could not be sent: tried again on the next run


def overdue_items(now: datetime) -> list[Transfer]:
    """Every overdue application this node holds (not scoped to an actor: a system job)."""
    return list(
        Transfer.objects.filter(
            Q(status=TransferStatus.APPLIED, origin_due__lt=now, origin_agency__isnull=False)
            | Q(
                status=TransferStatus.DEST_REVIEW,
                dest_due__lt=now,
                direction__in=[Direction.IN, Direction.INTRA],
            )
        )
        .select_related("origin_agency")
        .order_by("applied_at")
    )


def holding_agency(t: Transfer) -> Agency | None:
    if t.status == TransferStatus.APPLIED:
        return t.origin_agency
    return Agency.objects.filter(code=t.dest_agency_code).first()


def reviewers(agency: Agency) -> list[User]:
    """Active users who may review at the agency: a membership there or at an agency above it."""
    codes = [c for c in agency.path.split("/") if c]
    users = (
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.filter(agency__code__in=codes, role__in=REVIEW_ROLES),
        )
        .exclude(email="")
        .distinct()
        .order_by("id")
    )
    return list(users)


def start_of_today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def reminded_today(t: Transfer) -> bool:
    return AuditEvent.objects.filter(action=ACTION, object_id=t.app_no, at__gte=start_of_today()).exists()


def _message(t: Transfer, holder: str, due: datetime, link: str) -> tuple[str, str]:
    subject = f"【会计人员调转】{t.app_no} 已超过办理期限"
    body = (
        f"调转申请 {t.app_no}（{t.person_name}，{t.origin_name} → {t.dest_agency_name}）"
        f"当前由{holder}办理，办理期限为 {timezone.localtime(due):%Y-%m-%d}，现已超期。\n"
        f"请尽快登录会计人员管理系统，在“调转审核”中办理：{link}\n"
        "（本提醒每天最多发送一次，办理后不再提醒。）"
    )
    return subject, body


def remind(
    *, now: datetime | None = None, base_url: str = "", dry_run: bool = False, out: Any = None
) -> Outcome:
    now = now or timezone.now()
    result = Outcome()
    for item in overdue_items(now):
        with transaction.atomic():
            # The lock orders two runs at the same moment: the second sees the first one's audit event.
            t = (
                Transfer.objects.select_for_update(of=("self",))
                .select_related("origin_agency")
                .get(pk=item.pk)
            )
            holder, due = holder_and_due(t)
            agency = holding_agency(t)
            if due is None or due >= now or agency is None:
                continue  # decided since the list was read
            if reminded_today(t):
                result.skipped += 1
                continue
            to = reviewers(agency)
            if not to:
                result.nobody += 1
                if out is not None:
                    out(f"{t.app_no}：{agency.name}及上级机构没有登记电子邮箱的审核人员，未能提醒")
                continue
            link = base_url.rstrip("/") + reverse("transfers:detail", args=[t.uid])
            subject, body = _message(t, holder, due, link)
            if out is not None:
                out(
                    f"{t.app_no}：提醒 {len(to)} 人（{agency.name}，期限 {timezone.localtime(due):%Y-%m-%d}）"
                )
            if dry_run:
                result.reminded += 1
                continue
            # Sent before the audit event is written: a failure leaves none, and the next run tries again.
            try:
                send_mail(subject, body, None, [u.email for u in to], fail_silently=False)
            except (OSError, SMTPException) as exc:
                result.failed += 1
                if out is not None:
                    out(f"{t.app_no}：邮件发送失败，下次运行时重试（{exc}）")
                continue
            audit_append(
                actor=None,
                action=ACTION,
                object_type="transfer",
                object_id=t.app_no,
                data={"agency": agency.code, "due": due.isoformat(), "users": [u.pk for u in to]},
            )
            result.reminded += 1
    return result


class Command(BaseCommand):
    help = "调转：registry transfers remind（向超期调转申请的审核人员发送提醒邮件，每件每天一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["remind"])
        parser.add_argument("--dry-run", action="store_true", help="只列出将提醒的申请，不发送、不记录")
        parser.add_argument(
            "--base-url", default="", help="邮件中办理链接的网址前缀，如 https://kj.example.gov.cn"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = remind(base_url=options["base_url"], dry_run=options["dry_run"], out=self.stdout.write)
        verb = "将提醒" if options["dry_run"] else "已提醒"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {result.reminded} 件；今日已提醒过 {result.skipped} 件；"
                f"无人可提醒 {result.nobody} 件"
            )
        )
        if result.failed:
            raise CommandError(f"{result.failed} 件的提醒邮件发送失败，下次运行时重试", returncode=1)
