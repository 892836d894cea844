"""Webhooks: a status change reaches the subscribers that may see the case, signed and
timestamped, after the action commits; failures are retried with back-off and logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from banli.api import webhooks
from banli.api.models import DeliveryState, WebhookDelivery, WebhookSubscription
from banli.api.tokens import token_issue, token_revoke
from banli.api.webhooks import deliver, deliver_due, verify, webhook_subscribe
from banli.errors import DomainError
from banli.handling import services as handling

from .. import factories as f
from ..test_gateways import Fake

pytestmark = pytest.mark.django_db(transaction=True)


def receiver(status=200):
    got = []

    def handle(method, path, headers, body):
        got.append((dict(headers), body))
        return status, {}

    return Fake(handle), got


def subscribe(cast, org, url, actions=("read", "webhook")):
    token, _ = token_issue(actor=cast.secadmin, name=f"订阅{org.name}", org=org, actions=list(actions))
    return webhook_subscribe(token=token, url=url)


def test_a_status_change_is_delivered_signed_to_subscribers_in_scope(cast):
    fake, got = receiver()
    with fake:
        sub = subscribe(cast, cast.orgs.gx, fake.url)
        other = subscribe(cast, cast.orgs.sw, fake.url + "sw")
        a = f.assigned(cast)
        handling.assignment_sign(actor=cast.liaison_gx, assignment=a)
    signs = [json.loads(b) for h, b in got if json.loads(b)["new"] == "handling"]
    assert len(signs) == 1
    event = signs[0]
    assert event["type"] == "status.changed" and event["object"] == {
        "type": "cases.assignment",
        "id": a.pk,
        "proposal": a.proposal_id,
    }
    headers, body = next((h, b) for h, b in got if json.loads(b)["id"] == event["id"])
    assert verify(sub.secret, body, headers["X-Banli-Signature"])
    assert not verify(other.secret, body, headers["X-Banli-Signature"])
    assert not verify(sub.secret, body + b" ", headers["X-Banli-Signature"])
    # 市商务局's integration may not see 工信's case: no delivery for it at all.
    assert not WebhookDelivery.objects.filter(subscription=other).exists()
    assert WebhookDelivery.objects.filter(subscription=sub, state=DeliveryState.DELIVERED).count() == len(got)


def test_an_old_timestamp_does_not_verify():
    body = b"{}"
    header = webhooks.sign("k", body, 1_000_000)
    assert verify("k", body, header, now=1_000_000 + 10)
    assert not verify("k", body, header, now=1_000_000 + 3600)


def test_a_refused_action_sends_nothing(cast):
    fake, got = receiver()
    with fake:
        subscribe(cast, cast.orgs.gx, fake.url)
        a = f.signed(cast)
        before = WebhookDelivery.objects.count()
        got.clear()
        with pytest.raises(DomainError):
            handling.assignment_sign(actor=cast.liaison_gx, assignment=a)
    assert WebhookDelivery.objects.count() == before and got == []


def test_failures_are_retried_with_back_off_then_given_up(cast):
    fake, _ = receiver(status=503)
    with fake:
        sub = subscribe(cast, cast.orgs.gx, fake.url)
        a = f.assigned(cast)
        handling.assignment_sign(actor=cast.liaison_gx, assignment=a)
        d = WebhookDelivery.objects.filter(subscription=sub, payload__new="handling").get()
        assert d.state == DeliveryState.PENDING and d.attempts == 1 and d.last_status == 503
        assert d.next_attempt_at - timezone.now() > dt.timedelta(seconds=50)
        assert deliver_due() == 0  # not due yet
        gaps = []
        for _ in range(len(webhooks.BACKOFF)):
            d.refresh_from_db()
            gaps.append(d.next_attempt_at)
            assert deliver_due(now=d.next_attempt_at + dt.timedelta(seconds=1)) >= 1
        d.refresh_from_db()
    assert d.state == DeliveryState.FAILED and d.attempts == len(webhooks.BACKOFF) + 1
    assert d.next_attempt_at is None


def test_a_failed_attempt_succeeds_later(cast):
    statuses = [500]

    def handle(method, path, headers, body):
        return (statuses.pop() if statuses else 200), {}

    with Fake(handle) as fake:
        sub = subscribe(cast, cast.orgs.gx, fake.url)
        statuses.extend([500] * 20)
        a = f.assigned(cast)
        handling.assignment_sign(actor=cast.liaison_gx, assignment=a)
        d = WebhookDelivery.objects.filter(subscription=sub, payload__new="handling").get()
        statuses.clear()
        assert deliver(d.pk) == DeliveryState.DELIVERED
    d.refresh_from_db()
    assert d.delivered_at is not None and d.attempts == 2


def test_a_revoked_token_stops_its_subscriptions(cast):
    fake, got = receiver()
    with fake:
        sub = subscribe(cast, cast.orgs.gx, fake.url)
        token_revoke(actor=cast.secadmin, token=sub.token)
        f.signed(cast)
    assert got == [] and not WebhookSubscription.objects.get(pk=sub.pk).is_active


def test_a_token_without_the_webhook_action_gets_no_events(cast):
    fake, got = receiver()
    with fake:
        subscribe(cast, cast.orgs.gx, fake.url, actions=("read",))
        f.signed(cast)
    assert got == []
