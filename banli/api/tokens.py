"""Integration tokens: issue, rotate, revoke (the security administrator), and authenticate.

A token's secret is `bnl_<prefix>_<random>`; only its SHA-256 is stored, so a database leak does
not leak usable tokens. Each use writes one audit event (`api.token.use`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from banli.audit.services import audit_record
from banli.errors import DomainError, NotFound
from banli.orgs.models import BODY_KINDS, Org, OrgKind, Role
from banli.orgs.services import user_create

from .models import IntegrationToken, TokenAction

MAX_DAYS = 366
# The role the service account holds at its org, from the org's kind.
ROLE_FOR_KIND = {OrgKind.COORDINATOR: Role.COORDINATOR, OrgKind.UNIT: Role.UNIT_LIAISON}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"bnl_{prefix}_{secrets.token_urlsafe(32)}"


def role_for(org: Org) -> str:
    if org.kind in BODY_KINDS:
        return Role.BODY_STAFF
    role = ROLE_FOR_KIND.get(org.kind)
    if role is None:
        raise DomainError(
            f"“{org.name}”不能作为接口令牌的所属机构，请选择人大/政协、督查协调机构或承办单位。", field="org"
        )
    return role


def _require_secadmin(actor) -> None:
    if actor is not None and not actor.has_role(Role.SECADMIN):
        raise NotFound()


def token_issue(*, actor, name: str, org: Org, actions: Iterable[str], days: int = 90) -> tuple[IntegrationToken, str]:
    """Issue a token to the integration `name` at `org`; returns (token, secret shown once)."""
    _require_secadmin(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写集成名称。", field="name")
    actions = sorted(set(actions or ()))
    unknown = set(actions) - set(TokenAction.values)
    if unknown or not actions:
        raise DomainError(
            "请至少选择一项允许的操作。" if not actions else f"未知的操作：{'、'.join(unknown)}。", field="actions"
        )
    if not 1 <= int(days) <= MAX_DAYS:
        raise DomainError(f"有效期须在 1 到 {MAX_DAYS} 天之间。", field="days")
    role = role_for(org)
    prefix, secret = _new_secret()
    with transaction.atomic(durable=True):
        user = user_create(
            actor=actor,
            username=f"api-{prefix}",
            org=org,
            roles=[role],
            full_name=f"接口：{name}"[:150],
        )
        token = IntegrationToken.objects.create(
            name=name,
            org=org,
            user=user,
            actions=actions,
            prefix=prefix,
            secret_hash=_hash(secret),
            created_by=actor,
            expires_at=timezone.now() + dt.timedelta(days=int(days)),
        )
        audit_record(
            actor=actor,
            verb="api.token.issue",
            obj=token,
            summary=f"签发接口令牌“{name}”（{org.name}）",
            new={"name": name, "org": org.name, "role": role, "actions": actions, "expires_at": token.expires_at},
        )
    return token, secret


def token_rotate(*, actor, token: IntegrationToken, days: int | None = None) -> tuple[IntegrationToken, str]:
    """A new secret for the same integration (the old one stops working at once)."""
    _require_secadmin(actor)
    if token.revoked_at:
        raise DomainError("该令牌已吊销，不能轮换，请重新签发。")
    prefix, secret = _new_secret()
    with transaction.atomic(durable=True):
        t = IntegrationToken.objects.select_for_update().get(pk=token.pk)
        old = {"prefix": t.prefix, "expires_at": t.expires_at}
        t.prefix, t.secret_hash, t.rotated_at = prefix, _hash(secret), timezone.now()
        if days:
            if not 1 <= int(days) <= MAX_DAYS:
                raise DomainError(f"有效期须在 1 到 {MAX_DAYS} 天之间。", field="days")
            t.expires_at = timezone.now() + dt.timedelta(days=int(days))
        t.save()
        audit_record(
            actor=actor,
            verb="api.token.rotate",
            obj=t,
            summary=f"轮换接口令牌“{t.name}”",
            old=old,
            new={"prefix": t.prefix, "expires_at": t.expires_at},
        )
    return t, secret


def token_revoke(*, actor, token: IntegrationToken) -> IntegrationToken:
    """Revoke at once: the token and its webhook subscriptions stop working."""
    _require_secadmin(actor)
    with transaction.atomic(durable=True):
        t = IntegrationToken.objects.select_for_update().get(pk=token.pk)
        if t.revoked_at:
            raise DomainError("该令牌已经吊销。")
        t.revoked_at = timezone.now()
        t.save(update_fields=["revoked_at"])
        t.subscriptions.update(is_active=False)
        audit_record(actor=actor, verb="api.token.revoke", obj=t, summary=f"吊销接口令牌“{t.name}”")
    return t


def access_token(actor, pk) -> IntegrationToken:
    _require_secadmin(actor)
    t = IntegrationToken.objects.filter(pk=pk).select_related("org").first() if str(pk).isdigit() else None
    if t is None:
        raise NotFound()
    return t


def token_authenticate(secret: str, *, ip: str | None = None, path: str = "") -> IntegrationToken | None:
    """The live token for `secret`, its use recorded in the audit log; None if unknown, expired
    or revoked (the caller answers 401 without saying which)."""
    if not secret or not secret.startswith("bnl_"):
        return None
    t = IntegrationToken.objects.filter(secret_hash=_hash(secret)).select_related("user", "org").first()
    now = timezone.now()
    if t is None or t.revoked_at or t.expires_at <= now or not t.user.is_active:
        return None
    with transaction.atomic():
        IntegrationToken.objects.filter(pk=t.pk).update(last_used_at=now)
        audit_record(
            actor=t.user,
            verb="api.token.use",
            obj=t,
            summary=f"接口令牌“{t.name}”调用 {path}"[:200],
            ip=ip,
        )
    return t
