"""Every state a case can be in, reached through banli's own services, each step as the cast member
who would take it (STYLE.md §7: never by writing a status field).

Each step builds on the previous ones: pass the object an earlier step returned (a reply step also
takes an assignment) and the missing steps are taken in order; pass nothing and the whole path is
built from a fresh registration with defaults (keyword arguments go down the path to the step that
takes them).

    registered → accepted → assigned → signed → planned → drafted → submitted → approved → sent
        → evaluated (closed, or rehandling when 不满意, or follow_up for a B reply) ; sent → published

``on=`` runs a step as if today were that date (the services stamp dates with today's date).

The people who act for a unit are the cast's: 市工业和信息化局 and 市商务局 have a liaison, a
leader and a handler; the other units only a liaison, so their replies cannot be signed off and they
stop at ``submitted``.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

from django.utils import timezone

from banli.cases.models import (
    Assignment,
    AssignmentState,
    Disclosure,
    Proposal,
    Reply,
    ReplyState,
    ReviewState,
    Verdict,
)
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, proposal_register, proposal_review, proposal_set_key
from banli.deadlines import services as deadlines
from banli.handling import selectors as handling_sel
from banli.handling import services as handling
from banli.portal import services as portal
from banli.portal.models import Publication, PublicationState

REPLY_FIELDS = ("signer", "disclosure_reason", "decisions", "files")
DRAFT = dict(result_class="A", text="答复内容", contact_name="张三", contact_phone="0755-1234", disclosure="public")


@contextmanager
def on(day: dt.date | None):
    """Run the block as if today were ``day`` (no-op for None)."""
    if day is None:
        yield
        return
    noon = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    with (
        mock.patch("django.utils.timezone.localdate", lambda *a, **k: day),
        mock.patch("django.utils.timezone.now", lambda: noon),
    ):
        yield


def people(cast, unit) -> SimpleNamespace:
    """The cast members who act for ``unit``: liaison, leader, handler (None when the cast has none)."""
    o = cast.orgs
    table = {
        o.gx.pk: (cast.liaison_gx, cast.leader_gx, cast.handler_gx, o.gx_industry),
        o.sw.pk: (cast.liaison_sw, cast.leader_sw, cast.handler_sw, o.sw_trade),
        o.lh.pk: (cast.liaison_lh, None, None, None),
        o.lh_fgj.pk: (cast.liaison_lh_fgj, None, None, None),
        o.court.pk: (cast.liaison_court, None, None, None),
    }
    liaison, leader, handler, dept = table[unit.pk]
    return SimpleNamespace(liaison=liaison, leader=leader, handler=handler, dept=dept)


def staff_of(cast, proposal: Proposal):
    """The body staff member of the proposal's 人大/政协."""
    return cast.staff_cppcc if proposal.session.body_id == cast.orgs.cppcc.pk else cast.staff_npc


def _fresh(obj):
    """``obj`` re-read from the database (a caller may hold a copy from before a later step)."""
    if obj is not None:
        obj.refresh_from_db()
    return obj


def _reply(cast, r, build, day, kw) -> Reply:
    """The reply to work on: ``r`` itself, a draft for ``r`` when it is an assignment, or a new path."""
    if r is None:
        return build(cast, day=day, **kw)
    if isinstance(r, Assignment):
        return drafted(cast, r, day=day, **kw)
    return _fresh(r)


# --- proposals ----------------------------------------------------------------------------------------


def registered(cast, *, title="关于发展数字经济的建议", member=False, lead=None, day=None, **kw) -> Proposal:
    """A proposal registered by body staff (待审查). ``member=True``: a 政协 proposal by 陈委员."""
    staff, session = (cast.staff_cppcc, cast.cppcc_session) if member else (cast.staff_npc, cast.npc_session)
    lead = lead or (cast.member if member else cast.deputy)
    with on(day):
        return proposal_register(actor=staff, session=session, title=title, lead=lead, **kw)


def accepted(cast, proposal: Proposal | None = None, *, day=None, **kw) -> Proposal:
    """The proposal accepted (立案) by its body's staff."""
    p = proposal or registered(cast, day=day, **kw)
    with on(day):
        return proposal_review(actor=staff_of(cast, p), proposal=p, decision=ReviewState.ACCEPTED)


def assigned_all(cast, proposal: Proposal | None = None, *, units=None, day=None, **kw) -> list[Assignment]:
    """The accepted proposal assigned (交办); ``units`` = [(org, role)], default 市工信局 承办."""
    p = proposal or accepted(cast, day=day, **kw)
    units = units or [(cast.orgs.gx, R.SOLE)]
    with on(day):
        return assignment_create(actor=staff_of(cast, p), proposal=p, units=units, assigned_on=day)


def assigned(cast, proposal: Proposal | None = None, **kw) -> Assignment:
    """Like assigned_all; the assignment that answers the proposer (主办/承办/分办), the first one."""
    return next(a for a in assigned_all(cast, proposal, **kw) if a.answers_proposer)


