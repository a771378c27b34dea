"""The highest level shows next to the person's name wherever they appear."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.accounts.roles import Role
from registry.qualifications.models import Qualification, QualificationStatus, Source

pytestmark = pytest.mark.django_db


def _hold(person: Any, level: str, title: str, cert: str) -> None:
    Qualification.objects.create(
        person=person,
        level=level,
        title=title,
        route="1",
        obtained_on="2015-05-01",
        certificate_no=cert,
        source=Source.AGENCY,
        status=QualificationStatus.APPROVED,
    )


def test_highest_level_in_list_rows_and_detail_header(make_person: Any, make_user: Any) -> None:
    people = [make_person() for _ in range(4)]
    _hold(people[0], "1", "助理会计师", "C1")
    _hold(people[0], "2", "会计师", "C2")
    pending = Qualification.objects.create(
        person=people[1],
        level="3",
        title="高级会计师",
        route="2",
        obtained_on="2016-05-01",
        certificate_no="C3",
        source=Source.SELF,
        status=QualificationStatus.PENDING,
    )
    client = Client()
    client.force_login(make_user(Role.PROVINCE_REVIEWER))
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/people/").content.decode()
    badge_queries = [q for q in queries.captured_queries if "qualifications_qualification" in q["sql"]]
    assert len(badge_queries) == 1  # one query for the whole page, not one per row
    assert (
        page.count(">中级<") == 1 and ">初级<" not in page and ">副高级<" not in page
    )  # pending ones don't count
    detail = client.get(f"/people/{people[0].uid}/").content.decode()
    assert ">中级<" in detail
    assert pending.status == QualificationStatus.PENDING
