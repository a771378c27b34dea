"""The JSON API, /api/v1/. OpenAPI at /api/v1/openapi.json, docs served offline at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from registry import api_public
from registry.people.api import router as people_router
from registry.standard import SPEC_VERSION

api = NinjaAPI(
    title="会计人员管理系统接口",
    version=SPEC_VERSION,
    description="数据标准 v1 的人员记录、证件号码校验与人员查询接口。",
    urls_namespace="api",
)
api.add_router("/", api_public.router)
api.add_router("/", people_router)
