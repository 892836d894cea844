"""Security actions: password logins with lockout, the session registry, TOTP, password changes,
and the three administrators' actions (三权分立). Each action checks who may do it, writes, and
records an audit event in one transaction; a refused action raises DomainError and writes nothing
(except the failed-login bookkeeping that lockout depends on)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session as DjangoSession
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from banli.audit import services as audit_services
from banli.audit.models import AuditEvent, AuditRetentionPolicy
from banli.audit.services import audit_record
from banli.errors import DomainError, NotFound
from banli.orgs.models import ADMIN_ROLES, Org, Role, RoleGrant, User
from banli.orgs.services import org_add, user_create

from . import policy
from .models import (
    Lockout,
    LoginAttempt,
    TOTPDevice,
    UsedTOTPCode,
    UserSecurity,
    UserSession,
)
from .validators import MaximumLengthValidator, max_password_length

BAD_CREDENTIALS = "用户名或密码错误。连续失败 {n} 次将锁定账户 {m} 分钟。"
LOCKED = "登录失败次数过多，该账户已被临时锁定，请于 {until} 后再试，或联系安全管理员解锁。"
IP_THROTTLED = "本机登录失败次数过多，请 {m} 分钟后再试。"


class LoginRefused(DomainError):
    pass


def _norm(username: str) -> str:
    return (username or "").strip()[:150]


def _lock_key(username: str) -> str:
    return _norm(username).lower()


def _fmt_time(t: dt.datetime) -> str:
    return timezone.localtime(t).strftime("%H:%M")


# --- login attempts and lockout ----------------------------------------------------------------


def lockout_active(username: str, *, now: dt.datetime | None = None) -> Lockout | None:
    now = now or timezone.now()
    return (
        Lockout.objects.filter(username=_lock_key(username), until__gt=now, released_at__isnull=True)
        .order_by("-until")
        .first()
    )


def _failures_since(username: str, now: dt.datetime) -> int:
    """Failures in the window, counted after the last success and after the last lock ended."""
    key = _lock_key(username)
    since = now - policy.login_failure_window()
    last_ok = (
        LoginAttempt.objects.filter(username=key, success=True, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    if last_ok:
        since = max(since, last_ok)
    last_lock = Lockout.objects.filter(username=key).order_by("-locked_at").first()
    if last_lock:
        ended = min(last_lock.released_at or last_lock.until, last_lock.until)
        since = max(since, ended)
    return LoginAttempt.objects.filter(username=key, success=False, at__gt=since).count()


def record_failure(
    *, username: str, ip: str | None, channel: str, reason: str, user: User | None = None
) -> Lockout | None:
    """Count a failed login (password or second factor); lock the username at the threshold."""
    now = timezone.now()
    key = _lock_key(username)
    with transaction.atomic():
        LoginAttempt.objects.create(username=key, ip=ip, at=now, success=False, channel=channel)
        audit_record(
            actor=None,
            verb="auth.login_failed",
            object_type="user",
            object_id=key[:50],
            summary=f"登录失败：{reason}",
            new={"channel": channel},
            ip=ip,
        )
        lock = None
        if not lockout_active(key, now=now) and _failures_since(key, now) >= policy.login_max_failures():
            lock = Lockout.objects.create(username=key, locked_at=now, until=now + policy.lockout_duration())
            audit_record(
                actor=None,
                verb="auth.locked",
                object_type="user",
                object_id=key[:50],
                summary=f"连续登录失败 {policy.login_max_failures()} 次，锁定至 {_fmt_time(lock.until)}",
                ip=ip,
            )
            target = user or User.objects.filter(username__iexact=key).first()
            if target is not None:
                sessions_end_all(user=target, reason="locked")
    return lock


def login_authenticate(*, username: str, password: str, ip: str | None, channel: str = "web", request=None) -> User:
    """Check a username and password for any login channel (web form, API token).

    Unknown and known usernames get the same messages and the same lockout; lockout and the
    per-address throttle are checked before the password, so a locked account cannot be probed.
    """
    username = _norm(username)
    key = _lock_key(username)
    now = timezone.now()
    window = now - policy.login_failure_window()
    if ip and LoginAttempt.objects.filter(ip=ip, success=False, at__gte=window).count() >= policy.ip_max_failures():
        record_failure(username=username, ip=ip, channel=channel, reason="来源地址被限流")
        raise LoginRefused(IP_THROTTLED.format(m=int(policy.login_failure_window().total_seconds() // 60)))
    lock = lockout_active(key, now=now)
    if lock is not None:
        LoginAttempt.objects.create(username=key, ip=ip, at=now, success=False, channel=channel)
        audit_record(
            actor=None,
            verb="auth.login_failed",
            object_type="user",
            object_id=key[:50],
            summary="登录失败：账户已锁定",
            new={"channel": channel},
            ip=ip,
        )
        raise LoginRefused(LOCKED.format(until=_fmt_time(lock.until)))
    # An absurdly long password is a hashing-cost attack, not a user: refuse it unhashed.
    ok_input = bool(username and password) and len(password) <= max_password_length()
    user = authenticate(request, username=username, password=password) if ok_input else None
    if user is None:
        lock = record_failure(username=username, ip=ip, channel=channel, reason="用户名或密码错误")
        if lock is not None:
            raise LoginRefused(LOCKED.format(until=_fmt_time(lock.until)))
        raise LoginRefused(
            BAD_CREDENTIALS.format(
                n=policy.login_max_failures(), m=int(policy.lockout_duration().total_seconds() // 60)
            )
        )
    with transaction.atomic():
        LoginAttempt.objects.create(username=key, ip=ip, at=now, success=True, channel=channel)
        audit_record(
            actor=user,
            verb="auth.login",
            obj=user,
            summary="登录" if channel == "web" else f"登录（{channel}）",
            ip=ip,
        )
    return user


def lockout_release(*, actor: User, username: str) -> int:
    """Secadmin ends an account's lockout early."""
    if not actor.has_role(Role.SECADMIN):
        raise DomainError("只有安全管理员可以解除账户锁定。")
    now = timezone.now()
    with transaction.atomic():
        n = Lockout.objects.filter(username=_lock_key(username), until__gt=now, released_at__isnull=True).update(
            released_at=now, released_by=actor
        )
        if not n:
            raise DomainError(f"账户“{username}”当前未被锁定。")
        audit_record(
            actor=actor,
            verb="auth.unlock",
            object_type="user",
            object_id=_lock_key(username)[:50],
            summary="解除登录锁定",
        )
    return n


