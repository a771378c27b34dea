"""Writers in parallel threads (each its own connection and transaction) add up in the cells."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.people.models import Person
from registry.qualifications.services import qualification_add
from registry.stats.aggregates import stats_verify
from registry.stats.models import Cell


@pytest.mark.django_db(transaction=True)
def test_parallel_writes_leave_cells_equal_to_a_recount(
    make_person: Any, make_user: Any, agency: Any
) -> None:
    admin_id = make_user(Role.PROVINCE_ADMIN, "440000").pk
    ids = [make_person("440106").pk for _ in range(6)] + [make_person("440203").pk for _ in range(2)]
    start = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def write(n: int, pk: int) -> None:
        try:
            actor = User.objects.get(pk=admin_id)
            person = Person.objects.get(pk=pk)
            start.wait(timeout=30)
            qualification_add(
                actor=actor,
                person=person,
                data={
                    "level": "2",
                    "route": "1",
                    "obtained_on": date(2015, 1, 1 + n),
                    "certificate_no": f"P{pk}",
                },
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n, pk)) for n, pk in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    report = stats_verify()
    assert report.ok, report.problems
    province = agency("440000")
    assert Cell.objects.get(agency=province, dim="ql", value="2", status="collected").n == 8
    assert Cell.objects.get(agency=agency("440100"), dim="ql", value="2", status="collected").n == 6
