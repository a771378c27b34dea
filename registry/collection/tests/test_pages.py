"""The pages around the services: who may open what, forged fields, walk-in entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.collection import services
from registry.collection.models import Collection
from registry.core.errors import DomainError
from registry.documents.selectors import current_documents
from registry.people.models import Person
from registry.people.snapshot import person_archive_no

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_proofs_are_served_only_to_their_person_and_reviewers_in_scope(ready: Any, make_user: Any) -> None:
    alice, bob = ready(), ready()
    services.collection_submit(actor=alice)
    alice_person = Person.objects.get(user=alice)
    doc = current_documents(alice_person.uid)["id_front"]
    collection = Collection.objects.get(person=alice_person)
    assert _client(alice).get(f"/portal/documents/{doc.uid}/").status_code == 200
    assert _client(bob).get(f"/portal/documents/{doc.uid}/").status_code == 404
    reviewer = make_user(Role.COUNTY_REVIEWER, "440106")
    response = _client(reviewer).get(f"/review/{collection.uid}/documents/{doc.uid}/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(action="document.read", actor_id=reviewer.pk).count() == 1
    other = make_user(Role.COUNTY_REVIEWER, "440104")
    assert _client(other).get(f"/review/{collection.uid}/documents/{doc.uid}/").status_code == 404
    assert _client(other).get(f"/review/{collection.uid}/").status_code == 404
    # A document of another person through this collection's URL is not found either.
    bob_doc = current_documents(Person.objects.get(user=bob).uid)["id_front"]
    assert _client(reviewer).get(f"/review/{collection.uid}/documents/{bob_doc.uid}/").status_code == 404


def test_accountant_and_auditor_cannot_use_the_queue(ready: Any, make_user: Any) -> None:
    user = ready()
    assert _client(user).get("/review/").status_code == 403
    auditor = make_user(Role.AUDITOR, "440000")
    assert _client(auditor).get("/review/").status_code == 403


def test_queue_shows_oldest_first_and_overdue(ready: Any, make_user: Any) -> None:
    from datetime import date, timedelta

    first, second = ready(), ready()
    services.collection_submit(actor=first)
    services.collection_submit(actor=second)
    Collection.objects.filter(person__user=first).update(deadline=date.today() - timedelta(days=1))
    page = _client(make_user(Role.CITY_REVIEWER, "440100")).get("/review/")
    rows = page.context["rows"]
    assert [c.person.user_id for c in rows] == [first.pk, second.pk]
    assert page.context["overdue"] == 1 and page.context["pending"] == 2
    assert "超期" in page.content.decode()
    only_overdue = _client(make_user(Role.CITY_REVIEWER, "440100")).get("/review/", {"overdue": "1"})
    assert [c.person.user_id for c in only_overdue.context["rows"]] == [first.pk]


def test_portal_never_takes_a_person_from_the_form(ready: Any) -> None:
    alice, bob = ready(), ready()
    bob_person = Person.objects.get(user=bob)
    before = bob_person.version
    client = _client(alice)
    client.post(
        "/portal/basic/",
        {
            "category": "1",
            "version": "1",
            "person": str(bob_person.uid),
            "uid": str(bob_person.uid),
            "address": "伪造",
        },
    )
    assert Person.objects.get(user=bob).version == before
    response = client.post("/portal/agency/", {"agency": "440203"})
    assert Collection.objects.get(person__user=alice).agency.code == "440106"
    assert response.status_code == 200


def test_stale_step_is_refused(ready: Any) -> None:
    user = ready()
    person = Person.objects.get(user=user)
    client = _client(user)
    data = {"category": "1", "ethnicity": "01", "version": str(person.version - 1)}
    page = client.post("/portal/basic/", data).content.decode()
    assert "已被他人修改" in page


def test_walk_in_creates_a_collected_record(make_user: Any, fake_people: Any) -> None:
    fake = next(f for f in fake_people if f.category == "1")
    staff = make_user(Role.COUNTY_REVIEWER, "440106")
    client = _client(staff)
    form = {
        "agency": "440106",
        "document_type": "resident_id",
        "archive_no": fake.archive_no,
        "name": fake.name,
        "category": "1",
        "ethnicity": "01",
        "edu-mode": "1",
        "edu-school": "广东财经大学",
        "edu-education": "21",
        "work-unit_name": "广州华信贸易有限公司",
        "work-unit_region": "440106",
        "work-start_date": "2015-03-01",
        "work-is_accounting": "on",
    }
    response = client.post("/review/walk-in/", form)
    assert response.status_code == 302
    person = Person.objects.get(name=fake.name)
    assert person.status == "collected" and person.agency.code == "440106"
    assert Collection.objects.get(person=person).status == "approved"
    again = client.post("/review/walk-in/", form).content.decode()
    assert "已在本系统登记" in again and Person.objects.filter(name=fake.name).count() == 1
    assert person_archive_no(person) == fake.archive_no
    # Another county's agency: refused by the form, and by the service if the form were bypassed.
    other = next(f for f in fake_people if f.category == "1")
    page = client.post("/review/walk-in/", {**form, "archive_no": other.archive_no, "agency": "440104"})
    assert "不在可用的选项中" in page.content.decode()
    with pytest.raises(DomainError) as exc:
        services.collection_walk_in(
            actor=staff, agency_code="440104", identity={}, category="1", education=[], work=[], student=None
        )
    assert exc.value.errors[0].code == "collection.bad_agency"
    assert not Person.objects.filter(name=other.name).exists()
