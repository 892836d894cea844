"""Shared web-layer state: the one-time form token that makes a double-clicked submit act once."""

from django.conf import settings
from django.db import models


class SubmitToken(models.Model):
    """A claimed one-time form token: a double-clicked or replayed submit acts once."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The table was created by the handling app; the model moved here without a copy.
        db_table = "handling_submittoken"
