"""Writing B-class follow-ups: a B reply is followed up until converted to A or explained (SPEC §4)."""

from __future__ import annotations

from banli.cases.models import ResultClass
from banli.handling.models import FollowUp, FollowUpState

from ..plan import RowAssignment
from .states import followup_state


def create_followups(rows: list[RowAssignment]) -> int:
    """Follow-ups of the B replies; returns how many are already converted to A."""
    followups = []
    for ra in rows:
        if ra.reply is None or ra.reply.result_class != ResultClass.B:
            continue
        state, closed_on, note = followup_state(ra)
        followups.append(
            FollowUp(
                assignment_id=ra.reply.assignment_id,
                reply=ra.reply,
                original_class=ResultClass.B,
                state=state,
                opened_on=ra.reply.sent_on,
                closed_on=closed_on,
                note=note,
            )
        )
    FollowUp.objects.bulk_create(followups, batch_size=500)
    return sum(1 for f in followups if f.state == FollowUpState.CONVERTED)
