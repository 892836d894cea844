"""Inbox reads and writes: only ever the signed-in user's own notifications."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from banli.errors import NotFound

from .models import Notification, NotificationPreference


def notifications_of(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_get(user, pk) -> Notification:
    try:
        return Notification.objects.get(pk=int(pk), user=user)
    except (Notification.DoesNotExist, TypeError, ValueError):
        raise NotFound()


def notification_mark_read(*, actor, notification: Notification | None = None) -> int:
    """Mark one (or, with none given, every) unread notification of `actor` as read."""
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification is not None:
        qs = qs.filter(pk=notification.pk)
    return qs.update(read_at=timezone.now())


def preference_of(user) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def preference_set(*, actor, email: bool, sms: bool) -> NotificationPreference:
    pref, _ = NotificationPreference.objects.update_or_create(user=actor, defaults={"email": email, "sms": sms})
    return pref
