"""Registration asks the hub whether the number is registered in another province."""

from __future__ import annotations

from typing import Any

import pytest

from registry.audit.models import AuditEvent
from registry.collection import national
from registry.collection.services import accountant_register
from registry.core.errors import DomainError
from registry.hub.keys import key_install
from registry.people.services import archive_index_for
from registry.people.snapshot import person_archive_no
from registry.sync.national import hub_archive_check


@pytest.fixture
def as_shenzhen(settings, live_server, agency):
    """This test process plays 深圳's node, asking the hub served from the same database."""
    key_install(agency=agency("440300"), key_id="440300-k", secret=b"z" * 32)
    settings.REGISTRY_AGENCY_CODE = "440300"
    settings.REGISTRY_HUB_URL = live_server.url + "/hub/api/v1/"
    settings.REGISTRY_HUB_KEY_ID = "440300-k"
    settings.REGISTRY_HUB_KEY = (b"z" * 32).hex()


@pytest.mark.django_db(transaction=True)
def test_hub_answers_held_by_another_province(as_shenzhen, make_person):
    person = make_person()
    index = archive_index_for("resident_id", person_archive_no(person), None)
    answer = hub_archive_check(index)
    assert answer.state == national.HELD and "广东" in answer.holder
    assert hub_archive_check("0" * 64).state == national.FREE


@pytest.mark.django_db(transaction=True)
def test_unreachable_hub_answers_unknown(settings, agency):
    settings.REGISTRY_HUB_URL = "http://127.0.0.1:9/hub/api/v1/"  # nothing listens on port 9
    settings.REGISTRY_HUB_KEY_ID, settings.REGISTRY_HUB_KEY = "k", "00" * 32
    assert hub_archive_check("0" * 64).state == national.UNKNOWN


def _register(fake) -> Any:
    return accountant_register(
        document_type="resident_id",
        archive_no=fake.archive_no,
        nationality=None,
        name=fake.name,
        mobile=fake.mobile,
        email="a@example.cn",
        password="a-long-password-2026",
    )


@pytest.fixture
def check(monkeypatch):
    answers: list[national.NationalAnswer] = []
    monkeypatch.setattr(national, "_CHECKS", [lambda index: answers[0]])
    return answers


def test_registration_refused_when_held_elsewhere(check, fake_people, agency):
    check.append(national.NationalAnswer(national.HELD, "北京市财政局"))
    with pytest.raises(DomainError) as exc:
        _register(next(fake_people))
    assert exc.value.errors[0].code == "collection.registered_elsewhere"
    assert "北京市财政局" in exc.value.errors[0].message


def test_registration_goes_on_when_hub_is_unreachable_and_is_audited(check, fake_people, agency):
    check.append(national.NationalAnswer(national.UNKNOWN))
    user = _register(next(fake_people))
    assert user.national_check == "unknown"
    assert AuditEvent.objects.filter(action="collection.national_check_unavailable").exists()


def test_registration_free_nationally(check, fake_people, agency):
    check.append(national.NationalAnswer(national.FREE))
    user = _register(next(fake_people))
    assert user.person.status == "draft"
    assert not AuditEvent.objects.filter(action="collection.national_check_unavailable").exists()
