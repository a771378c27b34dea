"""Asking the national hub whether an archive number is already registered in another province.

`collection` sits below `sync` in the layers, so the sync app registers the check here when it loads.
A node without a hub (or a hub that does not answer) registers nothing or answers UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NationalAnswer:
    state: str  # off (no hub configured) | free | held | unknown (hub did not answer)
    holder: str = ""  # the provincial body holding the number (never the person's details)


OFF, FREE, HELD, UNKNOWN = "off", "free", "held", "unknown"
_CHECKS: list[Callable[[str], NationalAnswer]] = []


def register_national_check(check: Callable[[str], NationalAnswer]) -> None:
    _CHECKS[:] = [check]


def national_check(archive_index: str) -> NationalAnswer:
    if not _CHECKS:
        return NationalAnswer(OFF)
    return _CHECKS[0](archive_index)
