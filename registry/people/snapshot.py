"""Between the Person models and the standard's PersonRecord, in both directions."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.db import transaction

from registry.core.crypto import decrypt_text, encrypt_text
from registry.core.errors import DomainError
from registry.orgs.models import Agency
from registry.standard import record as std
from registry.standard.codes import load_table
from registry.standard.identity import DocumentType
from registry.standard.masking import mask_archive_no

from .models import Education, Person, Work

# The record's module sections (qualifications, continuing_education, talents, credit, extensions) are
# filled by the module apps, which sit above `people` and register a reader here when they load.
SECTIONS: dict[str, Callable[[Person], Any]] = {}


# Writers put a record's module section back onto the module's tables (the hub applying a reported
# record, a destination province taking a transferred person): writer(person, section) replaces them.
WRITERS: dict[str, Callable[[Person, Any], None]] = {}

# The set-based forms of a module's reader and writer (a province's full resync, the hub applying a
# batch): a few queries for a whole list of people instead of a few per person.
#   read_many(persons) -> {person.pk: section}, equal to reader(person) for each person;
#   write_many([(person, section), ...]) -> {person.pk: DomainError} for the persons refused (nothing
#   of theirs written), the others written: the effect of writer(person, section) for each in order.
# Each is kept with the reader or writer it was registered with and used only while that one is the
# registered one (a test or a later registration that swaps the reader falls back to it).
ReadMany = Callable[[list[Person]], dict[int, Any]]
WriteMany = Callable[[list[tuple[Person, Any]]], dict[int, DomainError]]
READ_MANY: dict[str, tuple[Callable[[Person], Any], ReadMany]] = {}
WRITE_MANY: dict[str, tuple[Callable[[Person, Any], None], WriteMany]] = {}

# The sections of a PersonRecord and what a record holds when no module fills one.
MODULES: tuple[tuple[str, Callable[[], Any]], ...] = (
    ("qualifications", list),
    ("continuing_education", list),
    ("talents", list),
    ("credit", list),
    ("extensions", dict),
)


def register_section(
    name: str,
    reader: Callable[[Person], Any],
    writer: Callable[[Person, Any], None] | None = None,
    *,
    read_many: ReadMany | None = None,
    write_many: WriteMany | None = None,
) -> None:
    if write_many is not None and writer is None:
        raise ValueError(f"section {name}: write_many needs the single writer as well")
    SECTIONS[name] = reader
    if read_many is not None:
        READ_MANY[name] = (reader, read_many)
    else:
        READ_MANY.pop(name, None)
    if writer is not None:
        WRITERS[name] = writer
        if write_many is not None:
            WRITE_MANY[name] = (writer, write_many)
        else:
            WRITE_MANY.pop(name, None)


def _read_many(name: str) -> ReadMany | None:
    registered = READ_MANY.get(name)
    return registered[1] if registered and SECTIONS.get(name) is registered[0] else None


def _write_many(name: str) -> WriteMany | None:
    registered = WRITE_MANY.get(name)
    return registered[1] if registered and WRITERS.get(name) is registered[0] else None


def replace_sections(person: Person, rec: std.PersonRecord) -> None:
    """Replace every module's rows of `person` with the record's sections (caller holds the transaction)."""
    for name, writer in WRITERS.items():
        writer(person, getattr(rec, name))


def _section(name: str, person: Person, empty: Any) -> Any:
    reader = SECTIONS.get(name)
    return reader(person) if reader else empty


def archive_aad(person: Person) -> bytes:
    return f"person:{person.uid}".encode()


def person_archive_no(person: Person) -> str:
    return decrypt_text(bytes(person.archive_cipher), archive_aad(person))


EDUCATION_FIELDS = (
    "mode",
    "school",
    "education",
    "degree",
    "major",
    "start_date",
    "end_date",
    "diploma_no",
    "degree_cert_no",
)
WORK_FIELDS = (
    "start_date",
    "end_date",
    "unit_name",
    "credit_code",
    "unit_nature",
    "industry",
    "unit_region",
    "is_accounting",
    "post",
    "position_title",
)


def _education_of(
    mode: str,
    school: str,
    education: str,
    degree: str,
    major: str,
    start_date: Any,
    end_date: Any,
    diploma_no: str,
    degree_cert_no: str,
) -> std.Education:
    return std.Education.model_construct(
        mode=mode,
        school=school,
        education=education,
        degree=degree or None,
        major=major or None,
        start_date=start_date,
        end_date=end_date,
        diploma_no=diploma_no or None,
        degree_cert_no=degree_cert_no or None,
    )


def _work_of(
    start_date: Any,
    end_date: Any,
    unit_name: str,
    credit_code: str,
    unit_nature: str,
    industry: str,
    unit_region: str,
    is_accounting: bool,
    post: str,
    position_title: str,
) -> std.Work:
    return std.Work.model_construct(
        start_date=start_date,
        end_date=end_date,
        unit_name=unit_name,
        credit_code=credit_code or None,
        unit_nature=unit_nature or None,
        industry=industry or None,
        unit_region=unit_region or None,
        is_accounting=is_accounting,
        post=post or None,
        position=position_title or None,
    )


def _education(e: Education) -> std.Education:
    return _education_of(*(getattr(e, name) for name in EDUCATION_FIELDS))


def _work(w: Work) -> std.Work:
    return _work_of(*(getattr(w, name) for name in WORK_FIELDS))


def _record(
    person: Person,
    *,
    agency_code: str,
    education: list[std.Education],
    work: list[std.Work],
    sections: dict[str, Any],
) -> std.PersonRecord:
    identity = std.Identity.model_construct(
        document_type=DocumentType(person.document_type),
        archive_no=person_archive_no(person),
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        nationality=person.nationality,
        ethnicity=person.ethnicity or None,
        political_status=person.political_status or None,
        mobile=person.mobile or None,
        email=person.email or None,
        address=person.address or None,
        residence_region=person.residence_region or None,
    )
    student = None
    if person.student_school:
        student = std.Student.model_construct(
            school=person.student_school,
            school_region=person.student_region,
            expected_graduation=person.student_expected_graduation,
        )
    return std.PersonRecord.model_construct(
        spec_version=std.SPEC_VERSION,
        person_id=person.uid,
        version=person.version,
        identity=identity,
        collection=std.Collection.model_construct(
            category=person.category,
            agency_code=agency_code,
            status=person.status,
            pledge_version=person.pledge_version or None,
            pledge_accepted_at=person.pledge_accepted_at,
            collected_at=person.collected_at,
        ),
        education=education,
        work=work,
        student=student,
        **sections,
    )


def person_record(person: Person) -> std.PersonRecord:
    """The person's current record in the standard's form (the snapshot sent to the hub)."""
    return _record(
        person,
        agency_code=person.agency.code,
        education=[_education(e) for e in person.educations.all()],
        work=[_work(w) for w in person.works.all()],
        sections={name: _section(name, person, empty()) for name, empty in MODULES},
    )


def _pks(persons: Iterable[Person]) -> list[int]:
    """The persons' primary keys; each person saved and listed once (the set-based forms key by pk)."""
    pks = [p.pk for p in persons]
    if None in pks:
        raise ValueError("every person must be saved first")
    if len(set(pks)) != len(pks):
        raise ValueError("a person is listed twice")
    return pks