def signed(cast, a: Assignment | None = None, *, day=None, **kw) -> Assignment:
    """The assignment signed for (签收) by the unit's liaison."""
    a = a or assigned(cast, day=day, **kw)
    with on(day):
        return handling.assignment_sign(actor=people(cast, a.unit).liaison, assignment=a)


def planned(cast, a: Assignment | None = None, *, day=None, **kw) -> Assignment:
    """The signed assignment's handling plan saved and distributed to the handler's department."""
    a = _fresh(a) or signed(cast, day=day, **kw)
    if a.state == AssignmentState.PENDING_SIGN:
        a = signed(cast, a, day=day)
    who = people(cast, a.unit)
    assert who.handler, f"the cast has no handler in {a.unit.name}"
    with on(day):
        handling.plan_save(
            actor=who.liaison, assignment=a, version=0, lead_dept=who.dept, responsible_person=who.handler
        )
        handling.plan_distribute(actor=who.liaison, assignment=a)
    a.refresh_from_db()
    return a


def opinion_sent(cast, a: Assignment, *, day=None, text="会办意见") -> Assignment:
    """A co unit's assignment signed (if not yet) and its opinion (会办意见) submitted by its liaison."""
    if _fresh(a).state == AssignmentState.PENDING_SIGN:
        a = signed(cast, a, day=day)
    with on(day):
        handling.co_opinion_submit(actor=people(cast, a.unit).liaison, assignment=a, text=text)
    a.refresh_from_db()
    return a


def extended(cast, a: Assignment, until: dt.date, *, day=None) -> Assignment:
    """The unit's liaison asks for more time until ``until`` and the assigning office grants it."""
    ext = deadlines.extension_request(
        actor=people(cast, a.unit).liaison, assignment=a, reason="涉及多部门协调", requested_due=until, on=day
    )
    deadlines.extension_decide(actor=staff_of(cast, a.proposal), extension=ext, approve=True, on=day)
    a.refresh_from_db()
    return a


def drafted(cast, a: Assignment | None = None, *, day=None, commitments=None, **kw) -> Reply:
    """A complete reply draft, written by the handler (or the liaison where the unit has none).

    Keyword arguments override the draft's fields (DRAFT); a B reply gets one commitment by default."""
    fields = {
        k: kw.pop(k) for k in list(kw) if k in DRAFT or k in ("signer", "disclosure_reason", "decisions", "files")
    }
    if a is None or _fresh(a).state == AssignmentState.PENDING_SIGN:
        a = signed(cast, a, day=day, **kw)
        if people(cast, a.unit).handler:
            a = planned(cast, a, day=day)
    who = people(cast, a.unit)
    fields = {**DRAFT, **fields}
    if fields["result_class"] == "B" and commitments is None:
        commitments = [("年底前出台扶持办法", dt.date((day or timezone.localdate()).year, 12, 31))]
    author = who.handler if who.handler and handling_sel.is_handler(who.handler, a) else who.liaison
    current = a.replies.filter(state=ReplyState.DRAFT).order_by("-seq").first()
    with on(day):
        return handling.reply_save_draft(
            actor=author,
            assignment=a,
            version=current.version if current else 0,
            commitments=commitments,
            **fields,
        )


def submitted(cast, r: Reply | Assignment | None = None, *, day=None, **kw) -> Reply:
    """The draft submitted for sign-off (提交领导签发) by the liaison."""
    r = _reply(cast, r, drafted, day, kw)
    with on(day):
        return handling.reply_submit(actor=people(cast, r.assignment.unit).liaison, reply=r)


def approved(cast, r: Reply | Assignment | None = None, *, day=None, **kw) -> Reply:
    """The reply signed off (签发) by the unit's leader."""
    r = _reply(cast, r, drafted, day, kw)
    if r.state == ReplyState.DRAFT:
        r = submitted(cast, r, day=day)
    leader = people(cast, r.assignment.unit).leader
    assert leader, f"the cast has no leader in {r.assignment.unit.name}"
    with on(day):
        return handling.reply_approve(actor=leader, reply=r)


def sent(cast, r: Reply | Assignment | None = None, *, day=None, **kw) -> Reply:
    """The signed-off reply sent to the proposer (正式答复) by the liaison; when a co unit's opinion is
    missing, with the reason the form asks for."""
    r = _reply(cast, r, drafted, day, kw)
    if r.state != ReplyState.APPROVED:
        r = approved(cast, r, day=day)
    a = r.assignment
    reason = "会办单位逾期未复" if handling_sel.missing_co_opinions(a) else ""
    with on(day):
        return handling.reply_send(actor=people(cast, a.unit).liaison, reply=r, missing_opinion_reason=reason)


