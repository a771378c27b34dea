"""Login (password, then TOTP for staff who have it), logout, and TOTP enrolment."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import LoginForm, TotpConfirmForm
from .selectors import actor_is_staff


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is None:
            if getattr(request, "axes_locked_out", False):
                return render(request, "accounts/locked.html", status=429)
            form.add_error(None, "用户名或密码错误。连续输错多次将暂时锁定。")
        else:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is not None and not device.verify_token(form.cleaned_data["otp_token"] or ""):
                form.add_error("otp_token", "动态口令错误或已过期")
            else:
                login(request, user)  # rotates the session key
                if device is not None:
                    otp_login(request, device)
                default = "people:list" if actor_is_staff(user) else "portal:home"
                return redirect(_next_url(request, default))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "已安全退出。")
    return redirect("accounts:login")


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is not None:
        return render(request, "accounts/mfa_setup.html", {"enrolled": True})
    pending, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "身份验证器"}
    )
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if pending.verify_token(form.cleaned_data["token"]):
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            otp_login(request, pending)
            messages.success(request, "身份验证器已绑定。今后登录须填写动态口令。")
            return redirect("people:list")
        form.add_error("token", "动态口令错误，请核对手机时间后重试")
    image = qrcode.make(pending.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buf = io.BytesIO()
    image.save(buf)
    return render(request, "accounts/mfa_setup.html", {"form": form, "qr_svg": buf.getvalue().decode()})
