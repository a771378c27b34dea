"""Registration, login by archive or mobile number, the 承诺函, routing and password reset."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from registry.accounts.models import User
from registry.collection import services
from registry.collection.accounts import password_reset_confirm, password_reset_request
from registry.collection.models import Collection
from registry.collection.pledge import PLEDGE_VERSION
from registry.collection.routing import propose
from registry.collection.tests.conftest import PASSWORD
from registry.core.errors import DomainError
from registry.people.models import Person, Status
from registry.people.services import person_update
from registry.people.snapshot import person_archive_no

pytestmark = pytest.mark.django_db


def test_register_makes_a_draft_under_the_province(register: Any) -> None:
    user = register(archive_no="11010519491231002x", name="测试人")
    person = Person.objects.get(user=user)
    assert person.status == Status.DRAFT and person.agency.code == "440000"
    assert person_archive_no(person) == "11010519491231002X"
    assert str(person.birth_date) == "1949-12-31" and person.sex == "2"
    assert "11010519491231002X" not in user.username


def test_a_number_on_file_is_refused_without_saying_whose(register: Any, make_person: Any) -> None:
    existing = make_person("440203")
    users = User.objects.count()
    with pytest.raises(DomainError) as exc:
        register(archive_no=person_archive_no(existing))
    error = exc.value.errors[0]
    assert (
        error.code == "collection.already_registered" and "登录" in error.message and "调转" in error.message
    )
    assert existing.name not in error.message and "韶关" not in error.message
    assert User.objects.count() == users


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"archive_no": "110105194912310021"}, "archive_no", "identity.check_mismatch"),
        ({"mobile": "2345"}, "mobile", "account.bad_mobile"),
        ({"email": "not-an-email"}, "email", "account.bad_email"),
        ({"password": "1234567890"}, "password", "account.weak_password"),
        ({"name": ""}, "name", "account.bad_name"),
        (
            {"document_type": "passport", "archive_no": "E1234567"},
            "nationality",
            "identity.nationality_required",
        ),
    ],
)
def test_bad_registration_names_the_field_and_stores_nothing(
    register: Any, override: dict[str, str], field: str, code: str
) -> None:
    with pytest.raises(DomainError) as exc:
        register(**override)
    assert (field, code) in {(e.field, e.code) for e in exc.value.errors}
    assert User.objects.count() == 0 and Person.objects.count() == 0


def test_mobile_is_one_account_only(register: Any) -> None:
    register(mobile="13912345678")
    with pytest.raises(DomainError) as exc:
        register(mobile="13912345678")
    assert exc.value.errors[0].code == "account.mobile_taken"


def test_login_by_archive_number_or_mobile(register: Any) -> None:
    register(archive_no="11010519491231002X", mobile="13700000001")
    for login in ("11010519491231002x", "110105491231002", "13700000001"):
        client = Client()
        response = client.post("/accounts/login/", {"username": login, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"].endswith("/portal/"), login
    assert (
        Client().post("/accounts/login/", {"username": "13700000001", "password": "wrong"}).status_code == 200
    )


def test_pledge_is_required_first_and_recorded(register: Any) -> None:
    user = register()
    client = Client()
    client.force_login(user)
    assert client.get("/portal/basic/")["Location"].endswith("/portal/pledge/")
    assert client.post("/portal/pledge/", {}).status_code == 200  # not ticked: nothing recorded
    assert Person.objects.get(user=user).pledge_version == ""
    response = client.post("/portal/pledge/", {"agree": "yes"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    person = Person.objects.get(user=user)
    assert person.pledge_version == PLEDGE_VERSION and person.pledge_address == "203.0.113.9"
    assert person.pledge_accepted_at is not None
    services.collection_accept_pledge(
        actor=user, client_address="203.0.113.10"
    )  # again: no second collection
    assert Collection.objects.filter(person=person).count() == 1


def test_routing_follows_the_category(register: Any) -> None:
    user = register()
    services.collection_accept_pledge(actor=user, client_address=None)
    person = Person.objects.get(user=user)
    assert propose(person).problem is not None  # no workplace yet
    person = person_update(
        actor=user,
        person=person,
        changes={"collection": {"category": "3"}, "identity": {"residence_region": "440203"}},
    )
    proposal = propose(person)
    assert proposal.agency is not None and proposal.agency.code == "440203"
    assert {a.code for a in proposal.choices} >= {"440203", "440200"}
    assert all(a.path.startswith("/000000/440000/440200/") for a in proposal.choices)
    person = person_update(actor=user, person=person, changes={"identity": {"residence_region": "440305"}})
    assert "不在" in (propose(person).problem or "")  # 深圳 has its own provincial body
    person = person_update(actor=user, person=person, changes={"identity": {"residence_region": "110000"}})
    assert "北京" in (propose(person).problem or "")


def test_a_forged_agency_is_refused(ready: Any) -> None:
    user = ready()
    with pytest.raises(DomainError) as exc:
        services.collection_choose_agency(actor=user, agency_code="440203")  # not where they work
    assert exc.value.errors[0].code == "collection.agency_not_allowed"
    assert Collection.objects.get(person__user=user).agency.code == "440106"


def test_password_reset_by_emailed_code(register: Any) -> None:
    register(mobile="13700000002", email="me@example.com")
    password_reset_request(login="13700000002")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["me@example.com"]
    code = re.search(r"验证码为 (\d{6})", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    password_reset_confirm(login="13700000002", code=code, password="a-brand-new-password")
    response = Client().post(
        "/accounts/login/", {"username": "13700000002", "password": "a-brand-new-password"}
    )
    assert response.status_code == 302
    with pytest.raises(DomainError):  # a code works once
        password_reset_confirm(login="13700000002", code=code, password="another-new-password")


def test_password_reset_allows_five_wrong_codes(register: Any) -> None:
    register(mobile="13700000003")
    password_reset_request(login="13700000003")
    code = re.search(r"验证码为 (\d{6})", str(mail.outbox[0].body)).group(1)  # type: ignore[union-attr]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(DomainError):
            password_reset_confirm(login="13700000003", code=wrong, password="a-brand-new-password")
    with pytest.raises(DomainError):  # the right code no longer helps
        password_reset_confirm(login="13700000003", code=code, password="a-brand-new-password")


def test_reset_request_does_not_reveal_accounts(register: Any) -> None:
    cache.clear()
    client = Client()
    a = client.post("/portal/reset/", {"login": "13799999999"}, follow=True).content.decode()
    assert "验证码已发送" in a and len(mail.outbox) == 0


def test_registration_is_rate_limited(agency: Any) -> None:
    cache.clear()
    client = Client()
    codes = [client.post("/portal/register/", {"document_type": "resident_id"}).status_code for _ in range(3)]
    assert codes == [200, 200, 200]  # invalid forms are not counted against the limit
    for _ in range(11):
        page = client.post(
            "/portal/register/",
            {
                "document_type": "resident_id",
                "archive_no": "110105194912310021",
                "name": "甲",
                "mobile": "13800000000",
                "email": "a@example.com",
                "password": "x-long-password-1",
                "password2": "x-long-password-1",
            },
        ).content.decode()
    assert "过于频繁" in page
