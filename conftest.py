"""Shared fixtures: the agency tree is built once per test database; people are synthetic."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.accounts.services import membership_grant
from registry.ops.synthetic import people
from registry.orgs.models import Agency
from registry.orgs.services import agencies_sync
from registry.people.models import Person
from registry.people.services import person_create

PROVINCE = "440000"
GUANGZHOU, TIANHE, YUEXIU = "440100", "440106", "440104"
SHAOGUAN, WUJIANG = "440200", "440203"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        agencies_sync(PROVINCE)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters live in the cache; one test's attempts must not limit the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def agency(db: Any) -> Callable[[str], Agency]:
    # A transactional test flushes the database when it ends; rebuild the tree if so.
    if not Agency.objects.filter(code=PROVINCE).exists():
        agencies_sync(PROVINCE)
    return lambda code: Agency.objects.get(code=code)


@pytest.fixture
def fake_people() -> Iterator[Any]:
    """Synthetic accountants: valid-looking numbers that belong to nobody."""
    counties = {TIANHE: "广州", YUEXIU: "广州", WUJIANG: "韶关"}
    return people(random.Random(42), counties, date(2026, 11, 1))


@pytest.fixture
def make_person(
    db: Any, fake_people: Iterator[Any], agency: Callable[[str], Agency]
) -> Callable[..., Person]:
    def make(code: str = TIANHE, **overrides: Any) -> Person:
        fake = next(f for f in fake_people if f.category == "1")
        identity = {
            "document_type": "resident_id",
            "archive_no": fake.archive_no,
            "name": fake.name,
            "mobile": fake.mobile,
            "ethnicity": "01",
        }
        identity.update(overrides.pop("identity", {}))
        kwargs: dict[str, Any] = {"category": "1", "education": fake.education, "work": fake.work}
        kwargs.update(overrides)
        return person_create(actor=None, agency=agency(code), identity=identity, **kwargs)

    return make


@pytest.fixture
def make_user(db: Any, agency: Callable[[str], Agency]) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: Role | None = None, code: str = PROVINCE, username: str | None = None) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(counter)}",
            password="a-long-test-password",
            display_name="测试用户",
        )
        if role is not None:
            membership_grant(user=user, agency=agency(code), role=role)
        return user

    return make


CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("CI must install Debian's chromium for the browser tests (.ci/run does)")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed on this machine (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )
        yield b
        b.close()
