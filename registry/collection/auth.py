"""Accountants log in with their archive number (ID number) or mobile number."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from registry.accounts.models import User
from registry.people.models import Person
from registry.people.services import archive_index_for
from registry.standard.identity import check_identity, normalise_number
from registry.standard.record import MOBILE


class ArchiveOrMobileBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = self._find(username.strip())
        if user is None:
            User().set_password(password)  # same work as a real check: no timing hint that the account exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def _find(self, login: str) -> User | None:
        if MOBILE.match(login):
            return User.objects.filter(mobile=login, person__isnull=False).first()
        result = check_identity("resident_id", login)
        number = result.archive_no or normalise_number(login)
        # Every document type but the passport is indexed by the number alone.
        person = (
            Person.objects.select_related("user")
            .filter(archive_index=archive_index_for("resident_id", number, None), user__isnull=False)
            .first()
        )
        return person.user if person else None
