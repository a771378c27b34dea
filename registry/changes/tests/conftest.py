"""An accountant with a collected record and an account, and helpers to propose changes."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.people.models import Person
from registry.people.snapshot import person_record


def png(color: str = "white") -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), color).save(buf, "PNG")
    return ("proof.png", buf.getvalue())


@pytest.fixture
def owned(make_person: Callable[..., Person], make_user: Callable[..., User]) -> Callable[..., Person]:
    """A collected person (天河 by default) who can log in as `person.user`."""

    def make(code: str = "440106", **overrides: Any) -> Person:
        person = make_person(code, **overrides)
        user = make_user(Role.ACCOUNTANT, code)
        Person.objects.filter(pk=person.pk).update(user=user)
        person.refresh_from_db()
        return person

    return make


def work_with(person: Person, **changes: Any) -> list[dict[str, Any]]:
    """The person's work rows in the standard's form, the first one changed."""
    rows = [w.model_dump(mode="json") for w in person_record(person).work]
    rows[0] = {**rows[0], **changes}
    return rows


def identity_with(person: Person, **changes: Any) -> dict[str, Any]:
    return {**person_record(person).identity.model_dump(mode="json"), **changes}
