"""Code tables of data standard v1 (会计人员信息表): one loader for every table.

Each table is a versioned data file ``data/<name>.json`` naming its standard, the
standard's edition or data version, a date and a source.  Load one with
:func:`load_table`; tables are parsed once and cached::

    from registry.standard.codes import divisions, load_table

    load_table("ethnicity").label("01")          # '汉族'
    load_table("sex").contains("3")              # False
    load_table("education").choices()            # [('10', '研究生教育'), ...]
    divisions().full_name("440106")              # '广东省 广州市 天河区'

Retired codes (e.g. a county merged into a district) stay readable — ``label``
and ``get`` find them — but ``contains`` and ``choices`` leave them out unless
asked, so new data cannot use them.

Pure Python, no Django.  The data files are read with :mod:`importlib.resources`,
so this works from an installed wheel (the wheel must include
``registry/standard/codes/data/*.json`` as package data).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "TABLES",
    "CodeEntry",
    "CodeTable",
    "DivisionTable",
    "divisions",
    "load_table",
]

TABLES: tuple[str, ...] = (
    "sex",
    "ethnicity",
    "political_status",
    "education",
    "degree",
    "country",
    "division",
    "industry",
    "person_category",
    "training_mode",
    "qualification_level",
    "qualification_route",
    "accounting_post",
    "unit_nature",
    "document_type",
    "person_status",
    "ce_form",
    "ce_subject",
    "ce_route",
    "talent_programme",
    "talent_status",
    "credit_kind",
    "penalty_kind",
)
"""Names of all code tables, in the order of the data standard."""

_HEADER_KEYS = ("table", "title", "standard", "version", "date", "source")
_ENTRY_KEYS = frozenset(
    {"code", "name", "retired", "level", "parent", "rank", "note", "retired_note", "grouping", "zone"}
)
_EMPTY: Mapping[str, Any] = MappingProxyType({})

PROVINCE, CITY, COUNTY = "province", "city", "county"


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One code of a table.

    ``level``/``parent`` describe hierarchies (divisions; education and degree
    categories); ``rank`` orders levels where a "highest" is derived (lower is
    higher).  For divisions, ``grouping`` marks statistical placeholder cities
    (直辖市 市辖区/县, 省直辖县级行政区划) and ``zone`` marks 开发区/园区 codes
    that exist only in the statistical list.  Table-specific fields (alpha-2 and
    numeric codes of countries, the standard's full name, ...) are in ``extra``.
    """

    code: str
    name: str
    retired: bool = False
    level: str | None = None
    parent: str | None = None
    rank: int | None = None
    note: str | None = None
    retired_note: str | None = None
    grouping: bool = False
    zone: bool = False
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False, hash=False, repr=False)


@dataclass(frozen=True, eq=False)
class CodeTable:
    """A loaded code table; ``entries`` keeps the file's order."""

    name: str
    title: str
    standard: str
    version: str
    date: date
    source: str
    entries: Mapping[str, CodeEntry]
    note: str = ""
    meta: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False)
    """Other header fields of the data file (``issued``, ``sources``, ...)."""

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[CodeEntry]:
        return iter(self.entries.values())

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.contains(code)

    def get(self, code: str) -> CodeEntry | None:
        """The entry for ``code``, retired or not; ``None`` if unknown."""
        return self.entries.get(code)

    def __getitem__(self, code: str) -> CodeEntry:
        try:
            return self.entries[code]
        except KeyError:
            raise KeyError(f"{self.name}: unknown code {code!r}") from None

    def contains(self, code: str, *, allow_retired: bool = False) -> bool:
        """Whether ``code`` is valid for new data (or, with ``allow_retired``, known at all)."""
        entry = self.entries.get(code)
        return entry is not None and (allow_retired or not entry.retired)

    def label(self, code: str) -> str:
        """The display name of ``code`` (retired codes too); ``KeyError`` if unknown."""
        return self[code].name

    def choices(self, *, include_retired: bool = False) -> list[tuple[str, str]]:
        """``(code, name)`` pairs in table order, for forms and API enums."""
        return [(e.code, e.name) for e in self.entries.values() if include_retired or not e.retired]


