"""Bulk load of synthetic accountants (demo data, benchmarks).

This is a load, not a sequence of user actions: rows are inserted in batches at
version 1 with one audit event for the whole load and no outbox rows; a full
resync reports them to the hub (ADR 0004).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from registry.audit.services import audit_append
from registry.collection.models import Collection, CollectionStatus
from registry.core.crypto import encrypt_text
from registry.core.deadlines import add_working_days
from registry.orgs.models import Agency, Level
from registry.people.models import Education, Person, Status, Work
from registry.people.services import archive_index_for
from registry.people.snapshot import archive_aad
from registry.qualifications.models import Qualification, QualificationStatus, Source
from registry.standard.codes import divisions, load_table
from registry.standard.masking import mask_archive_no

from .synthetic import FakePerson, people

BATCH = 2000
STATUS_MIX = ((Status.COLLECTED, 0.9), (Status.PENDING, 0.06), (Status.DRAFT, 0.04))


def _counties(province: Agency) -> dict[str, Agency]:
    return {
        a.division_code: a
        for a in Agency.objects.filter(path__startswith=province.path, level=Level.COUNTY).exclude(
            division_code=""
        )
    }


def seed_people(
    province: Agency,
    count: int,
    *,
    random_seed: int = 2018,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Insert `count` new synthetic people under the province's counties. Returns how many were made."""
    agencies = _counties(province)
    if not agencies:
        raise ValueError(f"{province.name} 下没有县级机构，请先运行 registry agencies")
    table = divisions()
    city_names = {
        code: table.label(table.city_of(code) or province.code).removesuffix("市") for code in agencies
    }
    rng = random.Random(random_seed + Person.objects.count())
    taken = set(Person.objects.values_list("archive_index", flat=True))
    stream = people(rng, city_names, date.today())
    education_rank = {code: e.rank or 99 for code, e in load_table("education").entries.items()}
    made = 0
    while made < count:
        batch: list[tuple[Person, FakePerson]] = []
        for fake in islice(stream, min(BATCH, count - made) * 2):
            index = archive_index_for("resident_id", fake.archive_no, None)
            if index in taken:
                continue
            taken.add(index)
            batch.append((_person(fake, index, agencies[fake.county], rng, education_rank), fake))
            if len(batch) >= min(BATCH, count - made):
                break
        with transaction.atomic():
            Person.objects.bulk_create([p for p, _ in batch])
            Education.objects.bulk_create(
                Education(person=p, position=i, **e)
                for p, f in batch
                for i, e in enumerate(f.education)  # type: ignore[arg-type]
            )
            Work.objects.bulk_create(
                Work(person=p, position=i, **w) for p, f in batch for i, w in enumerate(f.work)
            )  # type: ignore[arg-type]
            Collection.objects.bulk_create(
                _pending_collection(p, rng) for p, _ in batch if p.status == Status.PENDING
            )
            Qualification.objects.bulk_create(
                q
                for p, _ in batch
                if p.status == Status.COLLECTED and (q := _qualification(p, rng, province)) is not None
            )
        made += len(batch)
        if progress:
            progress(made, count)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, or the planner sorts a whole province per list page
    with transaction.atomic():
        audit_append(
            actor=None,
            action="seed.load",
            object_type="agency",
            object_id=province.code,
            data={"people": made},
        )
    return made


# Share of collected accountants holding each level (初级, 中级, 副高级, 正高级); the rest hold none.
QUALIFICATION_MIX = (
    ("1", "助理会计师", 0.42, 21),
    ("2", "会计师", 0.17, 26),
    ("3", "高级会计师", 0.04, 34),
    ("4", "正高级会计师", 0.004, 42),
)  # level, title, share, youngest age at which it is obtained


def _qualification(person: Person, rng: random.Random, province: Agency) -> Qualification | None:
    """An agency-verified qualification, obtained no younger than its level allows (exams for
    初级/中级, review for the senior levels)."""
    roll = rng.random()
    for level, title, share, youngest in QUALIFICATION_MIX:
        if roll < share:
            first_year = person.birth_date.year + youngest
            if first_year >= date.today().year:
                return None  # too young for this level: holds none yet
            year = rng.randrange(first_year, date.today().year)
            return Qualification(
                person=person,
                level=level,
                title=title,
                route="1" if level in "12" else "2",
                obtained_on=date(year, rng.randrange(1, 13), rng.randrange(1, 28)),
                # The province in the number: certificates are unique nationally, and the hub checks.
                certificate_no=f"SYN{province.code[:2]}{level}{year}{rng.randrange(10**9):09d}",
                issuer=province.name,
                source=Source.AGENCY,
                status=QualificationStatus.APPROVED,
            )
        roll -= share
    return None


def _pending_collection(person: Person, rng: random.Random) -> Collection:
    """A pending person is waiting in the review queue: submitted up to ten days ago."""
    submitted = timezone.now() - timedelta(days=rng.uniform(0, 10))
    return Collection(
        person=person,
        agency=person.agency,
        status=CollectionStatus.SUBMITTED,
        submitted_at=submitted,
        deadline=add_working_days(timezone.localdate(submitted), settings.REGISTRY_REVIEW_WORKING_DAYS),
        submissions=1,
    )


def _person(fake: FakePerson, index: str, agency: Agency, rng: random.Random, rank: dict[str, int]) -> Person:
    status = rng.choices([s for s, _ in STATUS_MIX], weights=[w for _, w in STATUS_MIX])[0]
    person = Person(
        archive_index=index,
        archive_masked=mask_archive_no(fake.archive_no),
        document_type="resident_id",
        nationality="CHN",
        name=fake.name,
        sex=fake.sex,
        birth_date=fake.birth_date,
        region_code=fake.archive_no[:6],
        ethnicity="01",
        mobile=fake.mobile,
        category=fake.category,
        agency=agency,
        status=status,
        highest_education=min((str(e["education"]) for e in fake.education), key=lambda c: rank.get(c, 99)),
        student_school=str(fake.student["school"]) if fake.student else "",
        student_region=str(fake.student["school_region"]) if fake.student else "",
        student_expected_graduation=fake.student["expected_graduation"] if fake.student else None,  # type: ignore[arg-type,misc]
        version=1,
        collected_at=timezone.now() if status == Status.COLLECTED else None,
    )
    person.archive_cipher = encrypt_text(fake.archive_no, archive_aad(person))
    return person
