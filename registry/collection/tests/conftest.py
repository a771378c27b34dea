"""A person who has registered through the portal, and one who is ready to submit."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from registry.accounts.models import User
from registry.collection import services
from registry.collection.proofs import required_proofs
from registry.documents.services import document_store
from registry.people.models import Person
from registry.people.services import person_update

PASSWORD = "a-long-portal-password"


def png(color: str = "white") -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), color).save(buf, "PNG")
    return ("scan.png", buf.getvalue())


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def register(agency: Any, fake_people: Iterator[Any]) -> Callable[..., User]:
    counter = iter(range(10_000))

    def make(**overrides: Any) -> User:
        fake = next(fake_people)
        data = {
            "document_type": "resident_id",
            "archive_no": fake.archive_no,
            "nationality": None,
            "name": fake.name,
            "mobile": f"139{next(counter):08d}",
            "email": "person@example.com",
            "password": PASSWORD,
        }
        data.update(overrides)
        return services.accountant_register(**data)

    return make


@pytest.fixture
def ready(register: Callable[..., User], fake_people: Iterator[Any]) -> Callable[..., User]:
    """Registered, pledge accepted, a complete record in 天河区, every proof, agency chosen."""

    def make(county: str = "440106", **overrides: Any) -> User:
        user = register(**overrides)
        services.collection_accept_pledge(actor=user, client_address="127.0.0.1")
        person = Person.objects.get(user=user)
        fake = next(f for f in fake_people if f.category == "1")
        work = [{**fake.work[0], "unit_region": county}]
        person_update(
            actor=user,
            person=person,
            changes={"education": fake.education, "work": work, "identity": {"ethnicity": "01"}},
        )
        for kind, _ in required_proofs("1"):
            document_store(actor=user, owner_uid=person.uid, kind=kind, files=[png()])
        services.collection_choose_agency(actor=user, agency_code=county)
        return user

    return make
