"""The open API's own records: integration tokens, idempotency records, webhook subscriptions and
their delivery log. Case data stays in the domain apps; the API only reads and acts through them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from banli.orgs.models import Org


class TokenAction(models.TextChoices):
    """What an integration token may do. Reads of the token's scope are `read`; each write is one
    action group (the endpoints name theirs in banli/api/endpoints.py)."""

    READ = "read", "读取（案件、统计、台账导出、相似与推荐）"
    REGISTER = "register", "登记与立案审查"
    ASSIGN = "assign", "交办与调整审批"
    HANDLE = "handle", "签收、调整申请、办理方案、沟通、会办意见"
    REPLY = "reply", "答复与签发"
    EVALUATE = "evaluate", "评价与跟踪落实"
    SUPERVISE = "supervise", "延期与督办"
    WEBHOOK = "webhook", "订阅状态变更事件"


class IntegrationToken(models.Model):
    """A bearer token issued by the security administrator to one named integration.

    The token acts as its own service account (`user`, no password, one role at `org` derived
    from the org's kind), so every service and scope rule applies to it exactly as to a person.
    Only a SHA-256 of the secret is stored; the secret is shown once when issued or rotated."""

    name = models.CharField("集成名称", max_length=100)
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+", verbose_name="所属机构")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_token")
    actions = models.JSONField("允许的操作", default=list)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField("到期时间")
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    def allows(self, action: str) -> bool:
        return action in (self.actions or [])


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, replayed for the same key and body."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_user_key")]


class WebhookSubscription(models.Model):
    """An integration's endpoint for status-change events, signed with its own secret."""

    token = models.ForeignKey(IntegrationToken, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "已放弃"


class WebhookDelivery(models.Model):
    """One event for one subscription, with its attempts (the delivery log)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=60)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, db_index=True)
    last_status = models.PositiveSmallIntegerField(null=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="api_delivery_once_per_event")
        ]