def person_records(persons: list[Person]) -> list[std.PersonRecord]:
    """`[person_record(p) for p in persons]` in a few queries for the whole list: one each for the
    education and work history (a prefetch on the persons is not needed, nor used), one for the
    agencies not already loaded, and a few per module (its `read_many`; a module that registered
    only a reader is read person by person)."""
    pks = _pks(persons)
    if not persons:
        return []
    # Rows as tuples rather than model instances: the same values, read faster.
    educations: dict[int, list[std.Education]] = {pk: [] for pk in pks}
    rows = Education.objects.filter(person_id__any=pks).order_by("position", "id")
    for person_id, *values in rows.values_list("person_id", *EDUCATION_FIELDS):
        educations[person_id].append(_education_of(*values))
    works: dict[int, list[std.Work]] = {pk: [] for pk in pks}
    for person_id, *values in (
        Work.objects.filter(person_id__any=pks)
        .order_by("position", "id")
        .values_list("person_id", *WORK_FIELDS)
    ):
        works[person_id].append(_work_of(*values))
    cached = {p.agency_id: p.agency.code for p in persons if Person.agency.is_cached(p)}
    missing = {p.agency_id for p in persons} - set(cached)
    codes = cached | dict(Agency.objects.filter(id__any=missing).values_list("id", "code"))
    many: dict[str, dict[int, Any]] = {}
    for name, _ in MODULES:
        read = _read_many(name)
        if read is not None:
            many[name] = read(persons)

    def section(name: str, person: Person, empty: Any) -> Any:
        got = many.get(name)
        if got is not None and person.pk in got:
            return got[person.pk]
        return _section(name, person, empty)

    return [
        _record(
            p,
            agency_code=codes[p.agency_id],
            education=educations[p.pk],
            work=works[p.pk],
            sections={name: section(name, p, empty()) for name, empty in MODULES},
        )
        for p in persons
    ]


def apply_record(person: Person, rec: std.PersonRecord) -> None:
    """Write a validated record's items onto the models (caller saves and journals)."""
    ident = rec.identity
    if not person.archive_cipher or person_archive_no(person) != ident.archive_no:
        person.archive_cipher = encrypt_text(ident.archive_no, archive_aad(person))
    person.archive_masked = mask_archive_no(ident.archive_no)
    person.document_type = ident.document_type
    person.nationality = ident.nationality
    person.name = ident.name
    person.sex = ident.sex
    person.birth_date = ident.birth_date
    person.ethnicity = ident.ethnicity or ""
    person.political_status = ident.political_status or ""
    person.mobile = ident.mobile or ""
    person.email = ident.email or ""
    person.address = ident.address or ""
    person.residence_region = ident.residence_region or ""
    person.category = rec.collection.category
    person.status = rec.collection.status
    best = [h for h in (rec.highest_education("1"), rec.highest_education("2")) if h is not None]
    ranks = load_table("education").entries
    person.highest_education = (
        min(best, key=lambda e: ranks[e.education].rank or 99).education if best else ""
    )
    student = rec.student
    person.student_school = student.school if student else ""
    person.student_region = student.school_region if student else ""
    person.student_expected_graduation = student.expected_graduation if student else None