class DivisionTable:
    """行政区划 (GB/T 2260): the ``division`` code table with tree helpers.

    A wrapper rather than a subclass, so that :meth:`name` can answer a code's
    name while the table's own name stays ``table.name``.  The table methods
    (``contains``, ``label``, ``choices``, ``get``, ``[code]``, ``in``, ``len``)
    are delegated.

    The tree is the administrative one used for 属地 routing: province → city →
    county, except that counties under a municipality or directly under a
    province (直辖市的区县, 省直辖县级市) have the province as parent.  Their
    statistical placeholder cities (110100 市辖区, 429000 省直辖县级行政区划, ...)
    remain as entries with ``grouping=True``; :meth:`children` of a province and
    :meth:`full_name` of a county skip them.
    """

    __slots__ = ("_kids", "table")

    def __init__(self, table: CodeTable) -> None:
        self.table = table
        kids: dict[str, list[CodeEntry]] = {}
        for e in table.entries.values():
            if e.parent is not None and not e.grouping:
                kids.setdefault(e.parent, []).append(e)
        self._kids: Mapping[str, tuple[CodeEntry, ...]] = MappingProxyType(
            {k: tuple(sorted(v, key=lambda e: e.code)) for k, v in kids.items()}
        )

    # -- the code table -------------------------------------------------------
    @property
    def entries(self) -> Mapping[str, CodeEntry]:
        return self.table.entries

    @property
    def date(self) -> date:
        return self.table.date

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self) -> Iterator[CodeEntry]:
        return iter(self.table)

    def __contains__(self, code: object) -> bool:
        return code in self.table

    def __getitem__(self, code: str) -> CodeEntry:
        return self.table[code]

    def get(self, code: str) -> CodeEntry | None:
        return self.table.get(code)

    def contains(self, code: str, *, allow_retired: bool = False) -> bool:
        return self.table.contains(code, allow_retired=allow_retired)

    def label(self, code: str) -> str:
        return self.table.label(code)

    def choices(self, *, include_retired: bool = False) -> list[tuple[str, str]]:
        return self.table.choices(include_retired=include_retired)

    # -- tree helpers -----------------------------------------------------------
    def is_known(self, code: str) -> bool:
        """Whether the code is in the table, current or retired."""
        return code in self.table.entries

    def is_retired(self, code: str) -> bool:
        """Whether the code is a retired one; ``False`` for unknown codes."""
        entry = self.table.get(code)
        return entry is not None and entry.retired

    def name(self, code: str) -> str:
        """The division's own name (``'天河区'``); ``KeyError`` if unknown.  See :meth:`full_name`."""
        return self.table[code].name

    def province_of(self, code: str) -> str | None:
        """The province-level code containing ``code``.

        Works from the first two digits, so it also answers for codes that are
        not in the table (old area codes in ID numbers), as long as the
        province exists.  ``None`` if it does not.
        """
        if len(code) != 6 or not code.isdigit():
            return None
        prov = code[:2] + "0000"
        return prov if prov in self.table.entries else None

    def city_of(self, code: str) -> str | None:
        """The prefecture-level code containing ``code``.

        A city answers itself; a county its city.  ``None`` for provinces,
        grouping entries, counties with no prefecture-level parent (districts of
        municipalities, 省直辖县级市) and unknown codes.
        """
        entry = self.table.get(code)
        while entry is not None:
            if entry.level == CITY:
                return None if entry.grouping else entry.code
            if entry.level == PROVINCE or entry.parent is None:
                return None
            entry = self.table.get(entry.parent)
        return None

    def children(self, code: str, *, include_retired: bool = False) -> tuple[CodeEntry, ...]:
        """Direct subordinates of ``code`` in the administrative tree, sorted by code.

        For a grouping entry (e.g. 500200 县), the counties it groups.
        ``KeyError`` if ``code`` is unknown.
        """
        entry = self.table[code]
        kids: tuple[CodeEntry, ...]
        if entry.grouping:
            kids = tuple(
                e
                for e in self._kids.get(entry.parent or "", ())
                if e.level == COUNTY and e.code[:4] == code[:4]
            )
        else:
            kids = self._kids.get(code, ())
        return kids if include_retired else tuple(e for e in kids if not e.retired)

    def ancestors(self, code: str) -> tuple[CodeEntry, ...]:
        """The entries from the province down to ``code`` itself; ``KeyError`` if unknown."""
        chain = [self.table[code]]
        while chain[-1].parent is not None:
            chain.append(self.table[chain[-1].parent])
        return tuple(reversed(chain))

    def full_name(self, code: str, sep: str = " ") -> str:
        """Full path name, e.g. ``'广东省 广州市 天河区'`` or ``'北京市 东城区'``; ``KeyError`` if unknown."""
        return sep.join(e.name for e in self.ancestors(code))

    def provinces(self, *, include_retired: bool = False) -> tuple[CodeEntry, ...]:
        """Province-level entries (31 provinces + 71, 81, 82)."""
        return tuple(
            e
            for e in self.table.entries.values()
            if e.level == PROVINCE and (include_retired or not e.retired)
        )


