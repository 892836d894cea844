"""Security policy values, read from settings at call time (never at import)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from banli.orgs.models import ADMIN_ROLES


def _get(name: str, default):
    return getattr(settings, name, default)


def twofa_required_roles() -> frozenset[str]:
    return frozenset(
        _get("BANLI_2FA_REQUIRED_ROLES", ("sysadmin", "secadmin", "auditor", "body_staff", "coordinator"))
    )


def password_max_age() -> dt.timedelta | None:
    days = int(_get("BANLI_PASSWORD_MAX_AGE_DAYS", 90))
    return dt.timedelta(days=days) if days > 0 else None


def force_password_change() -> bool:
    return bool(_get("BANLI_FORCE_PASSWORD_CHANGE", True))


def password_history_count() -> int:
    return int(_get("BANLI_PASSWORD_HISTORY", 5))


def login_max_failures() -> int:
    return int(_get("BANLI_LOGIN_MAX_FAILURES", 5))


def login_failure_window() -> dt.timedelta:
    return dt.timedelta(minutes=int(_get("BANLI_LOGIN_FAILURE_WINDOW_MINUTES", 15)))


def lockout_duration() -> dt.timedelta:
    return dt.timedelta(minutes=int(_get("BANLI_LOCKOUT_MINUTES", 30)))


def ip_max_failures() -> int:
    return int(_get("BANLI_IP_MAX_FAILURES", 50))


def idle_timeout(user) -> dt.timedelta:
    if user.has_role(*ADMIN_ROLES):
        return dt.timedelta(minutes=int(_get("BANLI_ADMIN_SESSION_IDLE_MINUTES", 15)))
    return dt.timedelta(minutes=int(_get("BANLI_SESSION_IDLE_MINUTES", 30)))


def absolute_timeout() -> dt.timedelta:
    return dt.timedelta(hours=int(_get("BANLI_SESSION_ABSOLUTE_HOURS", 12)))
