"""Writing co-handling opinions (会办意见) dated by the ledger's 会办意见日期, and marking a lead
reply sent without some co opinion (未提交) the way `reply_send` does."""

from __future__ import annotations

from banli.cases.models import AssignmentRole, Reply
from banli.handling.models import CoOpinion

from ..plan import RowProposal
from .assignments import lead_of

OPINION_TEXT = "（台账导入：会办意见已于会办意见日期提交，台账未记录意见内容）"


def create_co_opinions(touched: list[RowProposal]) -> int:
    opinions = []
    for rp in touched:
        lead, _ = lead_of(rp)
        for ra in rp.new_assignments:
            if ra.role == AssignmentRole.CO and ra.opinion_on:
                opinions.append(
                    CoOpinion(assignment=ra.obj, lead_assignment=lead, text=OPINION_TEXT, submitted_on=ra.opinion_on)
                )
    CoOpinion.objects.bulk_create(opinions, batch_size=500)
    return len(opinions)


def mark_missing_opinions(touched: list[RowProposal]) -> None:
    """A lead reply of the ledger with co rows that have no 会办意见日期 records them as 未提交."""
    marked = []
    for rp in touched:
        lead = next((ra for ra in rp.new_assignments if ra.role == AssignmentRole.LEAD), None)
        if lead is None or lead.reply is None:
            continue
        missing = [ra.unit_name for ra in rp.assignments if ra.role == AssignmentRole.CO and not ra.opinion_on]
        if missing:
            lead.reply.missing_opinion_reason = f"台账未记录{'、'.join(missing)}的会办意见（未提交）"
            marked.append(lead.reply)
    Reply.objects.bulk_update(marked, ["missing_opinion_reason"], batch_size=500)
