"""Settings for `make run`: the embedded default on one machine (SQLite, console mail).

Keys are created once under var/ (outside the database) when the environment
does not give them, so a second `make run` reads the same data.
"""

from __future__ import annotations

import json
import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)  # WhiteNoise serves from the finders; an empty root keeps it quiet
_keyfile = VAR_DIR / "local-keys.json"
if not _keyfile.exists():
    _keyfile.write_text(
        json.dumps(
            {
                "secret_key": secrets.token_urlsafe(48),
                "data_key": "01" + secrets.token_hex(16),
                "index_key": secrets.token_hex(32),
            }
        )
    )
    _keyfile.chmod(0o600)
_keys = json.loads(_keyfile.read_text())
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _keys["secret_key"]
REGISTRY_DATA_KEYS = [k for k in os.environ.get("REGISTRY_DATA_KEYS", "").split(",") if k] or [
    _keys["data_key"]
]
REGISTRY_INDEX_KEY = os.environ.get("REGISTRY_INDEX_KEY") or _keys["index_key"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
