"""Issuing, rotating and looking up the per-agency interface keys."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from registry.audit.services import audit_append
from registry.core.crypto import decrypt, encrypt
from registry.orgs.models import Agency, Level

from .models import AgencyKey

# During a rotation the old key stays valid this long, so a province can switch without a gap.
ROTATION_OVERLAP = timedelta(days=7)


def _aad(key_id: str) -> bytes:
    return f"hub-key:{key_id}".encode()


def key_secret(key: AgencyKey) -> bytes:
    return decrypt(bytes(key.secret_cipher), _aad(key.key_id))


def key_issue(*, actor: Any, agency: Agency, rotate: bool = False) -> tuple[AgencyKey, bytes]:
    """A new key for a provincial body; with `rotate`, the current keys expire after the overlap.

    Returns the key row and the secret, which is shown once and never again."""
    if agency.level != Level.PROVINCIAL:
        raise ValueError("只能为省级会计管理机构签发接口密钥")
    now = timezone.now()
    secret = secrets.token_bytes(32)
    key_id = f"{agency.code}-{now:%Y%m%d}-{secrets.token_hex(3)}"
    with transaction.atomic():
        if rotate:
            AgencyKey.objects.filter(agency=agency, valid_until__isnull=True).update(
                valid_until=now + ROTATION_OVERLAP
            )
        key = AgencyKey.objects.create(
            agency=agency,
            key_id=key_id,
            secret_cipher=encrypt(secret, _aad(key_id)),
            valid_from=now,
            created_by=str(actor) if actor else "system",
        )
        audit_append(
            actor=actor,
            action="hub.key_rotate" if rotate else "hub.key_issue",
            object_type="agency",
            object_id=agency.code,
            data={"key_id": key_id},
        )
    return key, secret


def key_install(*, agency: Agency, key_id: str, secret: bytes) -> AgencyKey:
    """Register a key agreed out of band (the demo launcher gives every node its key this way)."""
    key, _ = AgencyKey.objects.update_or_create(
        key_id=key_id,
        defaults={
            "agency": agency,
            "secret_cipher": encrypt(secret, _aad(key_id)),
            "valid_from": timezone.now() - timedelta(minutes=10),
            "valid_until": None,
        },
    )
    return key


def key_lookup(agency_code: str, key_id: str) -> AgencyKey | None:
    now = timezone.now()
    key = AgencyKey.objects.select_related("agency").filter(key_id=key_id, agency__code=agency_code).first()
    if key is None or key.valid_from > now or (key.valid_until is not None and key.valid_until <= now):
        return None
    return key
