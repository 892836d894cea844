"""Request-time controls, in MIDDLEWARE order (see settings.py):

SecurityHeadersMiddleware   CSP without inline scripts, Permissions-Policy, no-store for signed-in pages
SessionControlMiddleware    the session is registered and live; idle and absolute timeouts
TwoFactorGateMiddleware     a signed-in user who owes a second factor reaches only the 2FA pages
PasswordGateMiddleware      a forced or expired password must be changed first
PermissionMatrixMiddleware  deny by default: the route × method × role matrix of every app
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from . import matrix, policy, services

# Pages a user may reach while a gate is pending.
TWOFA_OPEN = {"security:2fa_verify", "security:2fa_setup", "web:logout", "web:login"}
PASSWORD_OPEN = TWOFA_OPEN | {"security:password_change"}


def _redirect(request, url: str):
    # An htmx request follows a full-page redirect instead of swapping the login page into a fragment.
    if request.headers.get("HX-Request"):
        resp = HttpResponse(status=204)
        resp["HX-Redirect"] = url
        return resp
    return redirect(url)


def _login_url(request) -> str:
    return reverse(settings.LOGIN_URL) + "?" + urlencode({"next": request.get_full_path()})


def _view_name(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else None


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        csp = getattr(settings, "BANLI_CSP", "")
        if csp and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = csp
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            # Case data must not linger in shared or browser caches (ASVS 8.2.1).
            response["Cache-Control"] = "no-store"
        return response


class SessionControlMiddleware:
    """Ends sessions that were ended elsewhere, have been idle too long, or are too old."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = self._check(request, user)
            if reason:
                logout(request)
                messages.info(request, reason)
                return _redirect(request, _login_url(request))
        return self.get_response(request)

    def _check(self, request, user) -> str | None:
        s = request.session
        if not services.session_is_live(user, s.session_key):
            return "您的登录已失效（已在别处退出、账户被停用或权限变更），请重新登录。"
        now = timezone.now()
        login_at = s.get(services.SESSION_LOGIN_AT)
        last_seen = s.get(services.SESSION_LAST_SEEN)
        if login_at is None or last_seen is None:
            return "您的登录已失效，请重新登录。"
        if now - dt.datetime.fromtimestamp(login_at, dt.UTC) > policy.absolute_timeout():
            return f"登录已超过 {int(policy.absolute_timeout().total_seconds() // 3600)} 小时，请重新登录。"
        idle = policy.idle_timeout(user)
        if now - dt.datetime.fromtimestamp(last_seen, dt.UTC) > idle:
            return f"您已超过 {int(idle.total_seconds() // 60)} 分钟没有操作，为安全起见已退出，请重新登录。"
        # Touch at most every 30 s so a busy page does not write the session on every request.
        if now.timestamp() - last_seen > 30:
            s[services.SESSION_LAST_SEEN] = now.timestamp()
        return None


class TwoFactorGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.session.get(services.SESSION_2FA):
            return None
        name = _view_name(request)
        if name in TWOFA_OPEN:
            return None
        dev = services.totp_device(user)
        if dev is not None and dev.confirmed:
            return _redirect(
                request, reverse("security:2fa_verify") + "?" + urlencode({"next": request.get_full_path()})
            )
        if services.totp_required(user):
            return _redirect(request, reverse("security:2fa_setup"))
        return None


class PasswordGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _view_name(request) in PASSWORD_OPEN:
            return None
        if services.password_change_reason(user):
            # The password page itself says why.
            return _redirect(request, reverse("security:password_change"))
        return None


class PermissionMatrixMiddleware:
    """Deny by default. Unknown paths never get here (the resolver answers 404 first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = _view_name(request)
        user = getattr(request, "user", None)
        if matrix.is_allowed(user, name, request.method):
            return None
        if not (user and user.is_authenticated) and matrix.needs_login(name, request.method):
            return _redirect(request, _login_url(request))
        if view_kwargs:
            # A route about one object (a case, a reply, a file…) the role never reaches: that object
            # is outside the user's scope, and an out-of-scope object answers like a missing one.
            raise Http404
        return render(request, "security/denied.html", {"view_name": name}, status=403)
