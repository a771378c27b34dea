"""One data row → what would happen to the register: create, update, unchanged or rejected.

Every row is validated through the standard (`identity_from_input` → `check_identity`, then the
Pydantic `PersonRecord`); nothing here writes. `parse_row` needs no database; `plan_row` is
given the person already registered under the row's archive number, if any (looked up a chunk at
a time by the caller).

Merging into a registered person (docs/adr/0012-bulk-import.md): an empty cell keeps what is
registered; the row's education is matched by (培养方式, 学历, 学校) and its work by
(单位名称, 起始日期) — a match is overwritten by the row's filled cells, anything else is added,
and registered entries the row does not mention are kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from registry.core.errors import DomainError
from registry.orgs.models import Agency
from registry.people.models import Person, Status
from registry.people.services import archive_index_for, identity_from_input
from registry.standard import record as std
from registry.standard.identity import DocumentType
from registry.standard.masking import mask_archive_no
from registry.standard.validation import field_errors

from .cells import CellError, convert, half_width, to_text
from .columns import BY_FIELD, BY_KEY, GROUP_COLUMNS
from .models import Action

WHOLE_ROW = "整行"
GROUP_LABELS = {"education": "学历", "work": "工作经历", "student": "学籍", "identity": "证件号码"}
EDUCATION_KEY = ("mode", "education", "school")
WORK_KEY = ("unit_name", "start_date")
DERIVED = frozenset(
    BY_KEY[k].header for k in ("document_type", "archive_no", "sex", "birth_date", "nationality")
)
UPDATABLE = frozenset({Status.DRAFT, Status.COLLECTED})
STATUS_REFUSALS = {
    Status.PENDING: "该人员的信息采集正在审核中，请审核完成后再导入修改",
    Status.TRANSFERRED_OUT: "该人员已调出，不能通过导入修改",
    Status.CANCELLED: "该人员已注销，不能通过导入修改",
}


@dataclass(frozen=True)
class Issue:
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"column": self.column, "code": self.code, "message": self.message}


@dataclass
class Context:
    """What every row of one job is checked against."""

    agency: Agency  # the job's agency: rows may only target its subtree
    agencies: dict[str, Agency]  # code → active agency in that subtree
    names: dict[str, str]  # agency name → code
    known_elsewhere: set[str]  # codes of agencies outside the subtree (for a precise message)

    @classmethod
    def build(cls, agency: Agency) -> Context:
        inside = list(Agency.objects.filter(path__startswith=agency.path, is_active=True))
        agencies = {a.code: a for a in inside}
        names = {a.name: a.code for a in inside} | {a.short_name: a.code for a in inside if a.short_name}
        elsewhere = set(Agency.objects.exclude(path__startswith=agency.path).values_list("code", flat=True))
        return cls(agency, agencies, names, elsewhere)


@dataclass
class Parsed:
    row_no: int
    values: dict[str, dict[str, Any]]  # group → {standard item: value}, filled cells only
    issues: list[Issue] = field(default_factory=list)
    identity: dict[str, Any] | None = None  # checked and normalised (birth date, sex derived)
    index: str | None = None
    agency: Agency | None = None
    agency_given: bool = False

    @property
    def masked(self) -> str:
        number = (self.identity or {}).get("archive_no")
        return mask_archive_no(number) if number else ""

    def bad_columns(self) -> set[str]:
        return {i.column for i in self.issues}


@dataclass
class Plan:
    action: str
    issues: list[Issue]
    person: Person | None = None
    version: int | None = None
    record: std.PersonRecord | None = None  # create: the validated new record
    changes: dict[str, Any] | None = None  # update: the groups for person_update


def parse_row(row_no: int, cells: dict[str, Any], ctx: Context) -> Parsed:
    parsed = Parsed(row_no, {g: {} for g in GROUP_COLUMNS})
    for key, raw in cells.items():
        if raw == "" or raw is None:  # most cells of a row; convert would say None after a call
            continue
        col = BY_KEY[key]
        try:
            value = convert(col, raw)
        except CellError as exc:
            parsed.issues.append(Issue(col.header, exc.code, exc.message))
            continue
        if value is not None:
            parsed.values[col.group][col.field] = value
    _check_identity(parsed)
    _resolve_agency(parsed, ctx)
    return parsed


def column_of(field_name: str) -> str:
    col = BY_FIELD.get(field_name)
    return col.header if col else WHOLE_ROW


def _check_identity(parsed: Parsed) -> None:
    ident = dict(parsed.values["identity"])
    if BY_KEY["archive_no"].header in parsed.bad_columns():
        return
    if not ident.get("archive_no"):
        parsed.issues.append(Issue(BY_KEY["archive_no"].header, "imports.required", "请填写证件号码"))
        return
    ident.setdefault("document_type", "resident_id")
    try:
        checked = identity_from_input(ident)
    except DomainError as exc:
        bad = parsed.bad_columns()
        parsed.issues.extend(
            Issue(column_of(e.field), e.code, e.message) for e in exc.errors if column_of(e.field) not in bad
        )
        return
    parsed.identity = checked
    parsed.index = archive_index_for(
        checked["document_type"], checked["archive_no"], checked.get("nationality")
    )


def _resolve_agency(parsed: Parsed, ctx: Context) -> None:
    header = BY_KEY["agency_code"].header
    given = parsed.values["collection"].pop("agency_code", None)
    if given is None:
        parsed.agency = ctx.agency
        return
    parsed.agency_given = True
    text = half_width(to_text(given))
    code = ctx.names.get(text, text)
    found = ctx.agencies.get(code)
    if found is not None:
        parsed.agency = found
    elif code in ctx.known_elsewhere:
        message = f"管理机构 {code} 不在本次导入机构（{ctx.agency.name}）的管理范围内"
        parsed.issues.append(Issue(header, "imports.agency_out_of_scope", message))
    else:
        parsed.issues.append(Issue(header, "imports.agency_unknown", f"管理机构代码 {text} 不存在或已撤销"))


# -- planning -------------------------------------------------------------------------------------


def _validation_issues(exc: ValidationError, parsed: Parsed, row_entry: dict[str, int]) -> list[Issue]:
    bad = parsed.bad_columns()
    out: list[Issue] = []
    for e in field_errors(exc):
        parts = e.field.split(".")
        if parts[0] in ("education", "work") and len(parts) > 1 and parts[1].isdigit():
            if int(parts[1]) != row_entry.get(parts[0]):
                column = f"{GROUP_LABELS[parts[0]]}（已登记的第 {int(parts[1]) + 1} 条）"
            else:
                column = column_of(".".join([parts[0], *parts[2:]])) if len(parts) > 2 else WHOLE_ROW
        elif len(parts) == 1 and parts[0] in GROUP_LABELS:
            column = GROUP_LABELS[parts[0]] if parts[0] != "identity" else BY_KEY["archive_no"].header
        elif e.field == "record":
            column = _record_column(e.message)
        else:
            column = column_of(e.field)
        if column not in bad:
            out.append(Issue(column, e.code, e.message))
    return out


def _record_column(message: str) -> str:
    """The column to name for a record-level rule ("至少应有一条学历信息")."""
    for word, key in (("学历", "edu_education"), ("工作", "work_unit"), ("学籍", "student_school")):
        if word in message:
            return BY_KEY[key].header
    return WHOLE_ROW


def _validate(
    payload: dict[str, Any], parsed: Parsed, row_entry: dict[str, int]
) -> tuple[std.PersonRecord | None, list[Issue]]:
    try:
        return std.PersonRecord.model_validate(payload), []
    except ValidationError as exc:
        return None, _validation_issues(exc, parsed, row_entry)


def _entry(group: str, values: dict[str, Any]) -> dict[str, Any]:
    """The row's entry of a repeatable group with every item present (empty ones None)."""
    entry: dict[str, Any] = {c.field: values.get(c.field) for c in GROUP_COLUMNS[group]}
    if group == "work":
        entry["end_date"] = None  # the row's work is the current one (至今)
        if entry.get("is_accounting") is None:
            entry["is_accounting"] = True
    return entry


