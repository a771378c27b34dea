"""Labels the pages share."""

from __future__ import annotations

from typing import Any

from registry.standard.codes import load_table

from .models import EntryStatus, Route
from .rules import ROLE_LABELS


def labels() -> dict[str, Any]:
    return {
        "form_labels": dict(load_table("ce_form").choices(include_retired=True)),
        "subject_labels": {"1": "专业", "2": "公需"},
        "route_labels": dict(Route.choices),
        "status_labels": dict(EntryStatus.choices),
        "role_labels": {
            f"{form}:{role}": label for form, roles in ROLE_LABELS.items() for role, label in roles.items()
        },
    }
