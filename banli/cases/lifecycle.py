"""The state machines of the cases app: review (立案审查), assignment (交办 → 办结) and reply (答复稿).

Services move an object only through these: `ASSIGNMENT.move(a, AssignmentState.HANDLING,
action="签收")` refuses a transition the map does not allow and returns (old, new) for the audit
event.
"""

from __future__ import annotations

from banli.lifecycle import Lifecycle

from .models import AssignmentState, ReplyState, ReviewState

R = ReviewState

REVIEW = Lifecycle(
    name="review",
    field="review_state",
    choices=ReviewState,
    initial=R.SUBMITTED,
    transitions={
        R.SUBMITTED: {R.ACCEPTED, R.NOT_ACCEPTED, R.MERGED},
        # A duplicate found after acceptance can still be merged while nobody handles it yet.
        R.ACCEPTED: {R.MERGED, R.NOT_ACCEPTED},
        R.NOT_ACCEPTED: set(),
        R.MERGED: set(),
    },
)

S = AssignmentState

ASSIGNMENT = Lifecycle(
    name="assignment",
    field="state",
    choices=AssignmentState,
    initial=S.PENDING_SIGN,
    subject="该件当前",
    transitions={
        # 签收, 申请调整, or 撤回交办 while nobody has signed. → 已办结: a co unit whose lead unit
        # replied before it sent its opinion ends there, its opinion recorded as 未提交.
        S.PENDING_SIGN: {S.HANDLING, S.ADJUSTMENT_REQUESTED, S.WITHDRAWN, S.CLOSED},
        # The assigning office rejects (back to 待签收), re-assigns (改交) or withdraws it; a co
        # unit ends as 未提交 when its lead replies meanwhile.
        S.ADJUSTMENT_REQUESTED: {S.PENDING_SIGN, S.WITHDRAWN, S.CLOSED},
        # → 已办结: a co unit ends as 未提交 when its lead replies without its opinion.
        S.HANDLING: {S.OPINION_SENT, S.IN_REVIEW, S.CLOSED},
        # A co unit that sent its opinion ends when its lead unit's reply is sent.
        S.OPINION_SENT: {S.CLOSED},
        S.IN_REVIEW: {S.HANDLING, S.REHANDLING, S.REPLIED},
        S.REPLIED: {S.REHANDLING, S.FOLLOW_UP, S.CLOSED},
        S.REHANDLING: {S.IN_REVIEW},
        S.FOLLOW_UP: {S.CLOSED},
        S.CLOSED: set(),
        S.WITHDRAWN: set(),
    },
)

P = ReplyState

REPLY = Lifecycle(
    name="reply",
    field="state",
    choices=ReplyState,
    initial=P.DRAFT,
    subject="答复稿当前",
    transitions={
        P.DRAFT: {P.IN_REVIEW},
        # 签发, or 退回 with comments (before or after sign-off).
        P.IN_REVIEW: {P.APPROVED, P.DRAFT},
        P.APPROVED: {P.SENT, P.DRAFT},
        P.SENT: set(),
    },
    # A correction of a sent reply is itself a new sent version (the sent one never changes).
    entries=frozenset({P.SENT}),
)
