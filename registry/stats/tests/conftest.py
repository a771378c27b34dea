"""Staff of each level, people made through the services, and helpers that read the pages."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from registry.accounts.models import User
from registry.talents.programmes import programme_seed


def png(color: str = "white") -> tuple[str, bytes]:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), color).save(buf, "PNG")
    return ("decision.png", buf.getvalue())


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _programmes(db: Any) -> None:
    programme_seed()


@pytest.fixture(autouse=True)
def _export_dir(settings: Any, tmp_path: Any) -> None:
    settings.REGISTRY_EXPORT_DIR = str(tmp_path / "exports")


@pytest.fixture
def login() -> Callable[[User], Client]:
    return client_for
