"""Writing evaluations: the lead proposer's 评价 of a replied row, dated on the reply day."""

from __future__ import annotations

from banli.cases.models import Evaluation

from ..plan import RowProposal


def create_evaluations(touched: list[RowProposal], actor) -> int:
    evaluations = [
        Evaluation(
            assignment=ra.obj,
            reply=ra.reply,
            proposer_id=rp.proposal.lead_id,
            verdict=ra.verdict,
            on=ra.replied_on,
            created_by=actor,
        )
        for rp in touched
        for ra in rp.new_assignments
        if ra.verdict and ra.reply is not None
    ]
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    return len(evaluations)