def plan_row(parsed: Parsed, existing: Person | None, ctx: Context, *, now: datetime | None = None) -> Plan:
    if existing is not None and parsed.identity is not None:
        return _plan_update(parsed, existing, ctx)
    return _plan_create(parsed, now)


def _plan_create(parsed: Parsed, now: datetime | None) -> Plan:
    v = parsed.values
    identity = parsed.identity or {"document_type": "resident_id", **v["identity"]}
    row_entry: dict[str, int] = {}
    payload: dict[str, Any] = {
        "person_id": uuid.uuid4(),
        "version": 1,
        "identity": identity,
        "collection": {
            "category": v["collection"].get("category"),
            "agency_code": parsed.agency.code if parsed.agency else "000000",
            "status": Status.COLLECTED.value,
            "collected_at": now,
        },
        "education": [],
        "work": [],
        "student": v["student"] or None,
    }
    for group in ("education", "work"):
        if v[group]:
            payload[group] = [_entry(group, v[group])]
            row_entry[group] = 0
    record, issues = _validate(payload, parsed, row_entry)
    if parsed.identity is None:
        # The number's own error says it all: the items derived from it are missing as a result.
        issues = [i for i in issues if i.column not in DERIVED]
    issues = parsed.issues + issues
    if issues or record is None:
        return Plan(Action.REJECTED, issues)
    return Plan(Action.CREATE, [], record=record)


