from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .roles import Perm
from .selectors import actor_is_staff, actor_perms, actor_roots


def actor(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "actor_is_staff": actor_is_staff(user),
        "actor_perms": {p.value for p in actor_perms(user)},
        "actor_roots": actor_roots(user, Perm.VIEW_PEOPLE) if user.is_authenticated else [],
        "registry_role": settings.REGISTRY_ROLE,
    }
