"""People with known accounting start dates, staff of each kind, and a fixed 'today'."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from PIL import Image

from registry.accounts.models import User
from registry.continuing_education import config
from registry.people.models import Person

TODAY = date(2026, 2, 15)  # before 2025's default close date (2026-03-31)


def png(color: str = "white") -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), color).save(buf, "PNG")
    return ("certificate.png", buf.getvalue())


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Every test runs on TODAY unless it moves the clock with `today(date)`."""

    def move(day: date) -> None:
        monkeypatch.setattr(config, "today", lambda: day)

    move(TODAY)
    return move


@pytest.fixture(autouse=True)
def _only_this_module() -> Iterator[None]:
    """The person's snapshot, tabs and list filters with this module's hooks only: the other
    modules are tested by their own suites (and may be mid-change while this one runs)."""
    from registry.continuing_education.hooks import section
    from registry.people import hooks, snapshot

    saved: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (d, dict(d)) for d in (snapshot.SECTIONS, hooks.TABS, hooks.FILTERS)
    ]
    mine: list[dict[str, Any]] = [
        {"continuing_education": section},
        {"continuing_education": hooks.TABS["continuing_education"]},
        {"ce": hooks.FILTERS["ce"]},
    ]
    for (d, _), keep in zip(saved, mine, strict=True):
        d.clear()
        d.update(keep)
    yield
    for d, old in saved:
        d.clear()
        d.update(old)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def accountant(make_person: Callable[..., Person]) -> Callable[..., Person]:
    """A collected person in accounting work since `since` (default 2020-03-01), 天河区 by default."""

    def make(
        code: str = "440106", since: date = date(2020, 3, 1), until: date | None = None, **kw: Any
    ) -> Person:
        work = [
            {
                "start_date": since,
                "end_date": until,
                "unit_name": "广州华信贸易有限公司",
                "is_accounting": True,
                "unit_region": code,
            }
        ]
        return make_person(code, work=work, **kw)

    return make


@pytest.fixture
def with_login(make_user: Callable[..., User]) -> Callable[[Person], User]:
    """Give a person a portal account (as registration would)."""

    def attach(person: Person) -> User:
        user = make_user(None)
        Person.objects.filter(pk=person.pk).update(user=user)
        person.user = user
        return user

    return attach


def entry(**overrides: Any) -> dict[str, Any]:
    """A face-to-face training day of 2025: 10 专业 credits."""
    data: dict[str, Any] = {
        "held_on": "2025-06-10",
        "form": "1",
        "subject": "1",
        "days": "1",
        "provider": "省会计学会",
    }
    data.update(overrides)
    return data
