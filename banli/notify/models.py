"""The in-app inbox (Notification) and how each user wants to be told besides it.

The tables kept the names they had when they belonged to the deadlines app (`deadlines_*`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# --- notifications -------------------------------------------------------------------------------


class Notification(models.Model):
    """One message in a user's in-app inbox (every notification links to its case)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField("类型", max_length=40)
    text = models.CharField("内容", max_length=500)
    url = models.CharField("链接", max_length=300, blank=True)
    proposal = models.ForeignKey("cases.Proposal", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(
        "cases.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)
    texted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "消息"
        db_table = "deadlines_notification"
        constraints = [
            # The same event never reaches the same user twice, however often it is notified.
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~Q(dedupe_key=""), name="uniq_notification_dedupe"
            ),
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.text[:30]}"


class NotificationPreference(models.Model):
    """How a user wants to be told besides the inbox (which is always on)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_pref")
    email = models.BooleanField("邮件通知", default=True)
    sms = models.BooleanField("短信通知", default=False)

    class Meta:
        verbose_name = "通知偏好"
        db_table = "deadlines_notificationpreference"

    def __str__(self) -> str:
        return f"{self.user}"
