"""A person in 天河区 with a portal account, agency staff, and entries made on a fixed day."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PIL import Image

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.credit import clock, services
from registry.credit.models import CreditRecord
from registry.people.models import Person

TODAY = date(2026, 11, 20)  # a Friday


def png(color: str = "white") -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), color).save(buf, "PNG")
    return ("decision.png", buf.getvalue())


@pytest.fixture(autouse=True)
def _today(monkeypatch: Any) -> None:
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def clerk(make_user: Callable[..., User]) -> User:
    """A reviewer of 天河区: enters and decides for people there."""
    return make_user(Role.COUNTY_REVIEWER, "440106")


@pytest.fixture
def owned(make_person: Callable[..., Person], make_user: Callable[..., User]) -> Callable[..., Person]:
    """A person of 天河区 who has a portal account (person.user)."""

    def make(code: str = "440106") -> Person:
        person = make_person(code)
        user = make_user()
        Person.objects.filter(pk=person.pk).update(user=user)
        person.refresh_from_db()
        return person

    return make


def dishonour(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "dishonour",
        "item": "伪造会计凭证",
        "decided_by": "广东省财政厅",
        "decided_on": date(2026, 11, 16),
        "document_no": "粤财罚〔2026〕12号",
        "penalty": "3",
        "basis": "《中华人民共和国会计法》第四十一条",
        "public_until": date(2029, 11, 16),
    }
    data.update(overrides)
    return data


def honour(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "honour",
        "item": "先进会计工作者",
        "level": "省级",
        "decided_by": "广东省人民政府",
        "decided_on": date(2026, 10, 1),
        "document_no": "粤府〔2026〕3号",
    }
    data.update(overrides)
    return data


@pytest.fixture
def add(clerk: User) -> Callable[..., CreditRecord]:
    def make(person: Person, data: dict[str, Any] | None = None, actor: Any = None) -> CreditRecord:
        return services.credit_add(
            actor=actor or clerk, person=person, data=data or dishonour(), evidence_files=[png()]
        )

    return make
