"""The extension request's state machine (延期申请: 待审批 → 同意 / 未同意 / 撤回)."""

from __future__ import annotations

from banli.lifecycle import Lifecycle

from .models import ExtensionState

E = ExtensionState

EXTENSION = Lifecycle(
    name="extension",
    field="state",
    choices=ExtensionState,
    initial=E.PENDING,
    subject="该申请当前",
    transitions={
        E.PENDING: {E.APPROVED, E.REFUSED, E.CANCELLED},
        E.APPROVED: set(),
        E.REFUSED: set(),
        E.CANCELLED: set(),
    },
)
