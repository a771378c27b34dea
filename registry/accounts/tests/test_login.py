from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.accounts.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"


def _login(client: Client, username: str, password: str = PASSWORD, otp: str = "") -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password, "otp_token": otp})


def test_login_rotates_the_session(make_user: Any) -> None:
    user = make_user(Role.CITY_REVIEWER, "440100")
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    response = _login(client, user.username)
    assert response.status_code == 302 and response["Location"].endswith("/people/")
    assert client.session.session_key != before


def test_wrong_password_says_so_in_chinese(make_user: Any) -> None:
    user = make_user(Role.CITY_REVIEWER, "440100")
    response = _login(Client(), user.username, "wrong-password")
    assert response.status_code == 200 and "用户名或密码错误" in response.content.decode()


def test_lockout_after_repeated_failures(make_user: Any) -> None:
    user = make_user(Role.CITY_REVIEWER, "440100")
    client = Client()
    for _ in range(5):
        _login(client, user.username, "wrong-password")
    response = _login(client, user.username)  # even the right password is refused now
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_idle_session_ends(make_user: Any) -> None:
    user = make_user(Role.CITY_REVIEWER, "440100")
    client = Client()
    _login(client, user.username)
    assert client.get("/people/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 3600
    session.save()
    response = client.get("/people/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/people/").status_code == 302


def test_staff_with_totp_must_give_a_valid_token(make_user: Any) -> None:
    user = make_user(Role.CITY_REVIEWER, "440100")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    assert _login(client, user.username, otp="000000").status_code == 200
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows down guessing after a failure
    device.throttle_reset()
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    assert _login(client, user.username, otp=f"{token:06d}").status_code == 302
    assert client.get("/people/").status_code == 200


@override_settings(REGISTRY_REQUIRE_STAFF_MFA=True)
def test_mandatory_mfa_sends_staff_to_enrolment(make_user: Any) -> None:
    user = make_user(Role.CITY_REVIEWER, "440100")
    client = Client()
    _login(client, user.username)
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].endswith("/accounts/mfa/")
    page = client.get("/accounts/mfa/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    assert client.post("/accounts/mfa/", {"token": f"{token:06d}"}).status_code == 302
    assert client.get("/people/").status_code == 200


def test_open_redirect_is_refused(make_user: Any) -> None:
    user = make_user(Role.CITY_REVIEWER, "440100")
    response = Client().post(
        "/accounts/login/?next=https://evil.example/",
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]