# --- sessions ----------------------------------------------------------------------------------

SESSION_LOGIN_AT = "_banli_login_at"
SESSION_LAST_SEEN = "_banli_last_seen"
SESSION_2FA = "_banli_2fa_ok"


def session_register(*, user: User, request) -> None:
    """Called on every login (signal): remember the session so it can be ended from elsewhere."""
    key = request.session.session_key
    if not key:
        request.session.save()
        key = request.session.session_key
    now = timezone.now()
    request.session[SESSION_LOGIN_AT] = now.timestamp()
    request.session[SESSION_LAST_SEEN] = now.timestamp()
    request.session[SESSION_2FA] = False
    meta = getattr(request, "META", {})
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": meta.get("REMOTE_ADDR") or None,
            "user_agent": (meta.get("HTTP_USER_AGENT") or "")[:300],
            "created_at": now,
            "ended_at": None,
            "end_reason": "",
        },
    )


def session_rotate(request) -> None:
    """A new session key after a privilege change (second factor passed), keeping the registry."""
    old = request.session.session_key
    request.session.cycle_key()
    UserSession.objects.filter(session_key=old).update(session_key=request.session.session_key)


def session_is_live(user, session_key: str | None) -> bool:
    return (
        bool(session_key)
        and UserSession.objects.filter(session_key=session_key, user_id=user.pk, ended_at__isnull=True).exists()
    )


def sessions_end_others(*, user: User, keep_key: str | None) -> int:
    """The user signs out their other devices (ASVS V3.3.4)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(
        UserSession.objects.filter(user=user, ended_at__isnull=True)
        .exclude(session_key=keep_key)
        .values_list("session_key", flat=True)
    )
    with transaction.atomic():
        for k in keys:
            store(session_key=k).delete()
        UserSession.objects.filter(user=user, session_key__in=keys).update(
            ended_at=timezone.now(), end_reason="ended_by_user"
        )
        if keys:
            audit_record(actor=user, verb="auth.sessions_end", obj=user, summary=f"结束其他 {len(keys)} 个登录会话")
    return len(keys)


def sessions_end_all(*, user: User, reason: str) -> int:
    """End every server-side session of `user` (logout, disablement, lockout, password reset)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user, ended_at__isnull=True).values_list("session_key", flat=True))
    for k in keys:
        store(session_key=k).delete()
    UserSession.objects.filter(user=user, session_key__in=keys).update(ended_at=timezone.now(), end_reason=reason[:30])
    return len(keys)


