"""The programme table: province admins add, rename and switch off; nobody else touches it."""

from __future__ import annotations

from typing import Any

import pytest

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.core.errors import DomainError, Forbidden
from registry.talents.models import Programme
from registry.talents.programmes import programme_add, programme_seed, programme_update

pytestmark = pytest.mark.django_db


def test_admin_adds_a_provincial_programme(make_user: Any) -> None:
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    first = programme_add(actor=admin, name="广东省会计领军人才", standard_code="P01")
    second = programme_add(actor=admin, name="广东省青年会计人才", standard_code="P02")
    assert (first.code, second.code) == ("P44000001", "P44000002")
    assert first.level == "provincial" and first.active
    assert AuditEvent.objects.filter(action="talent.programme_add", object_id=first.code).exists()


def test_bad_programmes_are_refused(make_user: Any) -> None:
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    count = Programme.objects.count()
    for name, code, expected in (
        ("", "P01", "talent.programme_name"),
        ("全国会计领军人才（企业类）", "P01", "talent.programme_exists"),
        ("某项目", "N01", "talent.bad_standard_code"),  # a province cannot add a national programme
        ("某项目", "Z9", "talent.bad_standard_code"),
    ):
        with pytest.raises(DomainError) as exc:
            programme_add(actor=admin, name=name, standard_code=code)
        assert exc.value.errors[0].code == expected
    assert Programme.objects.count() == count


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.PROVINCE_REVIEWER, "440000"),
        (Role.CITY_REVIEWER, "440100"),
        (Role.AUDITOR, "440000"),
        (None, "440000"),
    ],
)
def test_only_province_admins_manage(make_user: Any, role: Any, code: str) -> None:
    actor = make_user(role, code)
    with pytest.raises(Forbidden):
        programme_add(actor=actor, name="某项目", standard_code="P02")
    with pytest.raises(Forbidden):
        programme_update(actor=actor, code="N01", active=False)
    assert Programme.objects.get(code="N01").active


def test_rename_and_switch_off(make_user: Any) -> None:
    admin = make_user(Role.PROVINCE_ADMIN, "440000")
    own = programme_add(actor=admin, name="旧名称", standard_code="P02")
    programme_update(actor=admin, code=own.code, name="新名称")
    assert Programme.objects.get(pk=own.pk).name == "新名称"
    programme_update(actor=admin, code="N06", active=False)
    assert not Programme.objects.get(code="N06").active
    with pytest.raises(DomainError) as exc:
        programme_update(actor=admin, code="N01", name="改个名")
    assert exc.value.errors[0].code == "talent.programme_national_name"
    with pytest.raises(DomainError):
        programme_update(actor=admin, code="NOPE", active=True)
    with pytest.raises(DomainError) as exc:
        programme_update(actor=admin, code=own.code, name="全国会计领军人才（学术类）")
    assert exc.value.errors[0].code == "talent.programme_exists"


def test_seed_is_idempotent() -> None:
    assert programme_seed() == 0
    Programme.objects.filter(code="N03").delete()
    assert programme_seed() == 1
