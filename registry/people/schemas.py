from __future__ import annotations

from datetime import date
from uuid import UUID

from ninja import Schema


class PersonSummaryOut(Schema):
    id: UUID
    name: str
    archive_no_masked: str
    document_type: str
    sex: str
    birth_date: date
    agency_code: str
    agency_name: str
    status: str
    highest_education: str
    version: int


class PersonPageOut(Schema):
    total: int
    next_after: int | None
    items: list[PersonSummaryOut]
