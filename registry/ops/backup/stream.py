"""The `.rbk` container: a clear header, then SM4-GCM frames of at most 1 MiB of plaintext each.

Frame layout: 4-byte big-endian length, 1-byte final flag, then `registry.core.crypto.encrypt`
output (key id, nonce, ciphertext, tag). Each frame's associated data binds the archive's
random id, the frame's index and the final flag, so a flipped byte, a dropped, repeated or
reordered frame, a frame spliced in from another archive and a file cut short (even exactly
at a frame boundary) all fail authentication before any of it is used. Memory stays bounded
by one frame on both sides.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes
from django.conf import settings

from registry.core.crypto import NONCE_BYTES, TAG_BYTES, DecryptionError, decrypt, encrypt

MAGIC = b"RGBK\x00\x01"  # registry backup, container format 1
ID_BYTES = 16
HEADER_BYTES = len(MAGIC) + ID_BYTES
FRAME_PLAIN = 1 << 20
_FRAME_HEAD = struct.Struct(">IB")
_MIN_BLOB = 1 + NONCE_BYTES + TAG_BYTES
_MAX_BLOB = FRAME_PLAIN + _MIN_BLOB


class BackupError(Exception):
    """A refusal with a stable code and a message for the operator (Chinese); nothing was changed
    unless the message says otherwise."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def frame_aad(archive_id: bytes, index: int, final: bool) -> bytes:
    return b"registry-backup/1\x1f" + archive_id + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def configured_key_ids() -> set[int]:
    return {bytes.fromhex(k[:2])[0] for k in settings.REGISTRY_DATA_KEYS if len(k) >= 2}


class EncryptedWriter:
    """A write-only file object; `close()` writes the final frame and must be called once."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.archive_id = os.urandom(ID_BYTES)
        self._buf = bytearray()
        self._index = 0
        self._closed = False
        self._digest = hashes.Hash(hashes.SM3())
        self.size = 0
        self._emit(MAGIC + self.archive_id)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("archive already closed")
        self._buf += data
        while len(self._buf) >= FRAME_PLAIN:
            self._frame(bytes(self._buf[:FRAME_PLAIN]), final=False)
            del self._buf[:FRAME_PLAIN]
        return len(data)

    def close(self) -> None:
        if not self._closed:
            # The final frame may be empty: the flag, not the length, says where the archive ends.
            self._frame(bytes(self._buf), final=True)
            self._buf.clear()
            self._closed = True

    def sm3(self) -> str:
        """Digest of the file's bytes as written (for the audit trail and off-site copies)."""
        return self._digest.copy().finalize().hex()

    def _frame(self, plain: bytes, *, final: bool) -> None:
        blob = encrypt(plain, aad=frame_aad(self.archive_id, self._index, final))
        self._emit(_FRAME_HEAD.pack(len(blob), 1 if final else 0) + blob)
        self._index += 1

    def _emit(self, data: bytes) -> None:
        self._raw.write(data)
        self._digest.update(data)
        self.size += len(data)


def _read_exact(raw: BinaryIO, n: int) -> bytes:
    parts: list[bytes] = []
    while n > 0:
        part = raw.read(n)
        if not part:
            break
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


TRUNCATED = "备份文件不完整（文件被截断或复制未完成），无法使用"


class EncryptedReader:
    """A read-only file object over an archive; raises BackupError on any sign of damage."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        header = _read_exact(raw, HEADER_BYTES)
        if len(header) < HEADER_BYTES or header[: len(MAGIC)] != MAGIC:
            raise BackupError("backup.not_archive", "不是本系统的备份文件（文件头不符）")
        self.archive_id = header[len(MAGIC) :]
        self._key_ids = configured_key_ids()
        self._buf = b""
        self._pos = 0
        self._index = 0
        self.finished = False

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            while self._next_frame():
                pass
            n = len(self._buf) - self._pos
        while len(self._buf) - self._pos < n and self._next_frame():
            pass
        data = self._buf[self._pos : self._pos + n]
        self._pos += len(data)
        return data

    def drain(self) -> None:
        """Read to the final frame: the end of the tar stream is not the end of the archive."""
        while self._next_frame():
            self._buf, self._pos = b"", 0

    def _next_frame(self) -> bool:
        if self.finished:
            return False
        head = _read_exact(self._raw, _FRAME_HEAD.size)
        if len(head) < _FRAME_HEAD.size:
            raise BackupError("backup.truncated", TRUNCATED)
        length, flag = _FRAME_HEAD.unpack(head)
        if not _MIN_BLOB <= length <= _MAX_BLOB or flag not in (0, 1):
            raise BackupError(
                "backup.corrupt", f"备份文件已损坏或被改动（第 {self._index + 1} 块的长度或标志无效）"
            )
        blob = _read_exact(self._raw, length)
        if len(blob) < length:
            raise BackupError("backup.truncated", TRUNCATED)
        if blob[0] not in self._key_ids:
            raise BackupError(
                "backup.unknown_key",
                f"备份用编号为 {blob[0]:02x} 的数据密钥加密，本机 REGISTRY_DATA_KEYS 中没有这个密钥："
                "请配置备份时使用的密钥（密钥不在备份文件中）",
            )
        try:
            plain = decrypt(blob, aad=frame_aad(self.archive_id, self._index, flag == 1))
        except DecryptionError as exc:
            if self._index == 0:
                raise BackupError(
                    "backup.key_mismatch",
                    "无法解密备份：本机数据密钥与备份时的密钥不同，或文件已损坏或被改动",
                ) from exc
            raise BackupError(
                "backup.tampered", f"备份文件已损坏或被改动（第 {self._index + 1} 块校验失败）"
            ) from exc
        self._index += 1
        self._buf = self._buf[self._pos :] + plain
        self._pos = 0
        if flag == 1:
            self.finished = True
            if self._raw.read(1):
                raise BackupError("backup.trailing", "备份文件结尾之后还有多余的数据（文件被改动）")
        return True
