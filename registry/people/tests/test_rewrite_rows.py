"""core.rows.rewrite_rows on persons: the named fields written back, the others left."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.core.rows import rewrite_rows
from registry.people.models import Person


def test_named_fields_are_written_and_the_others_left(make_person, agency) -> None:
    people = [make_person("440106") for _ in range(3)]
    other = agency("440203")
    for i, p in enumerate(people):
        p.name, p.mobile, p.agency = f"改名{i}", "13900000000", other
    with CaptureQueriesContext(connection) as queries:
        rewrite_rows(people, ["name", "agency_id"])
    assert len([q for q in queries if q["sql"].startswith("UPDATE")]) <= len(people)
    for i, p in enumerate(people):
        stored = Person.objects.get(pk=p.pk)
        assert (stored.name, stored.agency_id) == (f"改名{i}", other.pk)
        assert stored.mobile != "13900000000"


def test_an_unknown_field_is_refused_before_anything_is_written(make_person) -> None:
    person = make_person("440106")
    person.name = "不应写入"
    with pytest.raises(ValueError):
        rewrite_rows([person], ["name", "no_such_field"])
    assert Person.objects.get(pk=person.pk).name != "不应写入"
    rewrite_rows([], ["name"])  # nothing to do
