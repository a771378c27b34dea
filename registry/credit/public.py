"""The public credit query (DOMAIN.md §6): name, masked number, and each public item with its
deciding body and period — nothing else. No match, a name that does not fit the number and a
person without public items all get the same answer, so the page tells nobody who is registered."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from registry.people.models import Person
from registry.people.services import archive_index_for
from registry.standard.codes import load_table
from registry.standard.identity import check_identity
from registry.standard.masking import mask_archive_no

from .models import IN_FORCE, CreditRecord, Kind

NO_ANSWER = "未查询到公开的信用信息"


@dataclass(frozen=True)
class PublicItem:
    kind: str  # 守信 / 失信
    item: str
    decided_by: str
    period: str


@dataclass(frozen=True)
class PublicAnswer:
    name: str
    masked_no: str
    items: list[PublicItem]


def _normal_name(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _numbers(raw: str) -> list[str]:
    """The number as typed (upper-cased, no spaces) and, for an ID number, its standard form."""
    typed = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    result = check_identity("resident_id", typed)
    return list(dict.fromkeys([n for n in (result.archive_no, typed) if n]))


def _period(record: CreditRecord) -> str:
    start = record.effective_on if record.kind == Kind.DISHONOUR else record.decided_on
    end = f"{record.public_until:%Y-%m-%d}" if record.public_until else "长期"
    text = f"{start:%Y-%m-%d} 至 {end}"
    if record.serious:
        until = "永久" if record.blacklist_permanent else f"至 {record.blacklisted_until:%Y-%m-%d}"
        text += f"（列入严重失信黑名单，{until}）"
    return text


def _item(record: CreditRecord) -> str:
    if record.kind == Kind.HONOUR:
        return f"{record.item}（{record.level}）"
    penalty = load_table("penalty_kind").label(record.penalty) if record.penalty else ""
    return f"{record.item}（{penalty}）" if penalty else record.item


def public_items(person: Person, today: date) -> list[PublicItem]:
    """守信 items, and 失信 items within their public period; never superseded or withdrawn ones."""
    records = CreditRecord.objects.filter(person=person, status__in=IN_FORCE).order_by("-decided_on", "-id")
    return [
        PublicItem(
            kind=Kind(r.kind).label,
            item=_item(r),
            decided_by=r.decided_by,
            period=_period(r),
        )
        for r in records
        if r.public_on(today)
    ]


def public_query(name: str, archive_no: str, today: date) -> PublicAnswer | None:
    wanted = _normal_name(name or "")
    numbers = _numbers(archive_no or "")
    if not wanted or not numbers:
        return None
    by_index = {archive_index_for("resident_id", n, None): n for n in numbers}
    person = (
        Person.objects.filter(archive_index__in=list(by_index)).only("pk", "name", "archive_index").first()
    )
    if person is None or _normal_name(person.name) != wanted:
        return None
    items = public_items(person, today)
    if not items:
        return None
    return PublicAnswer(
        name=person.name, masked_no=mask_archive_no(by_index[person.archive_index]), items=items
    )
