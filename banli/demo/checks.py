"""`banli check --deploy` fails while the database still holds demo accounts that sign in with the
demo's published password or carry its published TOTP secret (README, “Deployment”)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from banli.orgs.models import User
from banli.security.models import TOTPDevice

from .build import DEMO_TOTP_SECRET, LOGINS, PASSWORD


def _published_password_users() -> list[str]:
    """Active accounts whose password is the demo's. PBKDF2 is slow on purpose, so each distinct hash
    is checked once: the demo gives all its accounts one hash; the demo's named logins are checked
    even when their hash is their own."""
    by_hash: dict[str, list[str]] = defaultdict(list)
    for username, password in User.objects.filter(is_active=True).values_list("username", "password"):
        by_hash[password].append(username)
    named = {row[0] for row in LOGINS}
    hits = []
    for password, usernames in by_hash.items():
        if (len(usernames) > 1 or named & set(usernames)) and check_password(PASSWORD, password):
            hits += usernames
    return sorted(hits)


def _published_totp_users() -> list[str]:
    hits = []
    for dev in TOTPDevice.objects.select_related("user").filter(user__is_active=True):
        try:
            if dev.secret == DEMO_TOTP_SECRET:
                hits.append(dev.user.username)
        except Exception:  # a secret this key cannot decrypt is not the demo's
            continue
    return sorted(hits)


@register(Tags.security, deploy=True)
def check_no_demo_accounts(app_configs=None, **kwargs):
    try:
        passwords, totps = _published_password_users(), _published_totp_users()
    except DatabaseError:
        return []  # not migrated yet
    errors = []
    if passwords:
        errors.append(
            Error(
                f"数据库中有 {len(passwords)} 个账户仍使用演示数据公开的密码："
                f"{'、'.join(passwords[:10])}{' 等' if len(passwords) > 10 else ''}",
                hint="生产数据库不得载入演示数据（banli demo）；请换用全新数据库，或停用这些账户并重置其密码。",
                id="banli.demo.E001",
            )
        )
    if totps:
        errors.append(
            Error(
                f"数据库中有 {len(totps)} 个账户绑定了演示数据公开的双因素密钥：{'、'.join(totps[:10])}",
                hint="由安全管理员重置这些账户的双因素认证设备，或换用全新数据库。",
                id="banli.demo.E002",
            )
        )
    return errors
