"""Signed calls from a provincial node to the hub over HTTPS (urllib: no extra dependency)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from registry.standard.signing import SignatureProblem, sign, verify

ENDPOINTS = {
    "change_batch": "feed",
    "resync_batch": "resync",
    "reconcile_request": "reconcile",
    "archive_query": "archive-query",
    "transfer_package": "transfer",
    "transfer_poll": "transfer-poll",
    "transfer_decision": "transfer-decision",
    "conflict_poll": "conflicts",
}


class HubUnavailable(Exception):
    """No usable answer (network, timeout, 5xx, unsigned or badly signed reply): try again later."""


@dataclass
class HubRefused(Exception):
    """The hub answered with an error message: the message was refused and nothing applied."""

    code: str
    message: str
    status: int
    reply: dict[str, Any]


class HubClient:
    def __init__(self, *, url: str, agency: str, key_id: str, key: bytes, timeout: float = 15.0):
        self.url = url.rstrip("/") + "/"
        self.agency = agency
        self.key_id = key_id
        self.key = key
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> HubClient:
        url = getattr(settings, "REGISTRY_HUB_URL", "")
        key_id = getattr(settings, "REGISTRY_HUB_KEY_ID", "")
        key = getattr(settings, "REGISTRY_HUB_KEY", "")
        if not (url and key_id and key):
            raise ImproperlyConfigured("未配置全国枢纽地址或接口密钥（REGISTRY_HUB_URL / _KEY_ID / _KEY）")
        return cls(url=url, agency=settings.REGISTRY_AGENCY_CODE, key_id=key_id, key=bytes.fromhex(key))

    def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if not self.url.startswith(("https://", "http://")):
            raise HubUnavailable("全国枢纽地址应以 https:// 开头")
        request = urllib.request.Request(  # noqa: S310 -- scheme checked above
            self.url + path,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 -- configured https URL
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise HubUnavailable(f"无法连接全国枢纽：{exc}") from exc

    def call(self, message: dict[str, Any]) -> dict[str, Any]:
        signed = sign(message, agency=self.agency, key_id=self.key_id, key=self.key)
        body = json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode()
        status, raw = self.post(ENDPOINTS[message["message_type"]], body)
        if status >= 500:
            raise HubUnavailable(f"全国枢纽暂不可用（HTTP {status}）")
        try:
            reply = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise HubUnavailable(f"全国枢纽的回复不是 JSON（HTTP {status}）") from exc
        if not isinstance(reply, dict):
            raise HubUnavailable("全国枢纽的回复格式错误")
        if reply.get("signature"):
            try:
                verify(reply, key=self.key)
            except SignatureProblem as exc:
                raise HubUnavailable(f"全国枢纽的回复签名无效：{exc.message}") from exc
        elif reply.get("message_type") != "error":
            raise HubUnavailable("全国枢纽的回复未签名")
        if reply.get("message_type") == "error":
            raise HubRefused(str(reply.get("code")), str(reply.get("message")), status, reply)
        return reply
