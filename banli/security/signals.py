"""Keeps the session registry in step with Django's login and logout."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from .models import UserSession
from .services import session_register


@receiver(user_logged_in, dispatch_uid="banli_security_login")
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_register(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="banli_security_logout")
def _on_logout(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason="logout"
        )
