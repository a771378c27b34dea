"""Roles and permissions as enums; a role grants a fixed set of permissions."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    ACCOUNTANT = "accountant", "会计人员"
    COUNTY_REVIEWER = "county_reviewer", "县级审核员"
    CITY_REVIEWER = "city_reviewer", "市级审核员"
    PROVINCE_REVIEWER = "province_reviewer", "省级审核员"
    PROVINCE_ADMIN = "province_admin", "省级管理员"
    AUDITOR = "auditor", "审计员"
    NATIONAL_ADMIN = "national_admin", "全国管理员"


class Perm(StrEnum):
    VIEW_OWN_RECORD = "view_own_record"
    VIEW_PEOPLE = "view_people"
    EDIT_PEOPLE = "edit_people"
    REVIEW = "review"
    VIEW_FULL_ID = "view_full_id"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_AGENCIES = "manage_agencies"


_REVIEWER = {Perm.VIEW_PEOPLE, Perm.EDIT_PEOPLE, Perm.REVIEW}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.ACCOUNTANT: frozenset({Perm.VIEW_OWN_RECORD}),
    Role.COUNTY_REVIEWER: frozenset(_REVIEWER),
    Role.CITY_REVIEWER: frozenset(_REVIEWER),
    Role.PROVINCE_REVIEWER: frozenset(_REVIEWER),
    Role.PROVINCE_ADMIN: frozenset({*_REVIEWER, Perm.VIEW_FULL_ID, Perm.MANAGE_USERS}),
    Role.AUDITOR: frozenset({Perm.VIEW_PEOPLE, Perm.VIEW_AUDIT}),
    Role.NATIONAL_ADMIN: frozenset(
        {Perm.VIEW_PEOPLE, Perm.VIEW_FULL_ID, Perm.VIEW_AUDIT, Perm.MANAGE_USERS, Perm.MANAGE_AGENCIES}
    ),
}

# The agency level a role is held at; a membership at another level is refused.
ROLE_LEVEL: dict[str, str] = {
    Role.COUNTY_REVIEWER: "county",
    Role.CITY_REVIEWER: "city",
    Role.PROVINCE_REVIEWER: "provincial",
    Role.PROVINCE_ADMIN: "provincial",
    Role.AUDITOR: "provincial",
    Role.NATIONAL_ADMIN: "national",
}

STAFF_ROLES = frozenset(ROLE_LEVEL)
