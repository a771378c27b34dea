"""A province admin and helpers to define items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from registry.accounts.models import User
from registry.accounts.roles import Role
from registry.extensions.models import ExtensionItem
from registry.extensions.services import extension_item_save


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.PROVINCE_ADMIN, "440000")


@pytest.fixture
def define(admin: User) -> Callable[..., ExtensionItem]:
    def make(key: str, type: str = "text", **data: Any) -> ExtensionItem:
        return extension_item_save(
            actor=admin, data={"key": key, "label": data.pop("label", key), "type": type, **data}
        )

    return make
