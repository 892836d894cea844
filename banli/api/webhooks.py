"""Webhooks: every status change of a case object becomes a signed event for the subscriptions
whose integration may see that case.

`banli.lifecycle.status_changed` is received inside the acting service's transaction: the
delivery rows are written there (a refused or rolled-back action leaves none) and the first
attempt is queued on commit (`banli.notify.tasks.enqueue`: RQ with Redis, inline without). A
failed attempt is retried with back-off (1 min, 5 min, 30 min, 2 h, 12 h) by the periodic scan
(`deliver_due`, run by `banli worker`), then given up; every attempt is kept in the delivery log.

Signature (like Stripe's): header `X-Banli-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" with the subscription's secret>`; receivers reject a t older than 5 minutes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid

from django.db import transaction
from django.utils import timezone

from banli.audit.services import audit_record
from banli.cases.models import Assignment, Proposal
from banli.cases.selectors import proposal_scope_q
from banli.errors import DomainError, NotFound
from banli.notify.tasks import enqueue

from .lifecycle import DELIVERY
from .models import DeliveryState, TokenAction, WebhookDelivery, WebhookSubscription

log = logging.getLogger("banli.api.webhooks")

BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=12),
)
TIMEOUT = 10


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (and what the tests do): check the timestamp window and the HMAC."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - t) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, t), header)


def _proposal_id(obj) -> int | None:
    if isinstance(obj, Proposal):
        return obj.pk
    for attr in ("proposal_id",):
        if getattr(obj, attr, None):
            return getattr(obj, attr)
    assignment = getattr(obj, "assignment", None)
    if isinstance(assignment, Assignment):
        return assignment.proposal_id
    reply = getattr(obj, "reply", None)
    if reply is not None and getattr(reply, "assignment", None) is not None:
        return reply.assignment.proposal_id
    return None


def on_status_changed(sender, obj, lifecycle, old, new, action, **kwargs) -> None:
    if sender is WebhookDelivery or getattr(obj, "pk", None) is None:
        return
    subs = list(
        WebhookSubscription.objects.filter(
            is_active=True, token__revoked_at__isnull=True, token__expires_at__gt=timezone.now()
        ).select_related("token__user")
    )
    if not subs:
        return
    pid = _proposal_id(obj)
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": "status.changed",
        "occurred_at": timezone.now().isoformat(),
        "object": {"type": sender._meta.label_lower, "id": obj.pk, "proposal": pid},
        "lifecycle": lifecycle.name,
        "old": old,
        "new": new,
        "action": action,
    }
    made = []
    for sub in subs:
        if not sub.token.allows(TokenAction.WEBHOOK):
            continue
        # An integration hears only of cases its token may read.
        if pid is None or not Proposal.objects.filter(proposal_scope_q(sub.token.user), pk=pid).exists():
            continue
        made.append(
            WebhookDelivery.objects.create(
                subscription=sub,
                event_id=event_id,
                event_type="status.changed",
                payload=payload,
                **DELIVERY.start(),
                next_attempt_at=timezone.now(),
            ).pk
        )
    if made:
        transaction.on_commit(lambda: [enqueue(deliver, pk) for pk in made], robust=True)


def _post(url: str, body: bytes, headers: dict) -> int:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        return resp.status


def deliver(delivery_id: int) -> str:
    """One attempt at one delivery; returns its state afterwards."""
    d = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if d is None or d.state != DeliveryState.PENDING:
        return d.state if d else "missing"
    sub = d.subscription
    body = json.dumps(d.payload, ensure_ascii=False, separators=(",", ":")).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Banli-Webhook/1",
        "X-Banli-Event": d.event_type,
        "X-Banli-Delivery": str(d.event_id),
        "X-Banli-Signature": sign(sub.secret, body, ts),
    }
    status, error = None, ""
    try:
        status = _post(sub.url, body, headers)
    except urllib.error.HTTPError as e:
        status, error = e.code, f"HTTP {e.code}"
    except Exception as e:  # network failures are retried
        error = f"{type(e).__name__}: {e}"[:300]
    attempts = d.attempts + 1
    now = timezone.now()
    with transaction.atomic():
        qs = WebhookDelivery.objects.filter(pk=d.pk)
        qs.update(attempts=attempts, last_status=status, last_error=error)
        if status is not None and 200 <= status < 300:
            DELIVERY.claim(
                qs,
                DeliveryState.PENDING,
                DeliveryState.DELIVERED,
                action="送达",
                delivered_at=now,
                next_attempt_at=None,
            )
            return DeliveryState.DELIVERED
        if attempts > len(BACKOFF):
            DELIVERY.claim(qs, DeliveryState.PENDING, DeliveryState.FAILED, action="放弃", next_attempt_at=None)
            log.warning("webhook delivery %s given up after %s attempts: %s", d.pk, attempts, error)
            return DeliveryState.FAILED
        qs.update(next_attempt_at=now + BACKOFF[attempts - 1])
    return DeliveryState.PENDING


def deliver_due(now: dt.datetime | None = None) -> int:
    """Retry every pending delivery whose time has come (the periodic scan calls this)."""
    now = now or timezone.now()
    ids = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        enqueue(deliver, pk)
    return len(ids)


def webhook_subscribe(*, token, url: str) -> WebhookSubscription:
    if not url.lower().startswith(("https://", "http://")):
        raise DomainError("订阅地址须以 https:// 或 http:// 开头。", field="url")
    with transaction.atomic(durable=True):
        sub = WebhookSubscription.objects.create(token=token, url=url, secret=secrets.token_hex(32))
        audit_record(actor=token.user, verb="api.webhook.subscribe", obj=sub, summary=f"订阅事件：{url}"[:200])
    return sub


def webhook_unsubscribe(*, token, pk) -> None:
    with transaction.atomic(durable=True):
        sub = (
            WebhookSubscription.objects.filter(token=token, pk=pk, is_active=True).first()
            if str(pk).isdigit()
            else None
        )
        if sub is None:
            raise NotFound()
        WebhookSubscription.objects.filter(pk=sub.pk).update(is_active=False)
        audit_record(actor=token.user, verb="api.webhook.unsubscribe", obj=sub, summary=f"取消订阅：{sub.url}"[:200])
