"""Settings for the test suite: fixed synthetic keys, fast hashing, in-memory mail."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

# The suite tests both roles in one process: the hub's app is installed too.
if "registry.hub" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS.append("registry.hub")  # noqa: F405

SECRET_KEY = "test-secret-key-not-for-production-use-0123456789abcdef"
DEBUG = False
REGISTRY_DATA_KEYS = ["01" + "11" * 16, "00" + "22" * 16]
REGISTRY_INDEX_KEY = "33" * 32
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WHITENOISE_AUTOREFRESH = True
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 -- the live server thread must not keep the test DB open
STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}  # noqa: F405
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3"):  # noqa: F405
    # A file, not shared memory: the browser tests' live server answers several requests at
    # once, and each thread needs its own connection (WAL lets them read while one writes).
    _test_db = Path(tempfile.gettempdir()) / f"registry-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}  # noqa: F405
