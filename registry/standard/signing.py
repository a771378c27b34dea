"""Signing of interface messages: HMAC-SM3 over a canonical form of the message (interface spec §5).

The canonical form is the message's JSON with keys sorted, no insignificant whitespace, UTF-8
(not \\u-escaped), integral numbers without a fraction, other numbers in their shortest round-trip
form (RFC 8785 style), and the signature's `value` member left out. The same bytes result whether
the message travelled as JSON or as XML, so one signature covers both forms.
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac

ALGORITHM = "HMAC-SM3"
# A message signed more than this far from the receiver's clock is refused (both directions).
REPLAY_WINDOW = timedelta(minutes=5)
GENESIS = "0" * 64


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinite numbers have no canonical form")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


def _parse_float(text: str) -> float | int:
    return _normalise(float(text))  # type: ignore[no-any-return]


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def loads_normal(raw: bytes | str) -> Any:
    """Parse JSON straight into the canonical value form (whole floats as integers), so the
    signature and digest of a received message need no second pass over it (`normal=True`)."""
    return json.loads(raw, parse_float=_parse_float, parse_constant=_refuse_constant)


def _dumps(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode()


@dataclass(frozen=True)
class Canonical:
    """A message's canonical form, kept as the canonical JSON of each top-level member (the
    signature without its value), so that the signed bytes, the content digest and a stored copy of
    one member all come from one pass over a large message. Joining the members in key order gives
    exactly the bytes `json.dumps(sort_keys=True, …)` of the whole gives."""

    members: dict[str, bytes]

    def joined(self, *, signature: bool = True) -> bytes:
        keys = sorted(k for k in self.members if signature or k != "signature")
        return b"{" + b",".join(_dumps(k) + b":" + self.members[k] for k in keys) + b"}"

    def digest(self) -> str:
        return sm3_hex(self.joined(signature=False))


def canonical_form(message: dict[str, Any], *, normal: bool = False) -> Canonical:
    """`normal`: the message came from `loads_normal`, so its values are already canonical."""
    body = message if normal else _normalise(message)
    members = {str(k): _dumps(v) for k, v in body.items() if k != "signature"}
    signature = body.get("signature")
    if isinstance(signature, dict):
        members["signature"] = _dumps({k: v for k, v in signature.items() if k != "value"})
    elif "signature" in body:
        members["signature"] = _dumps(signature)
    return Canonical(members)


def canonical_bytes(message: dict[str, Any], *, normal: bool = False) -> bytes:
    """The bytes that are signed and digested: the message without `signature.value`."""
    return canonical_form(message, normal=normal).joined()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def content_digest(message: dict[str, Any], *, normal: bool = False) -> str:
    """SM3 over the canonical form without any signature: equal for a batch however often it is re-signed."""
    return canonical_form(message, normal=normal).digest()


def hmac_sm3_hex(key: bytes, data: bytes) -> str:
    mac = c_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


def sign(
    message: dict[str, Any],
    *,
    agency: str,
    key_id: str,
    key: bytes,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, Any]:
    """A copy of `message` with a fresh signature block (new timestamp and nonce, unless given)."""
    signed_at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    out = dict(message)
    out["signature"] = {
        "algorithm": ALGORITHM,
        "agency": agency,
        "key_id": key_id,
        "signed_at": signed_at.replace("+00:00", "Z"),
        "nonce": nonce or secrets.token_hex(16),
    }
    out["signature"]["value"] = hmac_sm3_hex(key, canonical_bytes(out))
    return out


@dataclass(frozen=True)
class SignatureProblem(Exception):
    code: str
    message: str
    path: str = "signature"


def signature_block(message: dict[str, Any]) -> dict[str, Any]:
    block = message.get("signature")
    if not isinstance(block, dict):
        raise SignatureProblem("SIGNATURE_MISSING", "报文未签名")
    for name in ("algorithm", "agency", "key_id", "signed_at", "nonce", "value"):
        if not isinstance(block.get(name), str) or not block[name]:
            raise SignatureProblem("SIGNATURE_MISSING", f"签名缺少 {name}", f"signature.{name}")
    if block["algorithm"] != ALGORITHM:
        raise SignatureProblem(
            "SIGNATURE_INVALID", f"不支持的签名算法 {block['algorithm']}", "signature.algorithm"
        )
    return block


def verify(
    message: dict[str, Any],
    *,
    key: bytes,
    now: datetime | None = None,
    normal: bool = False,
    canonical: Canonical | None = None,
) -> dict[str, Any]:
    """Check the signature value and the replay window; returns the signature block.
    `canonical`: the message's canonical form, when the caller already made it."""
    block = signature_block(message)
    form = canonical if canonical is not None else canonical_form(message, normal=normal)
    expected = hmac_sm3_hex(key, form.joined())
    if not hmac.compare_digest(expected, block["value"].lower()):
        raise SignatureProblem("SIGNATURE_INVALID", "签名校验失败", "signature.value")
    try:
        signed_at = datetime.fromisoformat(block["signed_at"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise SignatureProblem("SIGNATURE_INVALID", "签名时间格式错误", "signature.signed_at") from exc
    if signed_at.tzinfo is None:
        raise SignatureProblem("SIGNATURE_INVALID", "签名时间须带时区", "signature.signed_at")
    skew = abs((now or datetime.now(UTC)) - signed_at)
    if skew > REPLAY_WINDOW:
        raise SignatureProblem(
            "TIMESTAMP_EXPIRED", "签名时间超出允许的时间窗口（±5 分钟）", "signature.signed_at"
        )
    return block
