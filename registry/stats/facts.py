"""A person's facts, read from the records, and the (dimension, value) pairs the cells count.

One function computes facts for a batch of people, so the write listener (one person) and the
rebuild (everyone, in chunks) cannot disagree on what a fact is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from registry.continuing_education.models import Entry, EntryStatus
from registry.continuing_education.rules import compliance, required_in
from registry.credit.models import COUNTED, CreditRecord, Kind
from registry.people.models import Person, Work
from registry.qualifications.models import Qualification, QualificationStatus
from registry.qualifications.rules import level_rank
from registry.talents.models import Talent, TalentStatus

from .models import CE_FIRST_YEAR, PersonFacts

Pair = tuple[str, str]
NONE = "-"  # the value of "has none" (no education code, no programme, no credit record)

# Dimensions, as stored in Cell.dim.
ALL, SEX, EDUCATION, CATEGORY = "all", "sex", "edu", "cat"
BIRTH_YEAR, BIRTH_DAY = "by", "bd"
QUALIFICATION, TALENT, CREDIT, COLLECTED = "ql", "tp", "cr", "cm"
BLACK_FROM, BLACK_UNTIL, BAR_FROM, BAR_UNTIL = "bl+", "bl-", "ba+", "ba-"
CE, CE_TAIL = "ce", "cet"

Period = tuple[date, date | None]  # first and last day; None: permanent


def merge(periods: Iterable[Period]) -> list[Period]:
    """Union of day ranges; touching ranges join, so each person starts and ends at most once a day."""
    out: list[list[date | None]] = []
    for start, end in sorted(periods, key=lambda p: p[0]):
        if end is not None and end < start:
            continue
        if out:
            last_end = out[-1][1]
            if last_end is None or start <= last_end + timedelta(days=1):
                if last_end is not None and (end is None or end > last_end):
                    out[-1][1] = end
                continue
        out.append([start, end])
    return [(s, e) for s, e in out]  # type: ignore[misc]


def format_periods(periods: Sequence[Period]) -> str:
    return ";".join(f"{s.isoformat()}~{e.isoformat() if e else ''}" for s, e in periods)


def parse_periods(text: str) -> list[Period]:
    out: list[Period] = []
    for part in filter(None, text.split(";")):
        start, _, end = part.partition("~")
        out.append((date.fromisoformat(start), date.fromisoformat(end) if end else None))
    return out


def ce_years(
    qualified: list[date], periods: list[Period], entries: dict[int, list[tuple[str, Decimal]]]
) -> tuple[str, bool]:
    """The `ce` letters and the tail. The horizon is the last year any input date falls in, so the
    answer depends on the records only (not on today): after it, `required_in` no longer changes."""
    years = [d.year for d in qualified]
    years += [d.year for s, e in periods for d in (s, e) if d is not None]
    years += list(entries)
    horizon = max([CE_FIRST_YEAR - 1, *years])
    letters = []
    for year in range(CE_FIRST_YEAR, horizon + 1):
        required = required_in(year, qualified_on=qualified, accounting_periods=periods)
        if not required:
            letters.append("-")
        else:
            letters.append("m" if compliance(year, entries.get(year, []), required=True).met else "u")
    tail = bool(qualified) or (bool(periods) and any(e is None for _, e in periods))
    return "".join(letters), tail


def facts_for(person_ids: Sequence[int]) -> dict[int, PersonFacts]:
    """Facts of these people as the records say now (people that do not exist are left out)."""
    ids = list(person_ids)
    people = Person.objects.filter(pk__any=ids).values_list(
        "pk", "agency_id", "status", "sex", "highest_education", "category", "birth_date", "collected_at"
    )
    quals: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for pid, level, obtained in Qualification.objects.filter(
        person_id__any=ids, status=QualificationStatus.APPROVED
    ).values_list("person_id", "level", "obtained_on"):
        quals[pid].append((level, obtained))
    talents: dict[int, set[str]] = defaultdict(set)
    for pid, code in Talent.objects.filter(
        person_id__any=ids, status__in=(TalentStatus.TRAINING, TalentStatus.GRADUATED)
    ).values_list("person_id", "programme__code"):
        talents[pid].add(code)
    credit: dict[int, set[str]] = defaultdict(set)
    black: dict[int, list[Period]] = defaultdict(list)
    bar: dict[int, list[Period]] = defaultdict(list)
    for row in CreditRecord.objects.filter(person_id__any=ids, status__in=COUNTED).values_list(
        "person_id",
        "kind",
        "serious",
        "effective_on",
        "blacklist_permanent",
        "blacklisted_until",
        "decided_on",
        "bar_permanent",
        "barred_until",
    ):
        pid, kind, serious, effective, black_perm, black_until, decided, bar_perm, barred = row
        credit[pid].add("h" if kind == Kind.HONOUR else "d")
        # The same tests as credit.selectors.blacklisting / barring, as periods.
        if serious and (black_perm or black_until is not None):
            black[pid].append((effective, None if black_perm else black_until))
        if bar_perm or barred is not None:
            bar[pid].append((decided, None if bar_perm else barred))
    works: dict[int, list[Period]] = defaultdict(list)
    for pid, start, end in Work.objects.filter(person_id__any=ids, is_accounting=True).values_list(
        "person_id", "start_date", "end_date"
    ):
        works[pid].append((start, end))
    entries: dict[int, dict[int, list[tuple[str, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    for pid, year, subject, credits in Entry.objects.filter(
        person_id__any=ids, status=EntryStatus.APPROVED
    ).values_list("person_id", "year", "subject", "credits"):
        entries[pid][year].append((subject, Decimal(credits)))

    out: dict[int, PersonFacts] = {}
    for pid, agency_id, status, sex, education, category, birth, collected_at in people:
        levels = [level for level, _ in quals.get(pid, [])]
        ce, tail = ce_years(
            [d for _, d in quals.get(pid, [])], works.get(pid, []), dict(entries.get(pid, {}))
        )
        out[pid] = PersonFacts(
            person_id=pid,
            agency_id=agency_id,
            status=status,
            sex=sex,
            education=education,
            category=category,
            birth_date=birth,
            qualification=min(levels, key=level_rank) if levels else "0",
            collected_month=timezone.localtime(collected_at).strftime("%Y-%m") if collected_at else "",
            talents=",".join(sorted(talents.get(pid, ()))),
            credit="".join(sorted(credit.get(pid, ()), reverse=True)),
            blacklist=format_periods(merge(black.get(pid, []))),
            bar=format_periods(merge(bar.get(pid, []))),
            ce=ce,
            ce_tail=tail,
        )
    return out


FACT_FIELDS = (
    "agency_id",
    "status",
    "sex",
    "education",
    "category",
    "birth_date",
    "qualification",
    "collected_month",
    "talents",
    "credit",
    "blacklist",
    "bar",
    "ce",
    "ce_tail",
)


def same_facts(a: PersonFacts, b: PersonFacts) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in FACT_FIELDS)


def _period_pairs(text: str, start_dim: str, end_dim: str) -> set[Pair]:
    out: set[Pair] = set()
    for start, end in parse_periods(text):
        out.add((start_dim, start.isoformat()))
        if end is not None:
            out.add((end_dim, (end + timedelta(days=1)).isoformat()))
    return out


def pairs(f: PersonFacts) -> set[Pair]:
    """What the person adds to the cells of their agency and its ancestors, in their status."""
    birth = f.birth_date.isoformat()
    out: set[Pair] = {
        (ALL, ""),
        (SEX, f.sex or NONE),
        (EDUCATION, f.education or NONE),
        (CATEGORY, f.category or NONE),
        (BIRTH_YEAR, birth[:4]),
        (BIRTH_DAY, birth),
        (QUALIFICATION, f.qualification or "0"),
    }
    codes = [c for c in f.talents.split(",") if c]
    out |= {(TALENT, c) for c in codes} or {(TALENT, NONE)}
    out |= {(CREDIT, c) for c in f.credit} or {(CREDIT, NONE)}
    out |= _period_pairs(f.blacklist, BLACK_FROM, BLACK_UNTIL)
    out |= _period_pairs(f.bar, BAR_FROM, BAR_UNTIL)
    if f.collected_month:
        out.add((COLLECTED, f.collected_month))
    for i, letter in enumerate(f.ce):
        if letter in "mu":
            out.add((CE, f"{CE_FIRST_YEAR + i}:{letter}"))
    if f.ce_tail:
        out.add((CE_TAIL, str(CE_FIRST_YEAR + len(f.ce) - 1)))
    return out
