"""Demo logins for `make run`: staff at province, city and county level and one accountant."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from registry.accounts.models import Membership, User
from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.orgs.models import Agency, Level
from registry.people.models import Person
from registry.people.services import person_create

from .sample_proofs import attach_sample_proofs
from .synthetic import people

DEMO_PASSWORD = "kuaiji-demo-2026"  # noqa: S105 -- printed by `make run`; demo data only


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str


def _user(username: str, display: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, display_name=display)
    return user


@transaction.atomic
def demo_logins(province: Agency) -> list[DemoLogin]:
    city = Agency.objects.filter(parent=province, level=Level.CITY).order_by("code").first()
    county_parent = city or province
    county = Agency.objects.filter(parent=county_parent, level=Level.COUNTY).order_by("code").first()
    plan: list[tuple[str, str, Role, Agency | None]] = [
        ("sheng_admin", "省级管理员", Role.PROVINCE_ADMIN, province),
        ("sheng_shenhe", "省级审核员", Role.PROVINCE_REVIEWER, province),
        ("shi_shenhe", "市级审核员", Role.CITY_REVIEWER, city),
        ("xian_shenhe", "县级审核员", Role.COUNTY_REVIEWER, county),
        ("shenji", "审计员", Role.AUDITOR, province),
    ]
    out = []
    for username, display, role, agency in plan:
        if agency is None:
            continue
        membership_grant(user=_user(username, display), agency=agency, role=role)
        out.append(DemoLogin(username, Role(role).label, agency.name))
    if county is not None:
        out.append(DemoLogin("kuaiji", Role.ACCOUNTANT.label, _demo_accountant(county).agency.name))
        attach_sample_proofs(county)
    return out


@transaction.atomic
def national_login() -> DemoLogin:
    hub = Agency.objects.get(level=Level.NATIONAL)
    membership_grant(user=_user("quanguo", "全国管理员"), agency=hub, role=Role.NATIONAL_ADMIN)
    return DemoLogin("quanguo", Role.NATIONAL_ADMIN.label, hub.name)


def _demo_accountant(county: Agency) -> Person:
    user = _user("kuaiji", "演示会计")
    existing = Person.objects.filter(user=user).select_related("agency").first()
    if existing is not None:
        return existing
    stream = people(random.Random(7), {county.division_code: county.short_name}, date.today())
    fake = next(f for f in stream if f.category == "1")
    person = person_create(
        actor=None,
        agency=county,
        identity={
            "document_type": "resident_id",
            "archive_no": fake.archive_no,
            "name": fake.name,
            "mobile": fake.mobile,
            "ethnicity": "01",
        },
        category="1",
        education=fake.education,
        work=fake.work,
    )
    Membership.objects.get_or_create(user=user, agency=county, role=Role.ACCOUNTANT)
    Person.objects.filter(pk=person.pk).update(user=user)
    return person
