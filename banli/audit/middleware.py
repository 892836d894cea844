"""Keeps the current request's client address for audit events written during it."""

import contextvars
import ipaddress

from django.conf import settings

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


def _valid(addr: str) -> str | None:
    try:
        return str(ipaddress.ip_address(addr.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address. Behind the reverse proxies named in BANLI_TRUSTED_PROXIES the
    address comes from X-Forwarded-For (the right-most hop that is not a trusted proxy), so that
    audit entries and the per-address login throttle see the user, not the proxy."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    trusted = set(getattr(settings, "BANLI_TRUSTED_PROXIES", ()) or ())
    if remote and remote in trusted:
        hops = [h for h in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
        for hop in reversed(hops):
            addr = _valid(hop)
            if addr is None:
                break
            if addr not in trusted:
                return addr
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
