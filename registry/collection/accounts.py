"""Password reset for accountants through a code sent by email. Answers never reveal whether
an account exists; codes are hashed, expire after 15 minutes and allow 5 attempts."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from registry.accounts.models import User
from registry.core.errors import DomainError
from registry.standard.errors import FieldError

from .auth import ArchiveOrMobileBackend
from .models import ResetCode

CODE_MINUTES = 15
MAX_ATTEMPTS = 5
BAD_CODE = "验证码错误或已失效，请重新获取"


def _account(login: str) -> User | None:
    return ArchiveOrMobileBackend()._find(login.strip())


@transaction.atomic
def password_reset_request(*, login: str) -> None:
    user = _account(login)
    if user is None or not user.email or not user.is_active:
        return
    code = f"{secrets.randbelow(10**6):06d}"
    ResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    ResetCode.objects.create(
        user=user, code_hash=make_password(code), expires_at=timezone.now() + timedelta(minutes=CODE_MINUTES)
    )
    send_mail(
        "会计人员管理系统：找回密码验证码",
        f"您正在重设会计人员管理系统的登录密码，验证码为 {code}，{CODE_MINUTES} 分钟内有效。"
        "如非本人操作，请忽略本邮件。",
        None,
        [user.email],
    )


def password_reset_confirm(*, login: str, code: str, password: str) -> User:
    user = _account(login)
    reset = (
        ResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-id")
        .first()
        if user
        else None
    )
    if user is None or reset is None or reset.attempts >= MAX_ATTEMPTS:
        raise DomainError.single("reset.bad_code", "code", BAD_CODE)
    if not check_password(code.strip(), reset.code_hash):
        # Counted outside any transaction, so the failed attempt sticks.
        ResetCode.objects.filter(pk=reset.pk).update(attempts=F("attempts") + 1)
        raise DomainError.single("reset.bad_code", "code", BAD_CODE)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError([FieldError("account.weak_password", "password", m) for m in exc.messages]) from exc
    with transaction.atomic():
        if not ResetCode.objects.filter(pk=reset.pk, used_at__isnull=True).update(used_at=timezone.now()):
            raise DomainError.single("reset.bad_code", "code", BAD_CODE)  # used by a parallel request
        user.set_password(password)
        user.save(update_fields=["password"])
    return user
