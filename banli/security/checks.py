"""System checks of the security baseline (run by `banli check`, and by `check --deploy`)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from banli.orgs.models import ADMIN_ROLES, RoleGrant, User

REQUIRED_MIDDLEWARE = (
    "banli.security.middleware.SecurityHeadersMiddleware",
    "banli.security.middleware.SessionControlMiddleware",
    "banli.security.middleware.TwoFactorGateMiddleware",
    "banli.security.middleware.PasswordGateMiddleware",
    "banli.security.middleware.PermissionMatrixMiddleware",
)


@register(Tags.security)
def check_middleware(app_configs=None, **kwargs):
    missing = [m for m in REQUIRED_MIDDLEWARE if m not in settings.MIDDLEWARE]
    return [Error(f"缺少安全中间件 {m}", id="banli.security.E001") for m in missing]


@register(Tags.security)
def check_crypto(app_configs=None, **kwargs):
    errors = []
    if "sm3" not in hashlib.algorithms_available:
        errors.append(Error("OpenSSL 不支持 SM3，审计链无法计算。", id="banli.security.E002"))
    if getattr(settings, "PRODUCTION", False):
        from .crypto import field_key

        try:
            field_key(create=False)
        except ImproperlyConfigured as e:
            errors.append(
                Error(
                    str(e),
                    hint='生成密钥：python -c "import os;print(os.urandom(16).hex())"',
                    id="banli.security.E003",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_production_policy(app_configs=None, **kwargs):
    from . import policy

    if not getattr(settings, "PRODUCTION", False):
        return []
    problems = []
    missing = set(ADMIN_ROLES) - policy.twofa_required_roles()
    if missing:
        problems.append(
            Warning(f"生产环境中管理员角色必须启用双因素认证，缺少：{sorted(missing)}", id="banli.security.W001")
        )
    if not policy.force_password_change():
        problems.append(
            Warning(
                "生产环境应要求首次登录和重置后修改密码（BANLI_FORCE_PASSWORD_CHANGE）。", id="banli.security.W002"
            )
        )
    return problems


@register(Tags.security)
def check_no_superuser(app_configs=None, **kwargs):
    """三权分立: no all-powerful account may exist in production."""
    if not getattr(settings, "PRODUCTION", False):
        return []

    try:
        supers = list(User.objects.filter(is_superuser=True, is_active=True).values_list("username", flat=True)[:10])
        admin_ids = RoleGrant.objects.filter(role__in=ADMIN_ROLES).values("user_id")
        counts: dict[str, int] = {}
        for username in RoleGrant.objects.filter(user_id__in=admin_ids).values_list("user__username", flat=True):
            counts[username] = counts.get(username, 0) + 1
        mixed = sorted(u for u, n in counts.items() if n > 1)[:10]
    except DatabaseError:
        return []  # not migrated yet
    errors = []
    if supers:
        errors.append(
            Error(
                f"生产环境存在启用的超级用户：{'、'.join(supers)}（违反三权分立）",
                hint=(
                    '停用或取消其超级用户标志：banli shell -c "from banli.orgs.models import User; '
                    'User.objects.filter(is_superuser=True).update(is_superuser=False)"'
                ),
                id="banli.security.E010",
            )
        )
    if mixed:
        errors.append(Error(f"管理员账户兼任其他角色：{'、'.join(mixed)}（违反三权分立）", id="banli.security.E011"))
    return errors
