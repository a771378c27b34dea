"""Session idle timeout, and mandatory TOTP for staff where the deployment asks for it."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .selectors import actor_is_staff


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen", now)
            if now - int(last) > settings.SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(request, "长时间未操作，已自动退出，请重新登录。")
                return redirect(settings.LOGIN_URL)
            if now - int(last) >= 60 or "last_seen" not in request.session:
                request.session["last_seen"] = now  # at most one session write a minute
        return self.get_response(request)


class StaffMfaMiddleware:
    """With REGISTRY_REQUIRE_STAFF_MFA, a staff session that has not passed TOTP may only enrol or log out."""

    EXEMPT = ("accounts:mfa_setup", "accounts:logout", "accounts:login")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.REGISTRY_REQUIRE_STAFF_MFA
            and user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and actor_is_staff(user)
            and not request.path.startswith(
                settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
            )
            and request.path not in {reverse(name) for name in self.EXEMPT}
        ):
            return redirect("accounts:mfa_setup")
        return self.get_response(request)
