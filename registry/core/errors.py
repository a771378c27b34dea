"""Domain errors raised by services and turned into pages or API answers by views."""

from __future__ import annotations

from collections.abc import Iterable

from registry.standard.errors import FieldError


class DomainError(Exception):
    """Bad input or a broken rule: carries every field error; nothing was written."""

    def __init__(self, errors: Iterable[FieldError]):
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def single(cls, code: str, field: str, message: str) -> DomainError:
        return cls([FieldError(code, field, message)])

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.field, []).append(e.message)
        return out


class NotVisible(Exception):
    """The object does not exist for this actor; views answer 404 so nothing leaks."""


class Forbidden(Exception):
    """The actor sees the object but may not do this to it."""
