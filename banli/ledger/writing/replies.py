"""Writing the first reply of each replied row (sent on the ledger's 答复日期)."""

from __future__ import annotations

from banli.cases.models import Reply

from ..plan import RowAssignment
from .states import REPLY_STATE


def create_replies(rows: list[RowAssignment], actor) -> int:
    replies = []
    for ra in rows:
        a = ra.obj
        if a.first_reply_on:
            ra.reply = Reply(
                assignment=a,
                seq=1,
                state=REPLY_STATE,
                result_class=ra.result_class,
                disclosure=ra.disclosure,
                sent_on=ra.replied_on,
                created_by=actor,
            )
            replies.append(ra.reply)
    Reply.objects.bulk_create(replies, batch_size=500)
    return len(replies)
