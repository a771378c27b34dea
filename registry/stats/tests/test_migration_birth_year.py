"""stats 0003: the birth-month cells an older node holds become the sums of their years."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_month_cells_become_year_cells_and_going_back_removes_them(agency: Any) -> None:
    agency("440106")  # a transactional test before this one may have flushed the agency tree
    executor = MigrationExecutor(connection)
    before, after = (
        [("stats", "0002_derived_rows_without_fk_constraints")],
        [("stats", "0003_birth_year_cells")],
    )
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        agency = old.get_model("orgs", "Agency").objects.get(code="440106")
        Cell = old.get_model("stats", "Cell")
        for value, status, n in [
            ("1980-01", "collected", 2),
            ("1980-12", "collected", 3),
            ("1980-05", "draft", 1),
            ("1981-02", "collected", 4),
        ]:
            Cell.objects.create(agency=agency, dim="bm", value=value, status=status, n=n)
        Cell.objects.create(agency=agency, dim="bd", value="1980-01-02", status="collected", n=2)

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("stats", "Cell")
        years = {(c.value, c.status): c.n for c in new.objects.filter(dim="by")}
        assert years == {("1980", "collected"): 5, ("1980", "draft"): 1, ("1981", "collected"): 4}
        assert not new.objects.filter(dim="bm").exists()
        assert new.objects.filter(dim="bd").count() == 1  # day cells are untouched

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert not Cell.objects.filter(dim="by").exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
