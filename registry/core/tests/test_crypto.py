from __future__ import annotations

import pytest
from django.test import override_settings

from registry.core import crypto


def test_round_trip_and_fresh_nonce() -> None:
    a = crypto.encrypt(b"11010519491231002X", aad=b"person:1")
    b = crypto.encrypt(b"11010519491231002X", aad=b"person:1")
    assert a != b  # a new nonce each time: equal plaintexts do not look equal at rest
    assert b"11010519491231002X" not in a
    assert crypto.decrypt(a, aad=b"person:1") == b"11010519491231002X"


def test_tampered_ciphertext_or_wrong_context_is_refused() -> None:
    blob = bytearray(crypto.encrypt(b"secret", aad=b"person:1"))
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(blob), aad=b"person:2")
    blob[20] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(blob), aad=b"person:1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(b"\x01short")


def test_rotation_old_key_still_decrypts() -> None:
    with override_settings(REGISTRY_DATA_KEYS=["00" + "22" * 16]):
        old = crypto.encrypt(b"kept")
    # The test settings list key 01 first (encrypts) and key 00 second (decrypts only).
    assert old[0] == 0
    assert crypto.decrypt(old) == b"kept"
    assert crypto.encrypt(b"new")[0] == 1
    with override_settings(REGISTRY_DATA_KEYS=["01" + "11" * 16]), pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old)


def test_blind_index_is_keyed_and_deterministic() -> None:
    first = crypto.blind_index("11010519491231002X")
    assert first == crypto.blind_index("11010519491231002X")
    assert len(first) == 64 and "11010519491231002X" not in first
    with override_settings(REGISTRY_INDEX_KEY="44" * 32):
        assert crypto.blind_index("11010519491231002X") != first


def test_sm3_known_answer() -> None:
    # GB/T 32905-2016 example 1: SM3("abc").
    assert crypto.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