def evaluated(cast, r: Reply | Assignment | None = None, *, verdict=Verdict.SATISFIED, day=None, **kw):
    """The lead proposer's evaluation of the sent reply (by the proposer's own account, or entered by
    body staff when the proposer has none). Returns the Evaluation; the assignment is then closed,
    in rehandling (不满意) or in B-class follow-up."""
    r = _reply(cast, r, sent, day, kw)
    if r.state != ReplyState.SENT:
        r = sent(cast, r, day=day)
    a = r.assignment
    lead = a.proposal.lead
    with on(day):
        if lead.user_id:
            return handling.evaluation_submit(
                actor=lead.user, assignment=a, verdict=verdict, attitude=verdict, result=verdict, comment="评价意见"
            )
        return handling.evaluation_submit(
            actor=staff_of(cast, a.proposal), assignment=a, verdict=verdict, proposer=lead, comment="评价意见"
        )


def closed(cast, r: Reply | Assignment | None = None, **kw) -> Assignment:
    """An A reply evaluated 满意: the assignment is closed (办结)."""
    e = evaluated(cast, r, **kw)
    a = Assignment.objects.get(pk=e.assignment_id)
    assert a.state == AssignmentState.CLOSED, a.state
    return a


def rehandling(cast, r: Reply | Assignment | None = None, **kw) -> Assignment:
    """The reply evaluated 不满意: the assignment goes back to the unit (重新办理)."""
    e = evaluated(cast, r, verdict=Verdict.UNSATISFIED, **kw)
    a = Assignment.objects.get(pk=e.assignment_id)
    assert a.state == AssignmentState.REHANDLING, a.state
    return a


def follow_up(cast, r: Reply | Assignment | None = None, **kw) -> Assignment:
    """A B reply (with its commitment) evaluated: the assignment is in B-class follow-up (B类跟踪)."""
    if r is None or isinstance(r, Assignment):
        r = sent(cast, r, result_class="B", **kw)
        kw = {"day": kw.get("day")}
    e = evaluated(cast, r, **kw)
    a = Assignment.objects.get(pk=e.assignment_id)
    assert a.state == AssignmentState.FOLLOW_UP, a.state
    return a


def published(cast, r: Reply | Assignment | None = None, *, day=None, **kw) -> Publication:
    """The sent reply proposed for publication by the unit's liaison and published by body staff."""
    r = _reply(cast, r, sent, day, kw)
    if r.state != ReplyState.SENT:
        r = sent(cast, r, day=day)
    a = r.assignment
    with on(day):
        portal.publication_propose(actor=people(cast, a.unit).liaison, reply=r, decision=Disclosure.PUBLIC)
        pub = portal.publication_decide(actor=staff_of(cast, a.proposal), reply=r, decision=PublicationState.PUBLISHED)
    assert pub.state == PublicationState.PUBLISHED
    return pub


# --- a small set of proposals in every state, for the case UI tests -------------------------------------


def case_set(cast) -> SimpleNamespace:
    """
    main      2023-0001 accepted, 市工信局 主办 + 市商务局 会办 (lead 王代表, co-signer 李代表)
    district  2023-0002 accepted, 龙华区人民政府 承办, sub-assigned to 龙华区发改局 主办
    fresh     2023-0003 submitted (待审查), key
    closed    2023-0004 accepted, 市商务局 承办, replied and closed
    court     2023-0005 accepted, 市中级人民法院 承办
    member    2024-0001 (政协) accepted, 市工信局 承办 (陈委员)
    """
    o = cast.orgs
    s = SimpleNamespace()
    s.main = accepted(
        cast,
        title="关于加快数字经济发展的建议",
        cosigners=[cast.cosigner],
        submitted_on=dt.date(2023, 2, 21),
        topic="经济发展",
    )
    s.main_lead, s.main_co = assigned_all(cast, s.main, units=[(o.gx, R.LEAD), (o.sw, R.CO)])
    s.district = accepted(
        cast, title="关于龙华区产业园区配套建设的建议", lead=cast.outsider_proposer, submitted_on=dt.date(2023, 2, 22)
    )
    (s.district_top,) = assigned_all(cast, s.district, units=[(o.lh, R.SOLE)])
    (s.district_sub,) = assignment_create(
        actor=cast.liaison_lh, proposal=s.district, units=[(o.lh_fgj, R.LEAD)], parent=s.district_top
    )
    s.fresh = registered(
        cast, title="关于提升智慧停车治理水平的建议", lead=cast.cosigner, submitted_on=dt.date(2023, 2, 20)
    )
    proposal_set_key(actor=cast.staff_npc, proposal=s.fresh, is_key=True, leader="分管副市长")
    s.closed = accepted(
        cast, title="关于完善养老服务的建议", lead=cast.outsider_proposer, submitted_on=dt.date(2023, 2, 23)
    )
    closed(cast, assigned(cast, s.closed, units=[(o.sw, R.SOLE)]))
    s.court = accepted(
        cast, title="关于大力发展律师行业的建议", lead=cast.outsider_proposer, submitted_on=dt.date(2023, 2, 24)
    )
    assigned_all(cast, s.court, units=[(o.court, R.SOLE)])
    s.member = accepted(cast, title="关于推进港口信息化建设的提案", member=True)
    assigned_all(cast, s.member, units=[(o.gx, R.SOLE)])
    for p in (s.main, s.district, s.fresh, s.closed, s.court, s.member):
        p.refresh_from_db()
    return s
