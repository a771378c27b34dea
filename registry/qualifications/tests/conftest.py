"""Qualification fixtures: an accountant with an account and a collected record, proofs as images."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from registry.accounts.models import User
from registry.people.models import Person


def png() -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), "white").save(buf, "PNG")
    return ("certificate.png", buf.getvalue())


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entry(**overrides: Any) -> dict[str, Any]:
    """A valid 中级 exam qualification; certificate numbers differ by test through overrides."""
    data: dict[str, Any] = {
        "level": "2",
        "title": "会计师",
        "route": "1",
        "obtained_on": date(2018, 9, 1),
        "certificate_no": "Z2018440100001",
        "issuer": "广东省人力资源和社会保障厅",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def accountant(make_person: Callable[..., Person]) -> Callable[..., tuple[User, Person]]:
    """A person with a portal account (collected unless told otherwise)."""
    counter = iter(range(10_000))

    def make(code: str = "440106", status: str = "collected") -> tuple[User, Person]:
        person = make_person(code)
        user = User.objects.create_user(
            username=f"acct{next(counter)}-{person.pk}",
            password="a-long-test-password",
            display_name=person.name,
        )
        Person.objects.filter(pk=person.pk).update(user=user, status=status)
        person.refresh_from_db()
        return user, person

    return make
