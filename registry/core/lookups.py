"""`field__any=values`: membership in a list of plain values, cheap to bind for long lists.

On PostgreSQL the list travels as one array parameter (`= ANY(%s)`); Django's `__in` writes one
placeholder per value, and for a batch of 200 ids splicing them into the statement costs about
2.5 ms a query (measured against 0.8 ms), which the batch paths (hub ingest, import, statistics)
pay a dozen times per batch. Elsewhere `__any` is `__in`. Values must be plain (ids, codes, UUIDs),
not model instances or subqueries.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field
from django.db.models.fields.related import ForeignObject
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if not self.rhs_is_direct_value():
            raise TypeError("__any takes a list of values, not a subquery")
        values = list(dict.fromkeys(v for v in self.rhs if v is not None))
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        array = [field.get_db_prep_value(v, connection, prepared=True) for v in values]
        return f"{lhs} = ANY(%s)", (*lhs_params, array)


def register() -> None:
    Field.register_lookup(AnyOf)
    # A relation's lookups stop at ForeignObject in the class hierarchy, so it is registered there too.
    ForeignObject.register_lookup(AnyOf)
