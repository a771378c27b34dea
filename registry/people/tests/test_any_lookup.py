"""core.lookups: `__any` finds exactly what `__in` finds on every database; one array on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.orgs.models import Agency
from registry.people.models import Education, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(make_person: Callable[..., Person]) -> list[Person]:
    return [make_person(), make_person(), make_person("440104")]


def _pks(qs: Any) -> list[int]:
    return sorted(qs.values_list("pk", flat=True))


def test_any_matches_in_for_ids_strings_uuids_and_relations(three: list[Person]) -> None:
    a, b, c = three
    cases: list[tuple[str, list[Any]]] = [
        ("pk", [a.pk, c.pk, 10**12]),
        ("archive_index", [a.archive_index, b.archive_index, "no-such-index"]),
        ("uid", [b.uid, uuid.uuid4()]),
        ("agency_id", [c.agency_id]),
        ("agency", [a.agency_id]),
    ]
    for field, values in cases:
        got = _pks(Person.objects.filter(**{f"{field}__any": values}))
        want = _pks(Person.objects.filter(**{f"{field}__in": values}))
        assert got == want and got, field
    # Across a relation, and negated.
    assert _pks(Education.objects.filter(person_id__any=[a.pk])) == _pks(Education.objects.filter(person=a))
    assert _pks(Person.objects.exclude(pk__any=[a.pk, b.pk]).filter(pk__any=[a.pk, b.pk, c.pk])) == [c.pk]


def test_empty_list_and_none_values(three: list[Person]) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert list(Person.objects.filter(pk__any=[])) == []
        assert list(Person.objects.filter(pk__any=[None])) == []
    assert len(queries) == 0  # known empty without asking the database, as `__in` does
    a = three[0]
    assert _pks(Person.objects.filter(pk__any=[None, a.pk, a.pk])) == [a.pk]


def test_strings_with_quotes_and_chinese_are_bound_not_spliced(three: list[Person]) -> None:
    tricky = ["广东'); DROP TABLE people_person; --", 'a"b', "{1,2}", "\\"]
    assert list(Agency.objects.filter(code__any=tricky)) == []
    assert Person.objects.count() == 3
    codes = ["440000", *tricky]
    assert list(Agency.objects.filter(code__any=codes).values_list("code", flat=True)) == ["440000"]


def test_postgresql_binds_one_array(three: list[Person]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the array form is PostgreSQL's; elsewhere __any is __in (checked above)")
    ids = [p.pk for p in three]
    with CaptureQueriesContext(connection) as queries:
        list(Person.objects.filter(pk__any=ids))
    sql = queries[0]["sql"]
    assert "= ANY(" in sql and " IN (" not in sql


def test_subquery_is_refused(three: list[Person]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only the array form needs plain values; __in's subquery form works elsewhere")
    with pytest.raises(TypeError, match="list of values"):
        list(Person.objects.filter(pk__any=Person.objects.values("pk")))