# --- passwords ---------------------------------------------------------------------------------


def _validate(password: str, user: User) -> None:
    try:
        # first and alone: the other validators (similarity, history hashes) cost time per character
        MaximumLengthValidator().validate(password, user)
        validate_password(password, user)
    except ValidationError as e:
        raise DomainError("密码不符合要求：" + "；".join(e.messages), field="new_password")


def password_state(user: User) -> UserSecurity:
    sec = UserSecurity.objects.filter(user=user).first()
    return sec or UserSecurity(user=user, password_changed_at=None, must_change_password=True)


def password_change_reason(user: User) -> str | None:
    """Why `user` must change their password before going on, or None."""
    sec = password_state(user)
    if policy.force_password_change() and sec.must_change_password:
        return "首次登录或密码被管理员重置后，须先设置您自己的新密码。"
    max_age = policy.password_max_age()
    if max_age is not None:
        changed = sec.password_changed_at or user.date_joined
        if changed and changed + max_age < timezone.now():
            return f"密码已超过 {max_age.days} 天未修改，请设置新密码。"
    return None


def password_change(*, actor: User, old_password: str, new_password: str, new_password2: str | None = None) -> None:
    """A user sets their own password (current password required)."""
    if not actor.check_password(old_password or ""):
        raise DomainError("当前密码不正确。", field="old_password")
    if new_password2 is not None and new_password != new_password2:
        raise DomainError("两次输入的新密码不一致。", field="new_password2")
    _validate(new_password, actor)
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save()
        UserSecurity.objects.update_or_create(
            user=actor, defaults={"must_change_password": False, "password_changed_at": timezone.now()}
        )
        audit_record(actor=actor, verb="auth.password_change", obj=actor, summary="修改本人密码")


# --- two-factor (TOTP) -------------------------------------------------------------------------


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, interval=30, digits=6, issuer=getattr(settings, "BANLI_TOTP_ISSUER", "Banli"))


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user).first()


def totp_required(user: User) -> bool:
    return user.has_role(*policy.twofa_required_roles())


def totp_begin(*, actor: User) -> tuple[TOTPDevice, str, str]:
    """Start enrolment: a new secret (replacing an unconfirmed one). Returns (device, secret, URI)."""
    dev = totp_device(actor)
    if dev is not None and dev.confirmed:
        raise DomainError("您已绑定双因素认证设备；如需更换，请联系安全管理员重置。")
    secret = pyotp.random_base32()
    with transaction.atomic():
        if dev is None:
            dev = TOTPDevice.objects.create(user=actor, secret=secret)
        else:
            dev.secret = secret
            dev.save(update_fields=["secret"])
    uri = _totp(secret).provisioning_uri(name=actor.username)
    return dev, secret, uri


def totp_pending_secret(user: User) -> str | None:
    dev = totp_device(user)
    if dev is None or dev.confirmed:
        return None
    return dev.secret


def totp_uri(user: User, secret: str) -> str:
    return _totp(secret).provisioning_uri(name=user.username)


def _match_step(secret: str, code: str, now: dt.datetime) -> int | None:
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    t = _totp(secret)
    for drift in (0, -1, 1):  # one step of clock drift either way
        when = now + dt.timedelta(seconds=30 * drift)
        if t.at(when) == code:
            return t.timecode(when)
    return None


def _use_code(user: User, secret: str, code: str, *, ip: str | None) -> None:
    step = _match_step(secret, code, timezone.now())
    if step is None:
        lock = record_failure(username=user.username, ip=ip, channel="totp", reason="动态验证码错误", user=user)
        if lock is not None:
            raise LoginRefused(LOCKED.format(until=_fmt_time(lock.until)))
        raise DomainError("动态验证码错误，请核对手机上的 6 位数字后重试。", field="code")
    try:
        with transaction.atomic():
            UsedTOTPCode.objects.create(user=user, timestep=step)
    except IntegrityError:
        record_failure(username=user.username, ip=ip, channel="totp", reason="动态验证码重复使用", user=user)
        raise DomainError("该动态验证码已使用过，请等待下一个验证码（30 秒刷新）。", field="code")


