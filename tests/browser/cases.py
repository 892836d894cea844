"""Cases for the browser tests, reached through the real services (never by writing status fields)."""

from __future__ import annotations

from banli.cases.models import AssignmentRole as R
from banli.cases.models import ReviewState
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.handling import services as svc


def signed_case(cast, *, title="关于完善产业园区配套的建议"):
    """An accepted NPC suggestion of 王代表: 市工信局 主办 (signed by its liaison), 市商务局 会办."""
    p = proposal_register(actor=cast.staff_npc, session=cast.npc_session, title=title, lead=cast.deputy)
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    lead, co = assignment_create(
        actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)]
    )
    lead = svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    return p, lead, co


def distributed_case(cast, **kw):
    """signed_case, with a plan distributed to 产业发展处 (handler_gx drafts the reply)."""
    p, lead, co = signed_case(cast, **kw)
    svc.plan_save(actor=cast.liaison_gx, assignment=lead, version=0, lead_dept=cast.orgs.gx_industry)
    svc.plan_distribute(actor=cast.liaison_gx, assignment=lead)
    return p, lead, co
