"""The state machines of the handling app: adjustment request, B-class follow-up, commitment."""

from __future__ import annotations

from banli.lifecycle import Lifecycle

from .models import AdjustmentState, CommitmentState, FollowUpState

ADJUSTMENT = Lifecycle(
    name="adjustment",
    field="state",
    choices=AdjustmentState,
    initial=AdjustmentState.PENDING,
    subject="该调整申请当前",
    transitions={
        AdjustmentState.PENDING: {AdjustmentState.APPROVED, AdjustmentState.REJECTED},
        AdjustmentState.APPROVED: set(),
        AdjustmentState.REJECTED: set(),
    },
)

FOLLOW_UP = Lifecycle(
    name="follow-up",
    field="state",
    choices=FollowUpState,
    initial=FollowUpState.OPEN,
    subject="该B类跟踪当前",
    transitions={
        FollowUpState.OPEN: {FollowUpState.CONVERTED, FollowUpState.EXPLAINED},
        # A later B reply (after 重新办理) joins the case's one follow-up and opens it again.
        FollowUpState.CONVERTED: {FollowUpState.OPEN},
        FollowUpState.EXPLAINED: {FollowUpState.OPEN},
    },
)

COMMITMENT = Lifecycle(
    name="commitment",
    field="state",
    choices=CommitmentState,
    initial=CommitmentState.OPEN,
    subject="该承诺事项当前",
    transitions={
        CommitmentState.OPEN: {CommitmentState.DONE, CommitmentState.DROPPED},
        CommitmentState.DONE: set(),
        CommitmentState.DROPPED: set(),
    },
)