def totp_confirm(*, actor: User, code: str, ip: str | None = None) -> TOTPDevice:
    """Finish enrolment with a first valid code."""
    dev = totp_device(actor)
    if dev is None or dev.confirmed:
        raise DomainError("请先开始绑定双因素认证设备。")
    _use_code(actor, dev.secret, code, ip=ip)
    with transaction.atomic():
        dev.confirmed_at = timezone.now()
        dev.save(update_fields=["confirmed_at"])
        audit_record(actor=actor, verb="auth.2fa_enrol", obj=actor, summary="绑定双因素认证设备")
    return dev


def totp_verify(*, actor: User, code: str, ip: str | None = None) -> None:
    """Check the second factor of a login; each code works once."""
    dev = totp_device(actor)
    if dev is None or not dev.confirmed:
        raise DomainError("您尚未绑定双因素认证设备。")
    _use_code(actor, dev.secret, code, ip=ip)
    audit_record(actor=actor, verb="auth.2fa_ok", obj=actor, summary="双因素认证通过", ip=ip)


def totp_reset(*, actor: User, user: User) -> None:
    """Secadmin removes a user's device (lost phone); the user enrols again at next login."""
    if not actor.has_role(Role.SECADMIN):
        raise DomainError("只有安全管理员可以重置双因素认证。")
    if actor.pk == user.pk:
        raise DomainError("不能重置自己的双因素认证设备。")
    with transaction.atomic():
        n, _ = TOTPDevice.objects.filter(user=user).delete()
        if not n:
            raise DomainError(f"用户“{user.display_name}”未绑定双因素认证设备。")
        sessions_end_all(user=user, reason="2fa_reset")
        audit_record(actor=actor, verb="auth.2fa_reset", obj=user, summary=f"重置 {user.username} 的双因素认证设备")


# --- sysadmin: accounts and orgs ---------------------------------------------------------------


def _require(actor: User, role: str, what: str) -> None:
    if not actor.has_role(role):
        raise DomainError(f"只有{Role(role).label}可以{what}。")


def _guard_admin_target(actor: User, user: User) -> None:
    # 三权分立: the sysadmin manages ordinary accounts only; admin accounts are not theirs to reset.
    if user.pk == actor.pk:
        raise DomainError("不能对自己的账户执行此操作。")
    if user.has_role(*ADMIN_ROLES) or user.is_superuser:
        raise DomainError("管理员账户不能由系统管理员重置或停用，请按三权分立流程通过命令行处理。")


def user_admin_create(*, actor: User, username: str, full_name: str, org: Org | None, password: str) -> User:
    """Sysadmin opens an account without roles (roles are granted by the secadmin)."""

    _require(actor, Role.SYSADMIN, "创建用户")
    username = (username or "").strip()
    if not username:
        raise DomainError("请填写用户名。", field="username")
    if org is None:
        raise DomainError("请选择所属组织。", field="org")
    with transaction.atomic():
        u = user_create(
            actor=actor, username=username, org=org, roles=[], password=password, full_name=full_name.strip()
        )
        UserSecurity.objects.update_or_create(user=u, defaults={"must_change_password": True})
    return u


def user_password_reset(*, actor: User, user: User, new_password: str) -> None:
    """Sysadmin sets a temporary password; the user must change it at next login."""
    _require(actor, Role.SYSADMIN, "重置密码")
    _guard_admin_target(actor, user)
    _validate(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save()
        UserSecurity.objects.update_or_create(user=user, defaults={"must_change_password": True})
        sessions_end_all(user=user, reason="password_reset")
        audit_record(actor=actor, verb="user.password_reset", obj=user, summary=f"重置 {user.username} 的密码")


def user_set_active(*, actor: User, user: User, active: bool) -> None:
    """Sysadmin disables (every session ends at once) or re-enables an account."""
    _require(actor, Role.SYSADMIN, "停用或启用用户")
    _guard_admin_target(actor, user)
    if user.is_active == active:
        raise DomainError("该账户已是" + ("启用" if active else "停用") + "状态。")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=active)
        if not active:
            sessions_end_all(user=user, reason="disabled")
        audit_record(
            actor=actor,
            verb="user.enable" if active else "user.disable",
            obj=user,
            summary=("启用" if active else "停用") + f"账户 {user.username}",
            old={"is_active": not active},
            new={"is_active": active},
        )
    user.is_active = active


def org_admin_create(*, actor: User, name: str, kind: str, parent: Org | None) -> Org:
    _require(actor, Role.SYSADMIN, "新增组织")
    return org_add(actor=actor, name=name, kind=kind, parent=parent)


