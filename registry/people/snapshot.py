"""Between the Person models and the standard's PersonRecord, in both directions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry.core.crypto import decrypt_text, encrypt_text
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


def register_section(
    name: str, reader: Callable[[Person], Any], writer: Callable[[Person, Any], None] | None = None
) -> None:
    SECTIONS[name] = reader
    if writer is not None:
        WRITERS[name] = writer


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


def person_record(person: Person) -> std.PersonRecord:
    """The person's current record in the standard's form (the snapshot sent to the hub)."""
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
            agency_code=person.agency.code,
            status=person.status,
            pledge_version=person.pledge_version or None,
            pledge_accepted_at=person.pledge_accepted_at,
            collected_at=person.collected_at,
        ),
        education=[
            std.Education.model_construct(
                mode=e.mode,
                school=e.school,
                education=e.education,
                degree=e.degree or None,
                major=e.major or None,
                start_date=e.start_date,
                end_date=e.end_date,
                diploma_no=e.diploma_no or None,
                degree_cert_no=e.degree_cert_no or None,
            )
            for e in person.educations.all()
        ],
        work=[
            std.Work.model_construct(
                start_date=w.start_date,
                end_date=w.end_date,
                unit_name=w.unit_name,
                credit_code=w.credit_code or None,
                unit_nature=w.unit_nature or None,
                industry=w.industry or None,
                unit_region=w.unit_region or None,
                is_accounting=w.is_accounting,
                post=w.post or None,
                position=w.position_title or None,
            )
            for w in person.works.all()
        ],
        student=student,
        qualifications=_section("qualifications", person, []),
        continuing_education=_section("continuing_education", person, []),
        talents=_section("talents", person, []),
        credit=_section("credit", person, []),
        extensions=_section("extensions", person, {}),
    )


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


def replace_history(person: Person, rec: std.PersonRecord) -> None:
    person.educations.all().delete()
    person.works.all().delete()
    Education.objects.bulk_create(
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
    )
    Work.objects.bulk_create(
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
    )
