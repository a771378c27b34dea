"""Talent fixtures: the programme table (seeded again if a transactional test flushed it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from registry.accounts.models import User
from registry.people.models import Person
from registry.talents.programmes import programme_seed


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def entry(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"programme": "N01", "cohort_year": 2020, "cohort": "第十期", "status": "1"}
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _programmes(db: Any) -> None:
    programme_seed()


@pytest.fixture
def accountant(make_person: Callable[..., Person]) -> Callable[..., tuple[User, Person]]:
    counter = iter(range(10_000))

    def make(code: str = "440106") -> tuple[User, Person]:
        person = make_person(code)
        user = User.objects.create_user(
            username=f"talent{next(counter)}-{person.pk}", password="a-long-test-password"
        )
        Person.objects.filter(pk=person.pk).update(user=user)
        person.refresh_from_db()
        return user, person

    return make
