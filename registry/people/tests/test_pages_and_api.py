from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from registry.accounts.roles import Role
from registry.audit.models import AuditEvent
from registry.people.snapshot import person_archive_no

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_no_page_or_api_answer_holds_a_full_number(make_person: Any, make_user: Any, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    people = [make_person() for _ in range(3)]
    client = _client(make_user(Role.PROVINCE_REVIEWER))
    bodies = [client.get("/people/").content.decode()]
    for p in people:
        bodies.append(client.get(f"/people/{p.uid}/").content.decode())
        bodies.append(client.get(f"/api/v1/people/{p.uid}").content.decode())
    bodies.append(client.get("/api/v1/people", {"archive_no": person_archive_no(people[0])}).content.decode())
    text = "\n".join(bodies) + caplog.text
    for p in people:
        number = person_archive_no(p)
        assert number not in text
        assert p.archive_masked in text


def test_reveal_shows_the_number_only_with_permission_and_audits(make_person: Any, make_user: Any) -> None:
    person = make_person()
    reviewer = _client(make_user(Role.PROVINCE_REVIEWER))
    assert "查看完整号码" not in reviewer.get(f"/people/{person.uid}/").content.decode()
    assert reviewer.post(f"/people/{person.uid}/reveal/").status_code == 403
    admin_user = make_user(Role.PROVINCE_ADMIN)
    admin = _client(admin_user)
    assert "查看完整号码" in admin.get(f"/people/{person.uid}/").content.decode()
    response = admin.post(f"/people/{person.uid}/reveal/")
    assert person_archive_no(person) in response.content.decode()
    assert AuditEvent.objects.filter(action="person.reveal_archive_no", actor_id=admin_user.pk).count() == 1
    assert admin.get(f"/people/{person.uid}/reveal/").status_code == 405


def test_list_filters_counts_and_keyset_pages(make_person: Any, make_user: Any) -> None:
    made = [make_person() for _ in range(7)] + [make_person("440203") for _ in range(2)]
    client = _client(make_user(Role.PROVINCE_REVIEWER))
    with override_settings(REGISTRY_PAGE_SIZE=50):
        page = client.get("/people/", {"agency": "440106"})
    assert page.context["page"].total == 7
    women = [p for p in made if p.sex == "2"]
    assert client.get("/people/", {"sex": "2"}).context["page"].total == len(women)
    exact = client.get("/people/", {"q": person_archive_no(made[8])}).context["page"]
    assert [p.pk for p in exact.rows] == [made[8].pk]
    lower = client.get("/people/", {"q": person_archive_no(made[8]).lower()}).context["page"]
    assert lower.total == 1
    by_name = client.get("/people/", {"q": made[0].name}).context["page"]
    assert made[0].pk in [p.pk for p in by_name.rows]


def test_keyset_pagination_walks_every_row_once(make_person: Any, make_user: Any) -> None:
    from registry.people.selectors import PeopleFilter, people_page

    made = {make_person().pk for _ in range(5)}
    actor = make_user(Role.PROVINCE_REVIEWER)
    seen: list[int] = []
    after = None
    while True:
        page = people_page(actor, PeopleFilter(), after=after, size=2)
        seen += [p.pk for p in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_big_counts_are_capped(make_person: Any, make_user: Any, monkeypatch: Any) -> None:
    from registry.people import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(5):
        make_person()
    response = _client(make_user(Role.PROVINCE_REVIEWER)).get("/people/")
    assert response.context["page"].total_capped
    assert "超过 3" in response.content.decode()


def test_age_band_filter(make_person: Any, make_user: Any) -> None:
    from datetime import date

    from registry.people.selectors import PeopleFilter, people_filtered

    people = [make_person() for _ in range(8)]
    actor = make_user(Role.PROVINCE_REVIEWER)
    today = date(2026, 11, 29)
    for band, (low, high) in {"30-39": (30, 39), "50-59": (50, 59)}.items():
        got = {p.pk for p in people_filtered(actor, PeopleFilter(age_band=band), today=today)}
        ages = {
            p.pk: today.year
            - p.birth_date.year
            - ((today.month, today.day) < (p.birth_date.month, p.birth_date.day))
            for p in people
        }
        assert got == {pk for pk, age in ages.items() if low <= age <= high}


def test_detail_shows_tabs_and_history(make_person: Any, make_user: Any) -> None:
    person = make_person()
    page = _client(make_user(Role.COUNTY_REVIEWER, "440106")).get(f"/people/{person.uid}/").content.decode()
    for label in ("基础信息", "学历", "工作经历", "操作记录", "建立记录", person.name):
        assert label in page


class TestIdentityApi:
    url = "/api/v1/identity/validate"

    def setup_method(self) -> None:
        cache.clear()

    def test_valid_resident_number(self) -> None:
        body = (
            Client()
            .post(
                self.url,
                {"document_type": "resident_id", "number": "11010519491231002x"},
                content_type="application/json",
            )
            .json()
        )
        assert body == {
            "valid": True,
            "archive_no": "11010519491231002X",
            "birth_date": "1949-12-31",
            "sex": "2",
            "region_code": "110105",
            "errors": [],
        }

    def test_fifteen_digit_answers_with_eighteen(self) -> None:
        body = (
            Client()
            .post(
                self.url,
                {"document_type": "resident_id", "number": "110105491231002"},
                content_type="application/json",
            )
            .json()
        )
        assert body["valid"] and body["archive_no"] == "11010519491231002X"

    def test_invalid_number_is_200_with_errors(self) -> None:
        response = Client().post(
            self.url,
            {"document_type": "resident_id", "number": "110105194912310021"},
            content_type="application/json",
        )
        body = response.json()
        assert response.status_code == 200 and body["valid"] is False and body["archive_no"] is None
        assert (
            body["errors"][0]["code"] == "identity.check_mismatch" and body["errors"][0]["field"] == "number"
        )

    def test_passport_needs_nationality(self) -> None:
        body = (
            Client()
            .post(
                self.url,
                {"document_type": "passport", "number": "E12345678"},
                content_type="application/json",
            )
            .json()
        )
        assert not body["valid"] and body["errors"][0]["field"] == "nationality"
        ok = (
            Client()
            .post(
                self.url,
                {"document_type": "passport", "number": "e1234 5678", "nationality": "USA"},
                content_type="application/json",
            )
            .json()
        )
        assert ok["valid"] and ok["archive_no"] == "E12345678"

    def test_unknown_document_type_is_a_422(self) -> None:
        response = Client().post(
            self.url, {"document_type": "driving_licence", "number": "1"}, content_type="application/json"
        )
        assert response.status_code == 422

    @override_settings(NINJA_DEFAULT_THROTTLE_RATES={"identity": "3/min"})
    def test_rate_limited(self) -> None:
        codes = [
            Client()
            .post(
                self.url,
                {"document_type": "resident_id", "number": "11010519491231002X"},
                content_type="application/json",
            )
            .status_code
            for _ in range(5)
        ]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429


def test_openapi_and_offline_docs() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/identity/validate" in schema["paths"]
    docs = Client().get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "/static/ninja/" in docs
    record_schema = Client().get("/api/v1/standard/person-record.schema.json").json()
    assert record_schema["properties"]["spec_version"]["const"] == "1.0.0"
