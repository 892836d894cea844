"""Security state kept beside the user (等保2.0 §8.1.4): password history and age, login
attempts and lockouts, TOTP devices and used codes, the session registry. The audit log's retention
policy and purges belong to banli.audit.models."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .crypto import EncryptedTextField


class UserSecurity(models.Model):
    """Per-user security state that the orgs.User table does not carry."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security")
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # True until the user sets a password of their own (first login, after an admin reset).
    must_change_password = models.BooleanField("须修改密码", default=True)

    class Meta:
        verbose_name = "用户安全状态"

    def __str__(self) -> str:
        return f"{self.user} 安全状态"


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords (the last N may not be reused)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "历史密码"

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d}"


class LoginAttempt(models.Model):
    """One password login attempt, by the username typed (known or not) and the client address."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    success = models.BooleanField(default=False)
    channel = models.CharField(max_length=10, default="web")  # web | api

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["ip", "at"])]
        verbose_name = "登录尝试"

    def __str__(self) -> str:
        return f"{self.username} {'成功' if self.success else '失败'} {self.at:%Y-%m-%d %H:%M}"


class Lockout(models.Model):
    """A username locked after repeated failures (unknown usernames lock the same way)."""

    username = models.CharField(max_length=150, db_index=True)
    locked_at = models.DateTimeField()
    until = models.DateTimeField(db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-locked_at"]
        verbose_name = "账户锁定"

    def __str__(self) -> str:
        return f"{self.username} 锁定至 {self.until:%Y-%m-%d %H:%M}"


class TOTPDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238, 30 s). The secret is SM4-GCM encrypted."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField("密钥")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "双因素认证设备"

    def __str__(self) -> str:
        return f"{self.user} TOTP"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class UsedTOTPCode(models.Model):
    """A time step already used by a user: each code works once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    timestep = models.BigIntegerField()
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "timestep"], name="uniq_totp_user_step")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.timestep}"


class UserSession(models.Model):
    """The registry of a user's server-side sessions, so all of them can be ended at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions_registry")
    session_key = models.CharField(max_length=64, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "ended_at"])]
        verbose_name = "会话"

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
