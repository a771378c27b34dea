"""The encrypted container on its own: every kind of damage is refused before its data is used."""

from __future__ import annotations

import io
import os
import struct
from typing import Any

import pytest

from registry.ops.backup.stream import (
    FRAME_PLAIN,
    HEADER_BYTES,
    BackupError,
    EncryptedReader,
    EncryptedWriter,
)

FRAME_HEAD = struct.Struct(">IB")


def _seal(data: bytes) -> bytes:
    out = io.BytesIO()
    writer = EncryptedWriter(out)
    for start in range(0, len(data), 100_000):  # many small writes, as tarfile makes them
        writer.write(data[start : start + 100_000])
    writer.close()
    return out.getvalue()


def _open(blob: bytes) -> bytes:
    reader = EncryptedReader(io.BytesIO(blob))
    data = reader.read()
    assert reader.finished
    return data


def _frames(blob: bytes) -> list[bytes]:
    """The raw frames (length, flag and sealed body) after the header."""
    frames, pos = [], HEADER_BYTES
    while pos < len(blob):
        length, _ = FRAME_HEAD.unpack_from(blob, pos)
        frames.append(blob[pos : pos + FRAME_HEAD.size + length])
        pos += FRAME_HEAD.size + length
    return frames


def _refused(blob: bytes) -> BackupError:
    with pytest.raises(BackupError) as caught:
        _open(blob)
    return caught.value


PAYLOAD = os.urandom(2 * FRAME_PLAIN + 12_345)


def test_round_trip_in_bounded_frames() -> None:
    blob = _seal(PAYLOAD)
    frames = _frames(blob)
    assert len(frames) == 3 and all(len(f) <= FRAME_PLAIN + 64 for f in frames)
    assert _open(blob) == PAYLOAD
    assert PAYLOAD[:64] not in blob
    # An exact multiple of the frame size ends with an empty final frame, still authenticated.
    exact = os.urandom(FRAME_PLAIN)
    assert _open(_seal(exact)) == exact
    assert _open(_seal(b"")) == b""


@pytest.mark.parametrize("where", [HEADER_BYTES - 1, HEADER_BYTES + 2, HEADER_BYTES + 40, -1, -5000])
def test_a_flipped_byte_is_refused(where: int) -> None:
    blob = bytearray(_seal(PAYLOAD))
    blob[where] ^= 0x01
    error = _refused(bytes(blob))
    assert error.code in {"backup.tampered", "backup.key_mismatch", "backup.corrupt"}
    assert "改动" in error.message or "损坏" in error.message


def test_reordered_dropped_or_spliced_frames_are_refused() -> None:
    blob = _seal(PAYLOAD)
    head, frames = blob[:HEADER_BYTES], _frames(blob)
    assert _refused(head + frames[1] + frames[0] + frames[2]).code == "backup.key_mismatch"  # first frame
    assert _refused(head + frames[0] + frames[2]).code == "backup.tampered"
    other = _frames(_seal(PAYLOAD))
    assert _refused(head + frames[0] + other[1] + frames[2]).code == "backup.tampered"
    # The final flag is authenticated too: a middle frame cannot pose as the last one.
    forged = bytearray(frames[1])
    forged[4] = 1
    assert _refused(head + frames[0] + bytes(forged)).code == "backup.tampered"


def test_truncation_is_refused_even_at_a_frame_boundary() -> None:
    blob = _seal(PAYLOAD)
    frames = _frames(blob)
    at_boundary = blob[:HEADER_BYTES] + frames[0] + frames[1]
    assert _refused(at_boundary).code == "backup.truncated"
    assert _refused(blob[: len(blob) // 2]).code == "backup.truncated"
    assert _refused(blob[:-1]).code == "backup.truncated"
    assert _refused(blob[:HEADER_BYTES]).code == "backup.truncated"
    assert "不完整" in _refused(blob[:-1]).message


def test_trailing_bytes_and_foreign_files_are_refused() -> None:
    blob = _seal(b"hello")
    assert _refused(blob + b"\x00").code == "backup.trailing"
    assert _refused(b"PK\x03\x04" + blob[4:]).code == "backup.not_archive"
    assert _refused(b"").code == "backup.not_archive"


def test_wrong_or_missing_key(settings: Any) -> None:
    blob = _seal(b"secret")
    settings.REGISTRY_DATA_KEYS = ["01" + "44" * 16]  # same id, other key
    error = _refused(blob)
    assert error.code == "backup.key_mismatch" and "密钥" in error.message
    settings.REGISTRY_DATA_KEYS = ["07" + "44" * 16]
    error = _refused(blob)
    assert error.code == "backup.unknown_key" and "01" in error.message
    # A node that rotated keys still reads old backups: every configured key decrypts.
    settings.REGISTRY_DATA_KEYS = ["07" + "44" * 16, "01" + "11" * 16]
    assert _open(blob) == b"secret"