def _entry(raw: Mapping[str, Any], table: str) -> CodeEntry:
    try:
        code, name = raw["code"], raw["name"]
    except KeyError as exc:
        raise ValueError(f"{table}: entry without {exc.args[0]!r}: {raw!r}") from None
    if not isinstance(code, str) or not code or not isinstance(name, str) or not name:
        raise ValueError(f"{table}: bad code or name in {raw!r}")
    extra = {k: v for k, v in raw.items() if k not in _ENTRY_KEYS}
    return CodeEntry(
        code=code,
        name=name,
        retired=bool(raw.get("retired", False)),
        level=raw.get("level"),
        parent=raw.get("parent"),
        rank=raw.get("rank"),
        note=raw.get("note"),
        retired_note=raw.get("retired_note"),
        grouping=bool(raw.get("grouping", False)),
        zone=bool(raw.get("zone", False)),
        extra=MappingProxyType(extra) if extra else _EMPTY,
    )


def _parse(name: str, doc: Mapping[str, Any]) -> CodeTable:
    missing = [k for k in _HEADER_KEYS if not doc.get(k)]
    if missing:
        raise ValueError(f"{name}.json: header lacks {', '.join(missing)}")
    if doc["table"] != name:
        raise ValueError(f"{name}.json declares table {doc['table']!r}")
    entries: dict[str, CodeEntry] = {}
    for raw in doc.get("entries") or ():
        entry = _entry(raw, name)
        if entry.code in entries:
            raise ValueError(f"{name}: duplicate code {entry.code!r}")
        entries[entry.code] = entry
    if not entries:
        raise ValueError(f"{name}.json has no entries")
    for entry in entries.values():
        if entry.parent is not None and entry.parent not in entries:
            raise ValueError(f"{name}: {entry.code} has unknown parent {entry.parent!r}")
    meta = {k: v for k, v in doc.items() if k not in (*_HEADER_KEYS, "note", "entries")}
    return CodeTable(
        name=name,
        title=doc["title"],
        standard=doc["standard"],
        version=str(doc["version"]),
        date=date.fromisoformat(doc["date"]),
        source=doc["source"],
        entries=MappingProxyType(entries),
        note=doc.get("note", ""),
        meta=MappingProxyType(meta),
    )


@cache
def load_table(name: str) -> CodeTable:
    """Load (once) and return the code table ``name``; ``KeyError`` for an unknown table."""
    if name not in TABLES:
        raise KeyError(f"unknown code table {name!r}; known: {', '.join(TABLES)}")
    text = resources.files(__name__).joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return _parse(name, json.loads(text))


@cache
def divisions() -> DivisionTable:
    """The 行政区划 table with its tree helpers (``load_table("division")`` wrapped)."""
    return DivisionTable(load_table("division"))
