"""The one-time form token. A form carries a random `once` value; the service that acts on it
claims the value inside its own transaction, so a double-clicked or replayed submit acts once."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from banli.errors import AlreadySubmitted

from .models import SubmitToken


def claim_once(user, token: str | None) -> None:
    """Claim `token` for `user` inside the caller's transaction (no token: nothing to claim).

    Raises AlreadySubmitted if the token was claimed before; the caller's transaction then rolls
    back whatever it had done, so the second submit leaves no trace."""
    token = (token or "").strip()[:64]
    if not token:
        return
    try:
        with transaction.atomic():
            SubmitToken.objects.create(token=token, user=user)
    except IntegrityError:
        raise AlreadySubmitted("该表单已经提交过，未重复执行。")
