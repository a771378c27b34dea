from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from registry.accounts.models import User
from registry.ops.sample_proofs import sample_image
from registry.people.models import Person


@pytest.fixture
def proof() -> list[tuple[str, bytes]]:
    return [("work.png", sample_image("work", "工作证明"))]


@pytest.fixture
def accountant(make_person: Callable[..., Person], make_user: Callable[..., User]) -> Callable[..., Any]:
    def make(code: str = "440106") -> tuple[User, Person]:
        person = make_person(code, identity={"email": "p@example.cn"})
        user = make_user()
        Person.objects.filter(pk=person.pk).update(user=user)
        person.refresh_from_db()
        return user, person

    return make
