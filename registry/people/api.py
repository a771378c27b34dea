"""Person read endpoints for staff, scoped exactly like the pages (other subtree → 404)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.security import django_auth

from registry.accounts.selectors import actor_is_staff
from registry.core.errors import NotVisible
from registry.standard.masking import mask_archive_no

from .models import Person
from .schemas import PersonPageOut, PersonSummaryOut
from .selectors import PeopleFilter, people_page, person_get
from .snapshot import person_record

router = Router(tags=["people"], auth=django_auth)


def _staff(request: HttpRequest) -> None:
    if not actor_is_staff(request.user):
        raise HttpError(403, "仅限会计管理机构工作人员")


def _summary(p: Person) -> PersonSummaryOut:
    return PersonSummaryOut(
        id=p.uid,
        name=p.name,
        archive_no_masked=p.archive_masked,
        document_type=p.document_type,
        sex=p.sex,
        birth_date=p.birth_date,
        agency_code=p.agency.code,
        agency_name=p.agency.name,
        status=p.status,
        highest_education=p.highest_education,
        version=p.version,
    )


@router.get("/people", response=PersonPageOut, summary="查询人员（按证件号码精确查询或姓名前缀）")
def list_people(
    request: HttpRequest, archive_no: str = "", name: str = "", status: str = "", after: int | None = None
) -> PersonPageOut:
    _staff(request)
    page = people_page(
        request.user, PeopleFilter(archive_no=archive_no, name=name, status=status), after=after
    )
    return PersonPageOut(total=page.total, next_after=page.next_after, items=[_summary(p) for p in page.rows])


@router.get("/people/{uid}", summary="人员记录（数据标准 v1 格式，证件号码脱敏）")
def get_person(request: HttpRequest, uid: UUID) -> dict[str, Any]:
    _staff(request)
    try:
        person = person_get(request.user, uid)
    except NotVisible as exc:
        raise HttpError(404, "未找到该人员") from exc
    data = person_record(person).model_dump(mode="json")
    data["identity"]["archive_no"] = mask_archive_no(data["identity"]["archive_no"])
    return data
