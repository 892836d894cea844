"""Notifications: the in-app inbox, email and SMS (SPEC §5).

`notify()` is the one entry point other apps call from their services, inside their transaction.
It writes inbox rows in that transaction (a refused or rolled-back action leaves none) and sends
email/SMS only after it commits (`transaction.on_commit`), catching and logging any failure, so a
mail or SMS outage never turns a committed action into an error page. With a `dedupe_key` it is
idempotent per user.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from banli.orgs.models import Role

from .models import Notification, NotificationPreference

log = logging.getLogger("banli.notify")


class SMSBackend:
    """Interface of an SMS adapter: `send(phone, text)`; raise on failure."""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LogSMSBackend(SMSBackend):
    """Default adapter: writes the message to the log (no SMS gateway configured)."""

    def send(self, phone: str, text: str) -> None:
        log.warning("SMS to %s: %s", phone, text)


def sms_backend() -> SMSBackend:
    path = getattr(settings, "BANLI_SMS_BACKEND", "banli.notify.services.LogSMSBackend")
    return import_string(path)()


def _absolute(url: str) -> str:
    base = getattr(settings, "BANLI_SITE_URL", "").rstrip("/")
    return f"{base}{url}" if url.startswith("/") and base else url


def _deliver(notification_ids: list[int]) -> None:
    """Email and SMS for freshly written inbox rows, per each user's preference.

    Runs after the action committed: nothing here may turn that action into an error page, so every
    failure is logged and swallowed (the inbox row stays; `emailed`/`texted` stay False)."""
    try:
        _send(notification_ids)
    except Exception:
        log.exception("delivering notifications %s failed", notification_ids)


def _send(notification_ids: list[int]) -> None:
    rows = Notification.objects.filter(pk__in=notification_ids, emailed=False, texted=False).select_related("user")
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=[n.user_id for n in rows])}
    for n in rows:
        pref = prefs.get(n.user_id) or NotificationPreference(user=n.user)
        body = n.text + (f"\n\n{_absolute(n.url)}" if n.url else "")
        if pref.email and n.user.email:
            try:
                send_mail(f"[建议提案办理] {n.text[:60]}", body, None, [n.user.email])
                Notification.objects.filter(pk=n.pk).update(emailed=True)
            except Exception:  # a mail server outage must not break the action that notified
                log.exception("email to %s failed", n.user.email)
        if pref.sms and n.user.phone:
            try:
                sms_backend().send(n.user.phone, n.text[:200])
                Notification.objects.filter(pk=n.pk).update(texted=True)
            except Exception:
                log.exception("SMS to %s failed", n.user.phone)


RETRY_AFTER = dt.timedelta(minutes=10)  # leave the first, on-commit delivery its time
RETRY_WITHIN = dt.timedelta(days=2)  # older news is read in the inbox


def deliver_pending(now=None) -> dict:
    """The periodic scan's step: email and SMS that failed (or whose process died before sending)
    are tried again, for notifications between RETRY_AFTER and RETRY_WITHIN old.

    Each send is claimed by a conditional UPDATE first (two workers never both send it) and the
    claim is given back if the send fails, for the next tick.
    """
    now = now or timezone.now()
    rows = Notification.objects.filter(
        Q(emailed=False) | Q(texted=False), created_at__lt=now - RETRY_AFTER, created_at__gte=now - RETRY_WITHIN
    ).select_related("user")
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=rows.values("user_id"))}
    sent = {"emails": 0, "sms": 0}
    for n in rows.iterator(chunk_size=500):
        pref = prefs.get(n.user_id) or NotificationPreference(user=n.user)
        body = n.text + (f"\n\n{_absolute(n.url)}" if n.url else "")
        wants_email = not n.emailed and pref.email and n.user.email
        if wants_email and Notification.objects.filter(pk=n.pk, emailed=False).update(emailed=True):
            try:
                send_mail(f"[建议提案办理] {n.text[:60]}", body, None, [n.user.email])
                sent["emails"] += 1
            except Exception:
                Notification.objects.filter(pk=n.pk).update(emailed=False)
                log.exception("email to %s failed again", n.user.email)
        wants_sms = not n.texted and pref.sms and n.user.phone
        if wants_sms and Notification.objects.filter(pk=n.pk, texted=False).update(texted=True):
            try:
                sms_backend().send(n.user.phone, n.text[:200])
                sent["sms"] += 1
            except Exception:
                Notification.objects.filter(pk=n.pk).update(texted=False)
                log.exception("SMS to %s failed again", n.user.phone)
    return sent


def _url_for(user, url: str, proposal) -> str:
    """A proposer's notification opens the portal, never a staff page."""
    staff = (Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER)
    if proposal is not None and user.has_role(Role.PROPOSER) and not user.has_role(*staff):
        return reverse("portal:proposal", args=[proposal.pk])
    return url


def notify(
    *,
    users: Iterable,
    verb: str,
    text: str,
    url: str = "",
    proposal=None,
    assignment=None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Write one inbox row per active user (skipping those who already have `dedupe_key`).

    Email and SMS go out after the surrounding transaction commits. Returns the rows written.
    """
    if assignment is not None and proposal is None:
        proposal = assignment.proposal
    if not url and proposal is not None:
        # The case page, scrolled to the assignment's panel where its actions are.
        url = proposal.get_absolute_url() + (f"#a{assignment.pk}" if assignment is not None else "")
    key = (dedupe_key or "")[:200]
    seen: set[int] = set()
    written: list[Notification] = []
    for user in users:
        if user is None or not getattr(user, "is_active", False) or user.pk in seen:
            continue
        seen.add(user.pk)
        if key and Notification.objects.filter(user=user, dedupe_key=key).exists():
            continue
        try:
            # A savepoint, so that a concurrent writer winning the unique constraint only skips this row.
            with transaction.atomic():
                n = Notification.objects.create(
                    user=user,
                    verb=verb[:40],
                    text=text[:500],
                    url=_url_for(user, url, proposal)[:300],
                    proposal=proposal,
                    assignment=assignment,
                    dedupe_key=key,
                )
        except IntegrityError:
            continue
        written.append(n)
    if written:
        ids = [n.pk for n in written]
        transaction.on_commit(lambda: _deliver(ids), robust=True)
    return written


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
