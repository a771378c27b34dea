"""Who sees whom: every role against people in its subtree, another city, another province."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registry.accounts.roles import Role
from registry.accounts.selectors import visible_agencies

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    ("role", "code", "sees_tianhe", "sees_wujiang"),
    [
        (Role.COUNTY_REVIEWER, "440106", True, False),
        (Role.COUNTY_REVIEWER, "440104", False, False),
        (Role.CITY_REVIEWER, "440100", True, False),
        (Role.CITY_REVIEWER, "440200", False, True),
        (Role.PROVINCE_REVIEWER, "440000", True, True),
        (Role.PROVINCE_ADMIN, "440000", True, True),
        (Role.AUDITOR, "440000", True, True),
    ],
)
def test_pages_and_api_are_scoped(
    make_person: Any, make_user: Any, role: Role, code: str, sees_tianhe: bool, sees_wujiang: bool
) -> None:
    tianhe, wujiang = make_person("440106"), make_person("440203")
    client = _client(make_user(role, code))
    for person, visible in ((tianhe, sees_tianhe), (wujiang, sees_wujiang)):
        expected = 200 if visible else 404  # 404, not 403: another city's people do not exist for you
        assert client.get(f"/people/{person.uid}/").status_code == expected
        assert client.get(f"/api/v1/people/{person.uid}").status_code == expected
        listed = client.get("/people/", {"q": person.name}).content.decode()
        assert (f"/people/{person.uid}/" in listed) == visible


def test_other_province_body_sees_nothing_here(make_person: Any, make_user: Any) -> None:
    person = make_person()
    shenzhen = make_user(Role.PROVINCE_ADMIN, "440300")  # 计划单列市: its own provincial body
    client = _client(shenzhen)
    assert client.get(f"/people/{person.uid}/").status_code == 404
    assert client.get("/api/v1/people").json()["total"] == 0
    assert not visible_agencies(shenzhen).filter(code="440106").exists()


def test_anonymous_is_sent_to_login_and_api_says_401(make_person: Any) -> None:
    person = make_person()
    response = Client().get(f"/people/{person.uid}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().get(f"/api/v1/people/{person.uid}").status_code == 401
    assert Client().get("/people/").status_code == 302


def test_accountant_cannot_use_staff_pages(make_person: Any, make_user: Any) -> None:
    person = make_person()
    accountant = make_user(Role.ACCOUNTANT, "440106")
    client = _client(accountant)
    assert client.get("/people/").status_code == 403
    assert client.get(f"/people/{person.uid}/").status_code == 403
    assert client.get(f"/api/v1/people/{person.uid}").status_code == 403


def test_user_without_membership_sees_nothing(make_person: Any, make_user: Any) -> None:
    make_person()
    nobody = make_user()
    assert not visible_agencies(nobody).exists()
    assert _client(nobody).get("/api/v1/people").status_code == 403


def test_membership_at_the_wrong_level_is_refused(make_user: Any) -> None:
    from registry.core.errors import DomainError

    with pytest.raises(DomainError):
        make_user(Role.COUNTY_REVIEWER, "440100")
