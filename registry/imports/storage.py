"""The uploaded file at rest: SM4-GCM ciphertext in file storage, bound to its job (its rows hold
full ID numbers, ARCHITECTURE.md §4.5)."""

from __future__ import annotations

import secrets
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from registry.core.crypto import decrypt, encrypt

from .models import ImportJob

PREFIX = "imports"


def _aad(uid: uuid.UUID) -> bytes:
    return f"import:{uid}".encode()


def new_name() -> str:
    # A random name: nothing about the job or the uploader can be read from the storage listing.
    return f"{PREFIX}/{secrets.token_hex(2)}/{secrets.token_hex(16)}.bin"


def save_file(uid: uuid.UUID, data: bytes) -> str:
    return default_storage.save(new_name(), ContentFile(encrypt(data, aad=_aad(uid))))


def load_file(job: ImportJob) -> bytes:
    with default_storage.open(job.storage_name, "rb") as fh:
        return decrypt(fh.read(), aad=_aad(job.uid))


def delete_file(job: ImportJob) -> None:
    if job.storage_name and default_storage.exists(job.storage_name):
        default_storage.delete(job.storage_name)
