"""国密 helpers: SM4-GCM encryption at rest and HMAC-SM3 blind indexes.

Keys come from settings (which read the environment), never from the database.
A ciphertext starts with a one-byte key id so data keys can be rotated: the
first configured key encrypts, every configured key can decrypt.
"""

from __future__ import annotations

import hmac as std_hmac
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    pass


@cache
def _data_keys(spec: tuple[str, ...]) -> tuple[int, dict[int, bytes]]:
    keys: dict[int, bytes] = {}
    for item in spec:
        raw = bytes.fromhex(item)
        if len(raw) != 17:
            raise ImproperlyConfigured(
                "REGISTRY_DATA_KEYS: each key is 2 hex digits of key id + 32 hex digits"
            )
        keys[raw[0]] = raw[1:]
    if not keys:
        raise ImproperlyConfigured("REGISTRY_DATA_KEYS is empty")
    return bytes.fromhex(spec[0])[0], keys


def _keys() -> tuple[int, dict[int, bytes]]:
    return _data_keys(tuple(settings.REGISTRY_DATA_KEYS))


def encrypt(plaintext: bytes, aad: bytes = b"") -> bytes:
    key_id, keys = _keys()
    nonce = os.urandom(NONCE_BYTES)
    enc = Cipher(algorithms.SM4(keys[key_id]), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    body = enc.update(plaintext) + enc.finalize()
    return bytes([key_id]) + nonce + body + enc.tag


def decrypt(blob: bytes, aad: bytes = b"") -> bytes:
    _, keys = _keys()
    blob = bytes(blob)
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES or blob[0] not in keys:
        raise DecryptionError("unknown key or truncated ciphertext")
    nonce, body, tag = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES : -TAG_BYTES], blob[-TAG_BYTES:]
    dec = Cipher(algorithms.SM4(keys[blob[0]]), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(body) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc


def encrypt_text(text: str, aad: bytes = b"") -> bytes:
    return encrypt(text.encode(), aad)


def decrypt_text(blob: bytes, aad: bytes = b"") -> str:
    return decrypt(blob, aad).decode()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = c_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def blind_index(value: str, purpose: str = "archive_no") -> str:
    """Deterministic keyed digest for exact lookup and uniqueness without the plaintext."""
    key = settings.REGISTRY_INDEX_KEY
    if not key:
        raise ImproperlyConfigured("REGISTRY_INDEX_KEY is empty")
    return hmac_sm3(bytes.fromhex(key), f"{purpose}\x1f{value}".encode()).hex()


def constant_time_equal(a: str, b: str) -> bool:
    return std_hmac.compare_digest(a.encode(), b.encode())
