"""Side effects of an action happen only once it has committed, and never undo it.

Inbox rows are written in the service's transaction (so a refused action leaves none); email, SMS
and search indexing run after commit, and a failure there is logged, not raised.
"""

import logging

import pytest
from django.core import mail

from banli.cases.models import AssignmentState, ReplyState
from banli.errors import DomainError
from banli.handling import services as handling
from banli.notify import services as notify_services
from banli.notify.models import Notification
from tests import factories as f


class BrokenSMS(notify_services.SMSBackend):
    def send(self, phone, text):
        raise ConnectionError("SMS gateway down")


@pytest.fixture
def draft(cast):
    r = f.drafted(cast)
    leader = f.people(cast, r.assignment.unit).leader
    leader.email, leader.phone = "leader@example.cn", "13900000000"
    leader.save()
    return r


def test_an_action_refused_after_notifying_leaves_no_notification(
    cast, draft, monkeypatch, django_capture_on_commit_callbacks
):
    def notify_then_refuse(**kw):
        notify_services.notify(**kw)
        raise DomainError("在通知之后被拒绝")

    monkeypatch.setattr(handling, "notify", notify_then_refuse)
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(DomainError):
        handling.reply_submit(actor=f.people(cast, draft.assignment.unit).liaison, reply=draft)
    assert Notification.objects.count() == before
    assert callbacks == [] and mail.outbox == []
    draft.refresh_from_db()
    assert draft.state == ReplyState.DRAFT


def test_a_failing_mail_and_sms_backend_does_not_fail_the_action(
    cast, draft, settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    settings.BANLI_SMS_BACKEND = "tests.test_side_effects_on_commit.BrokenSMS"
    notify_services.NotificationPreference.objects.create(user=f.people(cast, draft.assignment.unit).leader, sms=True)

    def mail_down(*a, **kw):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(notify_services, "send_mail", mail_down)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = handling.reply_submit(actor=f.people(cast, draft.assignment.unit).liaison, reply=draft)
    assert callbacks, "delivery was not deferred to commit"
    assert r.state == ReplyState.IN_REVIEW
    assert r.assignment.state == AssignmentState.IN_REVIEW
    n = Notification.objects.get(user=f.people(cast, draft.assignment.unit).leader, verb="reply.submit")
    assert (n.emailed, n.texted) == (False, False)
    assert "mail server down" in caplog.text and "SMS gateway down" in caplog.text


def test_a_delivery_that_crashes_outright_is_logged_not_raised(
    cast, draft, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def crash(ids):
        raise RuntimeError("notification table unreadable")

    monkeypatch.setattr(notify_services, "_send", crash)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        r = handling.reply_submit(actor=f.people(cast, draft.assignment.unit).liaison, reply=draft)
    assert r.state == ReplyState.IN_REVIEW
    assert Notification.objects.filter(verb="reply.submit", assignment=r.assignment).exists()
    assert "notification table unreadable" in caplog.text


def test_email_and_sms_that_failed_after_commit_are_retried_by_the_periodic_scan(
    cast, draft, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue #19 item 2: work after a commit is retried, not only logged."""
    import datetime as dt

    from django.utils import timezone

    from banli.site.periodic import periodic_task

    leader = f.people(cast, draft.assignment.unit).leader
    settings.BANLI_SMS_BACKEND = "tests.test_side_effects_on_commit.BrokenSMS"
    notify_services.NotificationPreference.objects.create(user=leader, sms=True)
    monkeypatch.setattr(notify_services, "send_mail", lambda *a, **kw: (_ for _ in ()).throw(OSError("down")))
    with django_capture_on_commit_callbacks(execute=True):
        handling.reply_submit(actor=f.people(cast, draft.assignment.unit).liaison, reply=draft)
    n = Notification.objects.get(user=leader, verb="reply.submit")
    assert (n.emailed, n.texted) == (False, False)
    Notification.objects.filter(pk=n.pk).update(created_at=timezone.now() - dt.timedelta(minutes=15))
    periodic_task()  # still down: the claims are given back
    n.refresh_from_db()
    assert (n.emailed, n.texted) == (False, False)

    monkeypatch.undo()
    settings.BANLI_SMS_BACKEND = "banli.notify.services.LogSMSBackend"
    result = periodic_task()["delivery"]
    n.refresh_from_db()
    assert (n.emailed, n.texted) == (True, True) and result["emails"] >= 1 and result["sms"] >= 1
    assert any(leader.email in m.to for m in mail.outbox)
    assert periodic_task()["delivery"] == {"emails": 0, "sms": 0}  # sent once only