def _education_rows(person: Person, rec: std.PersonRecord) -> list[Education]:
    return [
        Education(
            person=person,
            position=i,
            mode=e.mode,
            school=e.school,
            education=e.education,
            degree=e.degree or "",
            major=e.major or "",
            start_date=e.start_date,
            end_date=e.end_date,
            diploma_no=e.diploma_no or "",
            degree_cert_no=e.degree_cert_no or "",
        )
        for i, e in enumerate(rec.education)
    ]


def _work_rows(person: Person, rec: std.PersonRecord) -> list[Work]:
    return [
        Work(
            person=person,
            position=i,
            start_date=w.start_date,
            end_date=w.end_date,
            unit_name=w.unit_name,
            credit_code=w.credit_code or "",
            unit_nature=w.unit_nature or "",
            industry=w.industry or "",
            unit_region=w.unit_region or "",
            is_accounting=w.is_accounting,
            post=w.post or "",
            position_title=w.position or "",
        )
        for i, w in enumerate(rec.work)
    ]


def replace_history(person: Person, rec: std.PersonRecord) -> None:
    person.educations.all().delete()
    person.works.all().delete()
    Education.objects.bulk_create(_education_rows(person, rec))
    Work.objects.bulk_create(_work_rows(person, rec))


def replace_history_many(pairs: list[tuple[Person, std.PersonRecord]], fresh: Collection[int] = ()) -> None:
    """`replace_history` for many persons: one delete and one insert per table (caller holds the
    transaction). `fresh`: see `replace_many`."""
    pks = _pks(p for p, _ in pairs)
    if not pairs:
        return
    held = [pk for pk in pks if pk not in fresh]
    if held:
        Education.objects.filter(person_id__any=held).delete()
        Work.objects.filter(person_id__any=held).delete()
    Education.objects.bulk_create([row for p, rec in pairs for row in _education_rows(p, rec)])
    Work.objects.bulk_create([row for p, rec in pairs for row in _work_rows(p, rec)])


def _replace_sections_many(
    pairs: list[tuple[Person, std.PersonRecord]], fresh: Collection[int] = ()
) -> dict[int, DomainError]:
    """Every module's section of every pair: `write_many` where registered, else the writer person by
    person. A person refused by one module is not offered to the next (as `replace_sections` stops
    at the first refusal). Returns the refusals; the caller undoes the other modules' writes of them."""
    refused: dict[int, DomainError] = {}
    for name, writer in WRITERS.items():
        items = []
        for p, rec in pairs:
            section = getattr(rec, name)
            if p.pk in refused or (p.pk in fresh and _empty(section)):
                continue  # a fresh person holds no rows yet: an empty section has nothing to write
            items.append((p, section))
        if not items:
            continue
        write = _write_many(name)
        if write is not None:
            offered = {p.pk for p, _ in items}
            refused |= {pk: e for pk, e in write(items).items() if pk in offered}
            continue
        for person, section in items:
            try:
                writer(person, section)
            except DomainError as exc:
                refused[person.pk] = exc
    return refused


class _Refused(Exception):
    def __init__(self, errors: dict[int, DomainError]):
        super().__init__(f"{len(errors)} refused")
        self.errors = errors


def _empty(section: Any) -> bool:
    return section is None or (isinstance(section, list | dict) and not section)


def replace_many(
    pairs: list[tuple[Person, std.PersonRecord]], *, fresh: Collection[int] = ()
) -> dict[int, DomainError]:
    """`replace_history` + `replace_sections` for many persons at once (caller holds the transaction,
    has saved the persons and journals).

    Returns {person.pk: DomainError} for the persons a module refuses (its first refusal, as
    `replace_sections` raises it); of those persons nothing of this call is written, and every other
    person is written in full.

    How nothing of a refused person stays: the module writes run in a savepoint. When a module
    refuses someone, the other modules (and earlier modules) may already have written that person,
    so the savepoint is rolled back and the writes run again without the refused persons. A round
    either writes everyone it offers or refuses at least one more person, so it ends; with no
    refusal (the usual case) it costs one round. The history is written once the sections pass.

    `fresh`: the pks of persons inserted in the caller's transaction. They hold no module or history
    rows, so their empty sections are not offered to the modules and their history is not deleted
    first: a batch of new people costs no deletes at all."""
    _pks(p for p, _ in pairs)
    refused: dict[int, DomainError] = {}
    todo = list(pairs)
    while todo:
        try:
            with transaction.atomic():
                more = _replace_sections_many(todo, fresh)
                if more:
                    raise _Refused(more)
                replace_history_many(todo, fresh)
        except _Refused as exc:
            refused |= exc.errors
            todo = [(p, rec) for p, rec in todo if p.pk not in exc.errors]
            continue
        break
    return refused
