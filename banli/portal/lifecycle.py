"""The disclosure (公开) state machine of one sent reply."""

from __future__ import annotations

from banli.lifecycle import Lifecycle

from .models import PublicationState

S = PublicationState

PUBLICATION = Lifecycle(
    name="publication",
    field="state",
    choices=PublicationState,
    initial=S.PENDING,
    subject="该答复的公开状态",
    transitions={
        S.PENDING: {S.PUBLISHED, S.PRIVATE},
        S.PRIVATE: {S.PUBLISHED, S.PENDING},
        S.PUBLISHED: {S.WITHDRAWN},
        S.WITHDRAWN: {S.PUBLISHED, S.PRIVATE},
    },
)
