"""A few proposals in every state, shared by the case UI tests (tests/test_cases_*.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from banli.cases.models import Assignment, ReviewState
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, proposal_register, proposal_review


def build_cases(c) -> SimpleNamespace:
    """
    main      2023-0001 accepted, 市工信局 主办 + 市商务局 会办 (lead 王代表, co-signer 李代表)
    district  2023-0002 accepted, 龙华区人民政府 承办, sub-assigned to 龙华区发改局 主办
    fresh     2023-0003 submitted (待审查), key
    closed    2023-0004 accepted, 市商务局 承办, replied and closed
    court     2023-0005 accepted, 市中级人民法院 承办
    member    2024-0001 (政协) accepted, 市工信局 承办 (陈委员)
    """
    o = c.orgs
    s = SimpleNamespace()

    def reg(title, **kw):
        return proposal_register(actor=c.staff_npc, session=c.npc_session, title=title, **kw)

    def accept(p):
        return proposal_review(actor=c.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)

    s.main = accept(
        reg(
            "关于加快数字经济发展的建议",
            lead=c.deputy,
            cosigners=[c.cosigner],
            submitted_on=dt.date(2023, 2, 21),
            topic="经济发展",
        )
    )
    s.main_lead, s.main_co = assignment_create(
        actor=c.staff_npc, proposal=s.main, units=[(o.gx, R.LEAD), (o.sw, R.CO)]
    )
    s.district = accept(
        reg("关于龙华区产业园区配套建设的建议", lead=c.outsider_proposer, submitted_on=dt.date(2023, 2, 22))
    )
    (s.district_top,) = assignment_create(actor=c.staff_npc, proposal=s.district, units=[(o.lh, R.SOLE)])
    (s.district_sub,) = assignment_create(
        actor=c.liaison_lh, proposal=s.district, units=[(o.lh_fgj, R.LEAD)], parent=s.district_top
    )
    s.fresh = reg("关于提升智慧停车治理水平的建议", lead=c.cosigner, submitted_on=dt.date(2023, 2, 20))
    s.fresh.is_key = True
    s.fresh.save()
    s.closed = accept(reg("关于完善养老服务的建议", lead=c.outsider_proposer, submitted_on=dt.date(2023, 2, 23)))
    (a,) = assignment_create(actor=c.staff_npc, proposal=s.closed, units=[(o.sw, R.SOLE)])
    Assignment.objects.filter(pk=a.pk).update(
        state="closed", signed_on=dt.date(2023, 3, 1), first_reply_on=dt.date(2023, 5, 1), result_class="A"
    )
    s.court = accept(reg("关于大力发展律师行业的建议", lead=c.outsider_proposer, submitted_on=dt.date(2023, 2, 24)))
    assignment_create(actor=c.staff_npc, proposal=s.court, units=[(o.court, R.SOLE)])
    s.member = proposal_register(
        actor=c.staff_cppcc, session=c.cppcc_session, title="关于推进港口信息化建设的提案", lead=c.member
    )
    proposal_review(actor=c.staff_cppcc, proposal=s.member, decision=ReviewState.ACCEPTED)
    assignment_create(actor=c.staff_cppcc, proposal=s.member, units=[(o.gx, R.SOLE)])
    for p in (s.main, s.district, s.fresh, s.closed, s.court, s.member):
        p.refresh_from_db()
    return s
