"""The review state machine of a learned related-term pair (staff may change their mind)."""

from __future__ import annotations

from banli.lifecycle import Lifecycle

from .models import RelatedTermStatus

S = RelatedTermStatus

RELATED_TERM = Lifecycle(
    name="related_term",
    field="status",
    choices=RelatedTermStatus,
    initial=S.SUGGESTED,
    subject="该相关词",
    transitions={
        S.SUGGESTED: {S.CONFIRMED, S.REJECTED},
        S.CONFIRMED: {S.REJECTED},
        S.REJECTED: {S.CONFIRMED},
    },
)
