"""Writing B-class follow-ups: a B reply is followed up until converted to A or explained (SPEC §4)."""

from __future__ import annotations

from banli.cases.models import ResultClass
from banli.handling.models import FollowUp, FollowUpState

from ..plan import RowAssignment


def create_followups(rows: list[RowAssignment]) -> int:
    followups = [
        FollowUp(
            assignment_id=ra.reply.assignment_id,
            reply=ra.reply,
            original_class=ResultClass.B,
            state=FollowUpState.OPEN,
            opened_on=ra.reply.sent_on,
        )
        for ra in rows
        if ra.reply is not None and ra.reply.result_class == ResultClass.B
    ]
    FollowUp.objects.bulk_create(followups, batch_size=500)
    return len(followups)