def current_groups(person: Person, archive_no: str) -> dict[str, Any]:
    """The registered record's own groups as plain values (module sections are not needed here:
    an import never touches them, and reading them costs several queries a person)."""
    student = None
    if person.student_school:
        student = {
            "school": person.student_school,
            "school_region": person.student_region,
            "expected_graduation": person.student_expected_graduation,
        }
    return {
        "identity": {
            "document_type": DocumentType(person.document_type),
            "archive_no": archive_no,
            "name": person.name,
            "sex": person.sex,
            "birth_date": person.birth_date,
            "nationality": person.nationality,
            "ethnicity": person.ethnicity or None,
            "political_status": person.political_status or None,
            "mobile": person.mobile or None,
            "email": person.email or None,
            "address": person.address or None,
            "residence_region": person.residence_region or None,
        },
        "collection": {
            "category": person.category,
            "agency_code": person.agency.code,
            "status": person.status,
        },
        "education": [
            {
                "mode": e.mode,
                "school": e.school,
                "education": e.education,
                "degree": e.degree or None,
                "major": e.major or None,
                "start_date": e.start_date,
                "end_date": e.end_date,
                "diploma_no": e.diploma_no or None,
                "degree_cert_no": e.degree_cert_no or None,
            }
            for e in person.educations.all()
        ],
        "work": [
            {
                "start_date": w.start_date,
                "end_date": w.end_date,
                "unit_name": w.unit_name,
                "credit_code": w.credit_code or None,
                "unit_nature": w.unit_nature or None,
                "industry": w.industry or None,
                "unit_region": w.unit_region or None,
                "is_accounting": w.is_accounting,
                "post": w.post or None,
                "position": w.position_title or None,
            }
            for w in person.works.all()
        ],
        "student": student,
    }


def _merge_entries(
    current: list[dict[str, Any]], filled: dict[str, Any], key: tuple[str, ...], group: str
) -> tuple[list[dict[str, Any]], int]:
    """The registered entries with the row's (its filled cells only) merged in, and its index."""
    for i, entry in enumerate(current):
        if all(entry.get(k) == filled.get(k) for k in key):
            merged = [dict(e) for e in current]
            merged[i] = {**entry, **filled}
            return merged, i
    return [*current, _entry(group, filled)], len(current)


def _refusal(parsed: Parsed, person: Person, ctx: Context) -> Issue | None:
    header = BY_KEY["agency_code"].header
    if not person.agency.path.startswith(ctx.agency.path):
        message = "该证件号码已由其他地区的管理机构登记，不能导入；如需转入，请办理调转"
        return Issue(BY_KEY["archive_no"].header, "imports.registered_elsewhere", message)
    if parsed.agency_given and parsed.agency is not None and parsed.agency.pk != person.agency_id:
        message = f"该人员现由{person.agency.name}管理；变更管理机构请办理调转，不能通过导入修改"
        return Issue(header, "imports.agency_change", message)
    refusal = STATUS_REFUSALS.get(Status(person.status)) if person.status not in UPDATABLE else None
    if refusal:
        return Issue(WHOLE_ROW, f"imports.status_{person.status}", refusal)
    return None


def _plan_update(parsed: Parsed, person: Person, ctx: Context) -> Plan:
    assert parsed.identity is not None
    refusal = _refusal(parsed, person, ctx)
    if refusal is not None:
        return Plan(Action.REJECTED, [*parsed.issues, refusal], person=person, version=person.version)
    v = parsed.values
    current = current_groups(person, parsed.identity["archive_no"])
    merged = {key: value for key, value in current.items()}
    merged["identity"] = {**current["identity"], **parsed.identity}
    if v["collection"].get("category"):
        merged["collection"] = {**current["collection"], "category": v["collection"]["category"]}
    row_entry: dict[str, int] = {}
    if v["education"]:
        merged["education"], row_entry["education"] = _merge_entries(
            current["education"], v["education"], EDUCATION_KEY, "education"
        )
    if v["work"]:
        merged["work"], row_entry["work"] = _merge_entries(current["work"], v["work"], WORK_KEY, "work")
    if v["student"]:
        merged["student"] = {**(current["student"] or {}), **v["student"]}
    payload = {"person_id": person.uid, "version": person.version, **merged}
    record, issues = _validate(payload, parsed, row_entry)
    issues = parsed.issues + issues
    if issues or record is None:
        return Plan(Action.REJECTED, issues, person=person, version=person.version)
    groups = {"identity", "collection", "education", "work", "student"}
    after = _comparable(record.model_dump(mode="python", include=groups))
    before = _comparable(current)
    changed = {g: after[g] for g in after if after[g] != before[g]}
    if not changed:
        return Plan(Action.UNCHANGED, [], person=person, version=person.version)
    changes = {g: changed[g] for g in changed if g != "collection"}
    if "collection" in changed:
        changes["collection"] = {"category": after["collection"]["category"]}
    return Plan(Action.UPDATE, [], person=person, version=person.version, changes=changes)


COLLECTION_ITEMS = ("category", "agency_code", "status")


def _comparable(groups: dict[str, Any]) -> dict[str, Any]:
    """The groups as compared: `current_groups` already lists every item of identity, education,
    work and student; of the collection only what an import can change or must not. (Not through
    model_construct: it inspects default factories' signatures on every call, 4 ms a person.)"""
    out = dict(groups)
    out["collection"] = {k: groups["collection"][k] for k in COLLECTION_ITEMS}
    return out
