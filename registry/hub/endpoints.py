"""The hub's interface endpoints: size, JSON, signature, replay, schema and agency checks, then a handler.

Every refusal answers with a stable code (registry.standard.messages.ERROR_CODES), is logged and
recorded as an Incident, and applies nothing.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ValidationError

from registry.orgs.models import Agency
from registry.standard.messages import ERROR_CODES, MAX_MESSAGE_BYTES, MESSAGE_TYPES, ErrorReply, Notice
from registry.standard.signing import (
    REPLAY_WINDOW,
    SignatureProblem,
    canonical_form,
    loads_normal,
    sign,
    signature_block,
    verify,
)

from .ingest import Rejected, incident
from .keys import key_lookup, key_secret
from .models import AgencyKey, SeenNonce

log = logging.getLogger("registry.hub")

Handler = Callable[..., BaseModel]  # (agency, message, parsed[, canonical form])


def _answer(reply: BaseModel, key: AgencyKey | None, status: int = 200) -> HttpResponse:
    body = reply.model_dump(mode="json", exclude={"signature"})
    if key is not None:
        body = sign(body, agency=key.agency.code, key_id=key.key_id, key=key_secret(key))
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _error(
    code: str,
    message: str,
    status: int,
    key: AgencyKey | None,
    agency_code: str,
    errors: list[Notice] | None = None,
    expected_seq: int | None = None,
) -> HttpResponse:
    log.warning("hub refused a message from %s: %s %s", agency_code or "?", code, message)
    if agency_code:
        incident(agency_code, code, message, {"errors": [e.model_dump() for e in (errors or [])][:20]})
    reply = ErrorReply(
        message_type="error",
        code=code,
        message=message or ERROR_CODES[code],
        errors=(errors or [])[:200],
        expected_seq=expected_seq,
    )
    return _answer(reply, key, status)


def _schema_errors(exc: ValidationError) -> list[Notice]:
    out = []
    for err in exc.errors():
        path = ""
        for part in err["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        out.append(Notice(code="SCHEMA_INVALID", path=path, message=err["msg"]))
    return out


def _remember_nonce(agency_code: str, nonce: str) -> bool:
    now = timezone.now()
    if random.random() < 0.01:  # prune now and then; the window is all that must be remembered
        SeenNonce.objects.filter(seen_at__lt=now - 2 * REPLAY_WINDOW - timedelta(minutes=1)).delete()
    try:
        with transaction.atomic():
            SeenNonce.objects.create(agency_code=agency_code, nonce=nonce[:64], seen_at=now)
    except IntegrityError:
        return False
    return True


def endpoint(
    message_type: str, handler: Handler, *, with_form: bool = False
) -> Callable[[HttpRequest], HttpResponse]:
    """`with_form`: the handler also takes the message's canonical form (see handle_feed)."""
    model = MESSAGE_TYPES[message_type]

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return _error("METHOD_NOT_ALLOWED", "只接受 POST", 405, None, "")
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > MAX_MESSAGE_BYTES:
            return _error("TOO_LARGE", f"报文 {length} 字节，超过上限 {MAX_MESSAGE_BYTES}", 413, None, "")
        raw = request.read(MAX_MESSAGE_BYTES + 1)
        if len(raw) > MAX_MESSAGE_BYTES:
            return _error("TOO_LARGE", f"报文超过上限 {MAX_MESSAGE_BYTES} 字节", 413, None, "")
        try:
            message = loads_normal(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _error("MALFORMED", "报文不是合法的 UTF-8 JSON", 400, None, "")
        if not isinstance(message, dict):
            return _error("MALFORMED", "报文应为 JSON 对象", 400, None, "")
        try:
            block = signature_block(message)
        except SignatureProblem as exc:
            return _error(exc.code, exc.message, 401, None, "")
        agency_code = block["agency"]
        key = key_lookup(agency_code, block["key_id"])
        if key is None:
            known = Agency.objects.filter(code=agency_code).exists()
            return _error(
                "KEY_UNKNOWN",
                f"密钥 {block['key_id']} 未登记或已失效",
                401,
                None,
                agency_code if known else "",
            )
        try:
            form = canonical_form(message, normal=True)
            verify(message, key=key_secret(key), normal=True, canonical=form)
        except SignatureProblem as exc:
            return _error(exc.code, exc.message, 401, None, agency_code)
        if not _remember_nonce(agency_code, block["nonce"]):
            return _error("REPLAYED", "该报文已收到过（随机数重复）", 409, key, agency_code)
        if message.get("message_type") != message_type:
            return _error(
                "SCHEMA_INVALID",
                f"此接口只接受 {message_type}",
                400,
                key,
                agency_code,
                [Notice(code="SCHEMA_INVALID", path="message_type", message=f"应为 {message_type}")],
            )
        try:
            # Strict, as the spec says: "1" is not a number, 1 is not a string.
            parsed = model.model_validate_json(raw, strict=True)
        except ValidationError as exc:
            return _error("SCHEMA_INVALID", "报文不符合接口规范", 400, key, agency_code, _schema_errors(exc))
        if getattr(parsed, "agency", None) != agency_code:
            return _error(
                "AGENCY_MISMATCH",
                "报文中的机构与签名机构不一致",
                403,
                key,
                agency_code,
                [Notice(code="AGENCY_MISMATCH", path="agency", message="应与签名机构一致")],
            )
        try:
            reply = (
                handler(key.agency, message, parsed, form)
                if with_form
                else handler(key.agency, message, parsed)
            )
        except Rejected as exc:
            return _error(exc.code, exc.message, exc.status, key, agency_code, exc.errors, exc.expected_seq)
        return _answer(reply, key)

    return view