# --- secadmin: role grants (三权分立) ------------------------------------------------------------


def role_grant(*, actor: User, user: User, role: str) -> RoleGrant:
    """Secadmin grants a role. Admin roles are exclusive: an admin holds exactly one role."""
    _require(actor, Role.SECADMIN, "授予角色")
    if role not in Role.values:
        raise DomainError(f"角色“{role}”无效。", field="role")
    if user.pk == actor.pk:
        raise DomainError("不能修改自己的角色。")
    if not user.is_active:
        raise DomainError("该账户已停用，不能授予角色。")
    current = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if role in current:
        raise DomainError(f"“{user.display_name}”已有角色“{Role(role).label}”。")
    if role in ADMIN_ROLES and current:
        raise DomainError("三权分立：系统管理员、安全管理员、审计管理员账户不能兼任其他角色，请为其单独开设账户。")
    if current & set(ADMIN_ROLES):
        raise DomainError("三权分立：该账户是管理员账户，不能再授予其他角色。")
    with transaction.atomic():
        g = RoleGrant.objects.create(user=user, role=role)
        audit_record(
            actor=actor,
            verb="role.grant",
            obj=user,
            summary=f"授予 {user.username} 角色“{Role(role).label}”",
            old={"roles": sorted(current)},
            new={"roles": sorted(current | {role})},
        )
    user.__dict__.pop("roles", None)
    return g


def role_revoke(*, actor: User, user: User, role: str) -> None:
    _require(actor, Role.SECADMIN, "撤销角色")
    if user.pk == actor.pk:
        raise DomainError("不能修改自己的角色。")
    current = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if role not in current:
        raise DomainError(f"“{user.display_name}”没有角色“{Role(role).label if role in Role.values else role}”。")
    with transaction.atomic():
        RoleGrant.objects.filter(user=user, role=role).delete()
        sessions_end_all(user=user, reason="role_change")
        audit_record(
            actor=actor,
            verb="role.revoke",
            obj=user,
            summary=f"撤销 {user.username} 的角色“{Role(role).label}”",
            old={"roles": sorted(current)},
            new={"roles": sorted(current - {role})},
        )
    user.__dict__.pop("roles", None)


# --- auditor: the log's retention (the rules and the purge live in banli.audit.services) -----------


def retention_policy() -> AuditRetentionPolicy:
    return audit_services.retention_policy()


def retention_set(*, actor: User, days: int) -> AuditRetentionPolicy:
    _require(actor, Role.AUDITOR, "设置审计日志保留策略")
    return audit_services.retention_set(actor=actor, days=days)


def audit_purge(*, actor: User, now: dt.datetime | None = None) -> int:
    """The auditor purges from the web; `banli audit purge` calls banli.audit.services directly."""
    _require(actor, Role.AUDITOR, "清理审计日志")
    return audit_services.audit_purge(actor=actor, now=now)


def audit_events_for_auditor(*, actor: User):
    if not actor.has_role(Role.AUDITOR):
        raise NotFound()
    return AuditEvent.objects.all()


# --- housekeeping --------------------------------------------------------------------------------


def security_prune(now=None) -> dict:
    """The periodic scan's step: drop sign-in bookkeeping past its retention.

    Login attempts and ended sessions are kept BANLI_LOGIN_ATTEMPT_RETENTION_DAYS /
    BANLI_SESSION_RETENTION_DAYS (the audit log keeps every sign-in for its own, longer
    retention); expired Django sessions, used TOTP codes older than a day and lockouts long over
    go at once. Idempotent: two workers pruning the same tick delete nothing twice.
    """
    now = now or timezone.now()
    attempts_before = now - dt.timedelta(days=settings.BANLI_LOGIN_ATTEMPT_RETENTION_DAYS)
    sessions_before = now - dt.timedelta(days=settings.BANLI_SESSION_RETENTION_DAYS)
    return {
        "login_attempts": LoginAttempt.objects.filter(at__lt=attempts_before).delete()[0],
        "user_sessions": UserSession.objects.filter(
            Q(ended_at__lt=sessions_before) | Q(ended_at__isnull=True, created_at__lt=sessions_before)
        ).delete()[0],
        "sessions": DjangoSession.objects.filter(expire_date__lt=now).delete()[0],
        "totp_codes": UsedTOTPCode.objects.filter(used_at__lt=now - dt.timedelta(days=1)).delete()[0],
        "lockouts": Lockout.objects.filter(until__lt=attempts_before).delete()[0],
    }
