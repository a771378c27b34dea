"""Public endpoints: the identity check other systems call, and the standard's JSON Schema."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.throttling import AnonRateThrottle

from registry.standard.identity import check_identity
from registry.standard.record import record_json_schema

router = Router(tags=["public"])


class IdentityIn(Schema):
    document_type: Literal["resident_id", "hmt_residence_permit", "foreign_permanent_residence", "passport"]
    number: str
    nationality: str | None = None


class ErrorOut(Schema):
    code: str
    field: str
    message: str


class IdentityOut(Schema):
    valid: bool
    archive_no: str | None
    birth_date: str | None
    sex: str | None
    region_code: str | None
    errors: list[ErrorOut]


class _IdentityThrottle(AnonRateThrottle):
    """Per client address; the rate is read from settings on each request so operators can change it."""

    scope = "identity"

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.NINJA_DEFAULT_THROTTLE_RATES["identity"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)


@router.post(
    "/identity/validate",
    response=IdentityOut,
    auth=None,
    throttle=[_IdentityThrottle()],
    summary="证件号码校验（公开，限流）",
)
def identity_validate(request: HttpRequest, payload: IdentityIn) -> dict[str, Any]:
    if len(payload.number) > 64:
        payload.number = payload.number[:64]
    return check_identity(payload.document_type, payload.number, payload.nationality).as_dict()


@router.get("/standard/person-record.schema.json", auth=None, summary="数据标准 v1 人员记录 JSON Schema")
def person_record_schema(request: HttpRequest) -> dict[str, Any]:
    return record_json_schema()
