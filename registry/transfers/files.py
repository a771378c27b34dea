"""调转包 as a file, for the offline path (the network to the hub is down, or a province delivers by
hand): the origin exports the package it confirmed, signed with its hub key, as JSON or XML; the hub
(or any reader) checks a file against the interface standard before anything is taken from it.

`package_file(t, fmt)` builds the bytes; `transfer_export(actor=, transfer=, fmt=)` is the audited
export the detail page calls; `read_package_file(data)` validates a file and returns the package.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from registry.accounts.roles import Perm
from registry.accounts.selectors import actor_has_perm
from registry.audit.services import audit_append
from registry.core.crypto import sm3_hex
from registry.core.errors import DomainError, Forbidden
from registry.standard.errors import FieldError
from registry.standard.messages import MAX_MESSAGE_BYTES, TransferPackage
from registry.standard.signing import content_digest, sign
from registry.standard.validate import validate_document
from registry.standard.xmlcodec import to_xml

from .models import Direction, Transfer, TransferStatus
from .services import transfer_package

log = logging.getLogger("registry.transfers")
FORMATS = {"json": "application/json", "xml": "application/xml"}
KIND = "transfer_package"
# A package may carry up to MAX_MESSAGE_BYTES in its JSON form; its XML form is somewhat larger.
# Anything far beyond is refused before it is parsed.
MAX_FILE_BYTES = 3 * MAX_MESSAGE_BYTES
# Once confirmed out and until the hub's answer, the package is what the destination reviews.
EXPORTABLE = {TransferStatus.CONFIRMED, TransferStatus.DEST_REVIEW}


def _key() -> tuple[str, bytes]:
    key_id = getattr(settings, "REGISTRY_HUB_KEY_ID", "")
    secret = getattr(settings, "REGISTRY_HUB_KEY", "")
    if not key_id or not secret:
        raise DomainError.single(
            "transfer.export_key",
            "key",
            "本节点未配置接口签名密钥（REGISTRY_HUB_KEY_ID / REGISTRY_HUB_KEY），不能导出签名的调转包，"
            "请联系系统管理员",
        )
    try:
        return key_id, bytes.fromhex(secret)
    except ValueError as exc:
        raise DomainError.single(
            "transfer.export_key", "key", "本节点的接口签名密钥格式错误（应为十六进制），不能导出调转包"
        ) from exc


def package_file(t: Transfer, fmt: str) -> bytes:
    """The transfer's package, signed with this node's hub key, as a JSON or XML file."""
    if fmt not in FORMATS:
        raise DomainError.single("transfer.export_format", "format", "导出格式应为 JSON 或 XML")
    if t.direction != Direction.OUT:
        raise DomainError.single("transfer.export_direction", "direction", "只有本省调出的申请可以导出调转包")
    key_id, key = _key()
    message = transfer_package(t)
    signed = sign(message, agency=str(message["agency"]), key_id=key_id, key=key)
    if fmt == "xml":
        return to_xml(signed)
    return json.dumps(signed, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def transfer_export(*, actor: Any, transfer: Transfer, fmt: str) -> bytes:
    """导出调转包: the origin's reviewers, once confirmed out and until the hub answers; audited."""
    if transfer.origin_agency is None or not actor_has_perm(actor, Perm.REVIEW, transfer.origin_agency):
        raise Forbidden("only the origin exports the package")
    if transfer.status not in EXPORTABLE:
        raise DomainError.single(
            "transfer.export_state", "status", "确认转出后、全国平台办结前才能导出调转包"
        )
    with transaction.atomic():
        data = package_file(transfer, fmt)
        audit_append(
            actor=actor,
            action="transfer.export",
            object_type="transfer",
            object_id=transfer.app_no,
            data={"format": fmt, "digest": content_digest(transfer_package(transfer))},
        )
    return data


def read_package_file(data: bytes, *, key: bytes | None = None) -> dict[str, Any]:
    """A 调转包 file (JSON or XML, recognised from the content) checked in full against the interface
    standard: the message schema (messages.TransferPackage, strict), the signature block (and its value,
    given the sender's key) and each proof against its SM3 digest. Returns the package in its JSON form;
    raises DomainError listing every problem with its path. Reads only: nothing is written."""
    if len(data) > MAX_FILE_BYTES:
        raise DomainError.single("TOO_LARGE", "$", f"文件 {len(data)} 字节，超过调转包的上限")
    try:
        report = validate_document(data, key=key)
    except ValueError as exc:
        # The XSD is generated from the same models the strict check above it uses; when it cannot be
        # generated, the models' verdict stands alone (and the operator is told).
        log.warning("interface XSD unavailable, XML checked against the models only: %s", exc)
        report = validate_document(data, key=key, xsd=False)
    problems = [FieldError(v.code, v.path, v.message) for v in report.violations]
    if report.kind is not None and report.kind != KIND:
        problems.insert(
            0, FieldError("SCHEMA_INVALID", "message_type", f"应为调转包（{KIND}），而不是 {report.kind}")
        )
    if problems:
        raise DomainError(problems)
    message: dict[str, Any] = report.message
    package = TransferPackage.model_validate(message)
    for index, proof in enumerate(package.proofs):
        try:
            content = base64.b64decode(proof.data, validate=True)
        except (binascii.Error, ValueError):
            problems.append(FieldError("SCHEMA_INVALID", f"proofs[{index}].data", "不是合法的 Base64 文本"))
            continue
        if sm3_hex(content) != proof.sm3:
            problems.append(
                FieldError(
                    "SCHEMA_INVALID", f"proofs[{index}].sm3", "与文件内容的 SM3 摘要不符（文件被改动或损坏）"
                )
            )
    if problems:
        raise DomainError(problems)
    return message
