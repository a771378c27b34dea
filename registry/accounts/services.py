"""Writes to users and memberships."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from registry.core.errors import DomainError
from registry.orgs.models import Agency
from registry.standard.errors import FieldError

from .models import Membership, User
from .roles import ROLE_LEVEL, Role


def user_create(*, username: str, password: str, display_name: str = "", mobile: str = "") -> User:
    if User.objects.filter(username=username).exists():
        raise DomainError.single("user.username_taken", "username", "该用户名已被使用")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise DomainError([FieldError("user.weak_password", "password", m) for m in exc.messages]) from exc
    return User.objects.create_user(
        username=username, password=password, display_name=display_name, mobile=mobile
    )


@transaction.atomic
def membership_grant(*, user: User, agency: Agency, role: Role | str) -> Membership:
    level = ROLE_LEVEL.get(role)
    if level is not None and agency.level != level:
        raise DomainError.single("membership.wrong_level", "agency", "该角色不能在此层级的机构设置")
    membership, _ = Membership.objects.get_or_create(user=user, agency=agency, role=role)
    return membership
