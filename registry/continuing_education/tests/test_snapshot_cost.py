"""The CE section of a snapshot reads only the person's own rows, whatever the registry holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.people.snapshot import person_record

pytestmark = pytest.mark.django_db


def test_snapshot_does_not_load_other_peoples_qualifications(make_person: Any) -> None:
    # Through the app registry, as the module itself reads it: modules do not import each other.
    qualification = apps.get_model("qualifications", "Qualification")
    people = [make_person() for _ in range(3)]
    for i, other in enumerate(people[1:]):
        qualification.objects.create(
            person=other,
            level="1",
            title="助理会计师",
            route="1",
            obtained_on="2015-05-01",
            certificate_no=f"Q{i}",
            source="agency",
            status="approved",
        )
    with CaptureQueriesContext(connection) as queries:
        person_record(people[0])
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "qualifications_qualification"' in q["sql"]]
    # Each read is narrowed to this person in its WHERE clause (not the whole table, then filtered).
    assert reads and all('"person_id" = ' in sql.split(" WHERE ", 1)[-1] for sql in reads), reads
