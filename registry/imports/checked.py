"""The dry run's validated new records, kept for the commit beside the upload.

Parsing the cells and checking the identity cost more than half of what it takes to check a row;
doing it all twice (dry run, commit) cost about 11 s per 100,000 rows. The dry run therefore keeps
each planned creation's record as the standard's JSON, and the commit validates that JSON through
the standard again (`PersonRecord.model_validate_json`) instead of re-reading the cells. What the
record cannot carry is checked afresh at commit: the row's plan (a row without a stored plan row is
still a creation), the agency (still active and in scope), the number (registered meanwhile). A row
without a kept record — a job checked before this file existed, a frame that does not line up — is
read from the upload again, as before.

The file holds full ID numbers, so it is protected as the upload is: one SM4-GCM frame per chunk
of rows, its associated data naming the job and the frame's place, in file storage; zlib-packed
(about 150 bytes a row). It is deleted when the commit is done.
"""

from __future__ import annotations

import logging
import struct
import tempfile
import zlib
from collections.abc import Generator
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage

from registry.core.crypto import DecryptionError, decrypt, encrypt

from .models import ImportJob
from .storage import new_name

log = logging.getLogger(__name__)
LENGTH = struct.Struct(">I")
Kept = dict[int, tuple[str, bytes]]  # row number → (blind index, record JSON)


def _aad(job: ImportJob, frame: int) -> bytes:
    return f"import-checked:{job.uid}:{frame}".encode()


class Writer:
    """One frame per dry-run chunk, in a temporary file (ciphertext only) until the dry run ends."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.frames = 0
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 -- closed by save/discard

    def add(self, through: int, rows: list[tuple[int, str, bytes]]) -> None:
        lines = [str(through).encode()]
        lines += [b"%d\t%s\t%s" % (n, index.encode(), record) for n, index, record in rows]
        packed = zlib.compress(b"\n".join(lines), 1)
        blob = encrypt(packed, aad=_aad(self.job, self.frames))
        self.file.write(LENGTH.pack(len(blob)) + blob)
        self.frames += 1

    def save(self) -> str:
        self.file.seek(0)
        try:
            return default_storage.save(new_name(), File(self.file))
        finally:
            self.file.close()

    def discard(self) -> None:
        self.file.close()


def frames(job: ImportJob) -> Generator[tuple[int, Kept], None, None]:
    """(last row number of the chunk, its kept records) for each frame, in order. Ends early — the
    remaining rows are then read from the upload — if there is no such file or a frame does not
    decrypt (altered, cut short, out of place)."""
    if not job.checked_name or not default_storage.exists(job.checked_name):
        return
    with default_storage.open(job.checked_name, "rb") as fh:
        index = 0
        while head := fh.read(LENGTH.size):
            try:
                lines = zlib.decompress(_open_frame(job, index, fh, head)).split(b"\n")
            except (DecryptionError, zlib.error, struct.error):
                log.warning("import job %s: kept records unreadable from frame %d on", job.uid, index)
                return
            kept: Kept = {}
            for line in lines[1:]:
                row_no, digest, record = line.split(b"\t", 2)
                kept[int(row_no)] = (digest.decode(), record)
            yield int(lines[0]), kept
            index += 1


class Reader:
    """The kept records of the commit's chunks, in order, from the frames of the dry run's chunks
    (sizes need not match: a frame's rows wait until their chunk comes)."""

    def __init__(self, job: ImportJob) -> None:
        self.frames: Generator[tuple[int, Kept], None, None] = frames(job)
        self.held: Kept = {}
        self.through = 0

    def upto(self, through: int) -> Kept:
        """The kept records of the rows up to `through` not handed out before."""
        while self.through < through and (frame := next(self.frames, None)) is not None:
            self.through = frame[0]
            self.held.update(frame[1])
        out = {n: kept for n, kept in self.held.items() if n <= through}
        for n in out:
            del self.held[n]
        return out

    def close(self) -> None:
        self.frames.close()  # the storage file, before it is deleted


def _open_frame(job: ImportJob, index: int, fh: IO[bytes], head: bytes) -> bytes:
    return decrypt(fh.read(LENGTH.unpack(head)[0]), aad=_aad(job, index))


def delete(job: ImportJob) -> None:
    if job.checked_name and default_storage.exists(job.checked_name):
        default_storage.delete(job.checked_name)
