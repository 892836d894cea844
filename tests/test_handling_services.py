"""Every handling action, for each role that may do it and every other user of the cast (who is
refused, and whose refusal writes nothing)."""

import datetime as dt

import pytest
from django.utils.timezone import localdate as today

from banli.audit.models import AuditEvent
from banli.calendar import workdays
from banli.cases.models import (
    Assignment,
    Contact,
    DeptTask,
    Evaluation,
    Reply,
    ReviewState,
)
from banli.cases.models import (
    AssignmentRole as R,
)
from banli.cases.models import (
    AssignmentState as S,
)
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.errors import DomainError
from banli.handling import services as svc
from banli.handling.models import (
    AdjustmentRequest,
    Commitment,
    CommitmentProgress,
    CoOpinion,
    FollowUp,
    HandlingPlan,
    HandlingPolicy,
    Handover,
    PointDecision,
    SuggestionPoint,
)
from tests.cast import ALL_USERS
from tests.factories import on

MODELS = (
    Assignment,
    Reply,
    Contact,
    Evaluation,
    DeptTask,
    AdjustmentRequest,
    HandlingPlan,
    CoOpinion,
    Commitment,
    CommitmentProgress,
    FollowUp,
    Handover,
    SuggestionPoint,
    PointDecision,
    HandlingPolicy,
)


def snapshot():
    rows = {m.__name__: m.objects.count() for m in MODELS}
    rows["audit"] = AuditEvent.objects.count()
    rows["states"] = tuple(
        Assignment.objects.order_by("pk").values_list("state", "version", "result_class", "closed_on")
    )
    rows["replies"] = tuple(Reply.objects.order_by("pk").values_list("state", "version", "text"))
    return rows


def refused(cast, allowed, fn):
    """Every cast user not in `allowed` is refused by fn(user), and nothing is written."""
    for name in ALL_USERS:
        if name in allowed:
            continue
        user = getattr(cast, name)
        before = snapshot()
        with pytest.raises(DomainError):
            fn(user)
        assert snapshot() == before, f"{name}'s refused attempt wrote something"


# --- building blocks -----------------------------------------------------------------------------


@pytest.fixture
def case(cast):
    p = proposal_register(
        actor=cast.staff_npc,
        session=cast.npc_session,
        title="关于发展数字经济的建议",
        lead=cast.deputy,
        cosigners=[cast.cosigner],
    )
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    lead, co = assignment_create(
        actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)]
    )
    return p, lead, co


def signed(cast, a, liaison=None):
    return svc.assignment_sign(actor=liaison or cast.liaison_gx, assignment=a)


def distributed(cast, a):
    signed(cast, a)
    svc.plan_save(
        actor=cast.liaison_gx,
        assignment=a,
        version=0,
        lead_dept=cast.orgs.gx_industry,
        responsible_person=cast.handler_gx,
    )
    svc.plan_distribute(actor=cast.liaison_gx, assignment=a)
    return a


DRAFT = dict(result_class="A", text="答复内容", contact_name="张三", contact_phone="0755-1234", disclosure="public")


def drafted(cast, a, **kw):
    return svc.reply_save_draft(actor=cast.handler_gx, assignment=a, version=0, **{**DRAFT, **kw})


def submitted(cast, a, **kw):
    r = drafted(cast, a, **kw)
    return svc.reply_submit(actor=cast.liaison_gx, reply=r)


def approved(cast, a, **kw):
    return svc.reply_approve(actor=cast.leader_gx, reply=submitted(cast, a, **kw))


def sent(cast, a, **kw):
    return svc.reply_send(
        actor=cast.liaison_gx, reply=approved(cast, a, **kw), missing_opinion_reason="会办单位逾期未复"
    )


def evaluate(cast, a, verdict, user=None):
    return svc.evaluation_submit(
        actor=user or cast.deputy_user,
        assignment=a,
        verdict=verdict,
        attitude="satisfied",
        result=verdict,
        comment="意见",
    )


# --- signing and adjustment ------------------------------------------------------------------------


def test_only_the_units_liaison_signs(cast, case):
    _, lead, _ = case
    refused(cast, {"liaison_gx"}, lambda u: svc.assignment_sign(actor=u, assignment=lead))
    a = svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    assert a.state == S.HANDLING and a.signed_on == today()
    assert AuditEvent.objects.filter(verb="assignment.sign", assignment_id=lead.pk).exists()
    with pytest.raises(DomainError, match="不能签收"):
        svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)


def test_only_the_units_liaison_requests_adjustment_with_a_reason(cast, case):
    _, lead, _ = case
    refused(cast, {"liaison_gx"}, lambda u: svc.adjustment_request(actor=u, assignment=lead, reason="不属本单位职责"))
    with pytest.raises(DomainError, match="理由"):
        svc.adjustment_request(actor=cast.liaison_gx, assignment=lead, reason=" ")
    req = svc.adjustment_request(actor=cast.liaison_gx, assignment=lead, reason="不属本单位职责")
    lead.refresh_from_db()
    assert lead.state == S.ADJUSTMENT_REQUESTED and req.state == "pending"


def test_adjustment_after_the_window_is_refused(cast, case):
    _, lead, _ = case
    due = lead.adjust_due or workdays.adjust_due(lead.assigned_on, body=lead.proposal.session.body)
    before = snapshot()
    with on(due + dt.timedelta(days=1)), pytest.raises(DomainError, match="申请调整期限"):  # the window has passed
        svc.adjustment_request(actor=cast.liaison_gx, assignment=lead, reason="不属本单位职责")
    assert snapshot() == before


def test_only_the_assigning_office_decides_an_adjustment(cast, case):
    p, lead, _ = case
    req = svc.adjustment_request(actor=cast.liaison_gx, assignment=lead, reason="不属本单位职责")
    refused(
        cast, {"staff_npc"}, lambda u: svc.adjustment_decide(actor=u, request=req, approve=True, unit=cast.orgs.court)
    )
    svc.adjustment_decide(actor=cast.staff_npc, request=req, approve=True, unit=cast.orgs.court, note="改交法院")
    lead.refresh_from_db()
    assert lead.state == S.WITHDRAWN
    new = Assignment.objects.get(proposal=p, unit=cast.orgs.court)
    assert new.role == R.LEAD and new.state == S.PENDING_SIGN and new.sign_due and new.reply_due
    req.refresh_from_db()
    assert req.state == "approved" and req.new_assignment == new
    # the history of the old assignment is kept
    assert AuditEvent.objects.filter(verb="adjustment.approve", assignment_id=lead.pk).exists()


def test_rejected_adjustment_goes_back_to_pending_sign_with_a_reason(cast, case):
    _, lead, _ = case
    req = svc.adjustment_request(actor=cast.liaison_gx, assignment=lead, reason="不属本单位职责")
    with pytest.raises(DomainError, match="理由"):
        svc.adjustment_decide(actor=cast.staff_npc, request=req, approve=False)
    svc.adjustment_decide(actor=cast.staff_npc, request=req, approve=False, note="属于工信职责，请签收办理")
    lead.refresh_from_db()
    assert lead.state == S.PENDING_SIGN
    assert lead.adjustment_requests.get().state == "rejected"


def test_coordinator_decides_adjustments_of_what_it_assigned(cast, case):
    p, _, _ = case
    (a,) = assignment_create(actor=cast.coordinator, proposal=p, units=[(cast.orgs.lh, R.CO)])
    req = svc.adjustment_request(actor=cast.liaison_lh, assignment=a, reason="区里无此职能")
    with pytest.raises(DomainError):
        svc.adjustment_decide(actor=cast.liaison_gx, request=req, approve=False, note="x")
    svc.adjustment_decide(actor=cast.coordinator, request=req, approve=False, note="请区政府牵头研究")
    a.refresh_from_db()
    assert a.state == S.PENDING_SIGN


# --- plan, distribution, scope ---------------------------------------------------------------------


def test_only_the_liaison_makes_the_plan_and_distributes(cast, case):
    _, lead, _ = case
    signed(cast, lead)
    o = cast.orgs
    refused(
        cast, {"liaison_gx"}, lambda u: svc.plan_save(actor=u, assignment=lead, version=0, lead_dept=o.gx_industry)
    )
    with pytest.raises(DomainError, match="本单位的处室"):
        svc.plan_save(actor=cast.liaison_gx, assignment=lead, version=0, lead_dept=o.sw_trade)
    plan = svc.plan_save(
        actor=cast.liaison_gx,
        assignment=lead,
        version=0,
        lead_dept=o.gx_industry,
        assist_depts=[o.gx_sme],
        responsible_leader=cast.leader_gx,
        responsible_person=cast.handler_gx,
        text="方案",
    )
    assert plan.version == 1
    refused(cast, {"liaison_gx"}, lambda u: svc.plan_distribute(actor=u, assignment=lead))
    tasks = svc.plan_distribute(actor=cast.liaison_gx, assignment=lead)
    assert {(t.dept, t.is_lead, t.handler) for t in tasks} == {
        (o.gx_industry, True, cast.handler_gx),
        (o.gx_sme, False, cast.handler_gx_sme),
    }


def test_a_handler_sees_only_cases_distributed_to_their_department(cast, case, login):
    from banli.cases.selectors import assignments_visible_to

    _, lead, _ = case
    signed(cast, lead)
    assert not assignments_visible_to(cast.handler_gx).filter(pk=lead.pk).exists()
    assert assignments_visible_to(cast.liaison_gx).filter(pk=lead.pk).exists()  # the liaison sees the whole unit
    svc.plan_save(actor=cast.liaison_gx, assignment=lead, version=0, lead_dept=cast.orgs.gx_industry)
    svc.plan_distribute(actor=cast.liaison_gx, assignment=lead)
    assert assignments_visible_to(cast.handler_gx).filter(pk=lead.pk).exists()
    assert not assignments_visible_to(cast.handler_gx_sme).filter(pk=lead.pk).exists()


def test_plan_edits_are_version_checked(cast, case):
    from banli.errors import Conflict

    _, lead, _ = case
    signed(cast, lead)
    svc.plan_save(actor=cast.liaison_gx, assignment=lead, version=0, lead_dept=cast.orgs.gx_industry, text="第一版")
    svc.plan_save(actor=cast.liaison_gx, assignment=lead, version=1, lead_dept=cast.orgs.gx_industry, text="第二版")
    with pytest.raises(Conflict):
        svc.plan_save(
            actor=cast.liaison_gx, assignment=lead, version=1, lead_dept=cast.orgs.gx_industry, text="旧版本上的修改"
        )
    assert HandlingPlan.objects.get().text == "第二版"


# --- contacts and co-opinions ----------------------------------------------------------------------


def test_contacts_are_recorded_by_liaison_or_distributed_handler(cast, case):
    _, lead, _ = case
    distributed(cast, lead)

    def add(u):
        return svc.contact_add(
            actor=u, assignment=lead, on=today(), stage="before", method="phone", summary="电话沟通"
        )

    refused(cast, {"liaison_gx", "handler_gx"}, add)
    add(cast.liaison_gx)
    c = add(cast.handler_gx)
    assert c.face_to_face is False
    v = svc.contact_add(
        actor=cast.handler_gx, assignment=lead, on=today(), stage="during", method="symposium", summary="座谈"
    )
    assert v.face_to_face is True
    with pytest.raises(DomainError, match="晚于今天"):
        svc.contact_add(
            actor=cast.handler_gx,
            assignment=lead,
            on=today() + dt.timedelta(days=1),
            stage="before",
            method="phone",
            summary="x",
        )


def test_co_opinion_goes_to_the_lead_and_only_the_co_unit_sends_it(cast, case):
    _, lead, co = case
    signed(cast, lead)
    signed(cast, co, cast.liaison_sw)
    refused(cast, {"liaison_sw"}, lambda u: svc.co_opinion_submit(actor=u, assignment=co, text="会办意见"))
    o = svc.co_opinion_submit(actor=cast.liaison_sw, assignment=co, text="会办意见")
    co.refresh_from_db()
    assert o.lead_assignment == lead and co.state == S.OPINION_SENT
    with pytest.raises(DomainError, match="只有会办单位"):
        svc.co_opinion_submit(actor=cast.liaison_gx, assignment=lead, text="x")


def test_co_unit_cannot_draft_a_reply_to_the_proposer(cast, case):
    _, _, co = case
    signed(cast, co, cast.liaison_sw)
    with pytest.raises(DomainError, match="会办单位不直接答复"):
        svc.reply_save_draft(actor=cast.liaison_sw, assignment=co, version=0, **DRAFT)


def test_sending_without_a_co_opinion_requires_a_recorded_reason(cast, case):
    _, lead, co = case
    distributed(cast, lead)
    r = approved(cast, lead)
    before = snapshot()
    with pytest.raises(DomainError, match="市商务局"):
        svc.reply_send(actor=cast.liaison_gx, reply=r)
    assert snapshot() == before
    svc.reply_send(actor=cast.liaison_gx, reply=r, missing_opinion_reason="商务局逾期未提交，已电话催办")
    r.refresh_from_db()
    assert r.state == "sent" and "逾期" in r.missing_opinion_reason
    # the co unit ends with the lead's reply, its opinion recorded as 未提交; a late one is refused
    co.refresh_from_db()
    assert co.state == S.CLOSED and co.closed_on == today()
    with pytest.raises(DomainError, match="已办结"):
        svc.co_opinion_submit(actor=cast.liaison_sw, assignment=co, text="迟到的意见")


# --- replies ---------------------------------------------------------------------------------------


def test_draft_by_liaison_or_handler_only(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    refused(
        cast,
        {"liaison_gx", "handler_gx"},
        lambda u: svc.reply_save_draft(actor=u, assignment=lead, version=0, **DRAFT),
    )
    r = svc.reply_save_draft(actor=cast.liaison_gx, assignment=lead, version=0, **DRAFT)
    r = svc.reply_save_draft(actor=cast.handler_gx, assignment=lead, version=r.version, **{**DRAFT, "text": "改"})
    assert r.version == 2 and r.text == "改"


def test_submit_by_liaison_only_and_only_when_complete(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    r = drafted(cast, lead, contact_phone="")
    with pytest.raises(DomainError, match="联系人及电话"):
        svc.reply_submit(actor=cast.liaison_gx, reply=r)
    r = svc.reply_save_draft(actor=cast.handler_gx, assignment=lead, version=r.version, **DRAFT)
    refused(cast, {"liaison_gx"}, lambda u: svc.reply_submit(actor=u, reply=r))
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    lead.refresh_from_db()
    assert lead.state == S.IN_REVIEW
    with pytest.raises(DomainError, match="已提交审核"):
        svc.reply_save_draft(actor=cast.handler_gx, assignment=lead, version=r.version, **DRAFT)


def test_b_class_reply_needs_commitments(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    r = drafted(cast, lead, result_class="B")
    with pytest.raises(DomainError, match="承诺事项"):
        svc.reply_submit(actor=cast.liaison_gx, reply=r)
    with pytest.raises(DomainError, match="完成时间"):
        svc.reply_save_draft(
            actor=cast.handler_gx,
            assignment=lead,
            version=r.version,
            **{**DRAFT, "result_class": "B"},
            commitments=[("建设园区", None)],
        )


def test_approve_and_return_by_the_units_leader_only(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    r = submitted(cast, lead)
    refused(cast, {"leader_gx"}, lambda u: svc.reply_approve(actor=u, reply=r))
    refused(cast, {"leader_gx"}, lambda u: svc.reply_return(actor=u, reply=r, comment="请修改"))
    with pytest.raises(DomainError, match="修改意见"):
        svc.reply_return(actor=cast.leader_gx, reply=r, comment="")
    svc.reply_return(actor=cast.leader_gx, reply=r, comment="请补充数据")
    r.refresh_from_db()
    lead.refresh_from_db()
    assert r.state == "draft" and r.return_comment == "请补充数据" and lead.state == S.HANDLING
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    r = svc.reply_approve(actor=cast.leader_gx, reply=r)
    assert r.state == "approved" and r.approved_by == cast.leader_gx


@pytest.mark.parametrize("sender", ["liaison_gx", "leader_gx"])
def test_send_by_liaison_or_leader_sets_the_fields_statistics_read(cast, case, sender):
    _, lead, _co = case
    distributed(cast, lead)
    r = approved(cast, lead)
    if sender == "liaison_gx":
        refused(
            cast, {"liaison_gx", "leader_gx"}, lambda u: svc.reply_send(actor=u, reply=r, missing_opinion_reason="x")
        )
    svc.reply_send(actor=getattr(cast, sender), reply=r, missing_opinion_reason="会办单位未签收")
    lead.refresh_from_db()
    assert lead.state == S.REPLIED and lead.first_reply_on == today() and lead.result_class == "A"
    assert lead.eval_due and lead.eval_due >= today() + dt.timedelta(days=30)


def test_sent_reply_is_immutable_and_a_correction_is_a_new_version(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    r = sent(cast, lead)
    with pytest.raises(DomainError):
        svc.reply_save_draft(actor=cast.handler_gx, assignment=lead, version=r.version, **{**DRAFT, "text": "改写"})
    refused(cast, {"leader_gx"}, lambda u: svc.reply_correct(actor=u, reply=r, text="更正后", reason="数字有误"))
    with pytest.raises(DomainError, match="更正理由"):
        svc.reply_correct(actor=cast.leader_gx, reply=r, text="更正后", reason="")
    new = svc.reply_correct(actor=cast.leader_gx, reply=r, text="更正后", reason="数字有误")
    r.refresh_from_db()
    assert r.text == "答复内容" and r.state == "sent"
    assert new.correction_of == r and new.correction_reason == "数字有误" and new.state == "sent"


def test_contact_before_reply_policy_blocks_submission_without_a_before_contact(cast, case):
    _, lead, _ = case
    refused(cast, {"staff_npc"}, lambda u: svc.policy_set(actor=u, body=cast.orgs.npc, contact_before_reply=True))
    svc.policy_set(actor=cast.staff_npc, body=cast.orgs.npc, contact_before_reply=True)
    distributed(cast, lead)
    r = drafted(cast, lead)
    with pytest.raises(DomainError, match="先沟通再办件"):
        svc.reply_submit(actor=cast.liaison_gx, reply=r)
    svc.contact_add(actor=cast.handler_gx, assignment=lead, on=today(), stage="during", method="phone", summary="办中")
    with pytest.raises(DomainError, match="先沟通再办件"):
        svc.reply_submit(actor=cast.liaison_gx, reply=r)
    svc.contact_add(actor=cast.handler_gx, assignment=lead, on=today(), stage="before", method="phone", summary="办前")
    assert svc.reply_submit(actor=cast.liaison_gx, reply=r).state == "in_review"


def test_suggestion_points_each_need_a_decision(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    refused(
        cast,
        {"liaison_gx", "handler_gx", "staff_npc"},
        lambda u: svc.points_save(actor=u, assignment=lead, texts=["一", "二"]),
    )
    pts = svc.points_save(actor=cast.handler_gx, assignment=lead, texts=["扩大供给", "降低租金"])
    r = drafted(cast, lead, decisions={pts[0].pk: ("adopted", "已出台办法")})
    with pytest.raises(DomainError, match="每一条"):
        svc.reply_submit(actor=cast.liaison_gx, reply=r)
    r = svc.reply_save_draft(
        actor=cast.handler_gx,
        assignment=lead,
        version=r.version,
        **DRAFT,
        decisions={pts[0].pk: ("adopted", "已出台办法"), pts[1].pk: ("partial", "部分减免")},
    )
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    with pytest.raises(DomainError, match="不能再修改条目"):
        svc.points_save(actor=cast.handler_gx, assignment=lead, texts=["改"])


# --- evaluation and re-handling --------------------------------------------------------------------


def test_only_proposers_of_the_case_evaluate(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    sent(cast, lead)
    refused(
        cast,
        {"deputy_user", "cosigner_user", "staff_npc"},
        lambda u: svc.evaluation_submit(actor=u, assignment=lead, verdict="satisfied"),
    )
    # body staff enter a paper form, but only on behalf of a proposer of this case
    with pytest.raises(DomainError):
        svc.evaluation_submit(
            actor=cast.staff_npc, assignment=lead, verdict="satisfied", proposer=cast.outsider_proposer
        )
    e = svc.evaluation_submit(
        actor=cast.staff_npc,
        assignment=lead,
        verdict="basically",
        attitude="basically",
        result="basically",
        proposer=cast.cosigner,
    )
    assert e.proposer == cast.cosigner
    lead.refresh_from_db()
    assert lead.state == S.REPLIED  # a co-signer's evaluation is recorded; the lead proposer's drives the case
    with pytest.raises(DomainError, match="已评价过"):
        svc.evaluation_submit(actor=cast.cosigner_user, assignment=lead, verdict="satisfied")
    evaluate(cast, lead, "satisfied")
    lead.refresh_from_db()
    assert lead.state == S.CLOSED and lead.closed_on == today()


def test_proposer_of_a_merged_proposal_may_evaluate(cast, case):
    p, lead, _ = case
    other = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于数字经济的另一建议", lead=cast.outsider_proposer
    )
    proposal_review(actor=cast.staff_npc, proposal=other, decision=ReviewState.MERGED, merge_into=p)
    distributed(cast, lead)
    sent(cast, lead)
    e = svc.evaluation_submit(
        actor=cast.outsider, assignment=lead, verdict="satisfied", attitude="satisfied", result="satisfied"
    )
    assert e.proposer == cast.outsider_proposer


def test_second_unsatisfied_requires_a_face_talk_led_by_the_leader(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    sent(cast, lead)
    evaluate(cast, lead, "unsatisfied")
    lead.refresh_from_db()
    assert lead.state == S.REHANDLING and lead.rehandling_due >= today()
    r2 = approved(cast, lead)
    svc.reply_send(actor=cast.liaison_gx, reply=r2, missing_opinion_reason="x")
    evaluate(cast, lead, "unsatisfied")
    lead.refresh_from_db()
    assert lead.state == S.REHANDLING
    r3 = drafted(cast, lead)
    with pytest.raises(DomainError, match="面商"):
        svc.reply_submit(actor=cast.liaison_gx, reply=r3)
    with pytest.raises(DomainError, match="带队领导"):
        svc.contact_add(
            actor=cast.liaison_gx, assignment=lead, on=today(), stage="after", method="face_talk", summary="面商"
        )
    svc.contact_add(
        actor=cast.liaison_gx,
        assignment=lead,
        on=today(),
        stage="after",
        method="face_talk",
        summary="面商",
        leader="工信分管领导",
    )
    assert svc.reply_submit(actor=cast.liaison_gx, reply=r3).state == "in_review"


def test_evaluation_window_passing_closes_as_not_evaluated(cast, case):
    _, lead, _ = case
    distributed(cast, lead)
    sent(cast, lead)
    lead.refresh_from_db()
    assert svc.assignment_close_due(on=lead.eval_due) == []  # the last day is still inside the window
    closed = svc.assignment_close_due(on=lead.eval_due + dt.timedelta(days=1))
    assert [a.pk for a in closed] == [lead.pk]
    lead.refresh_from_db()
    assert lead.state == S.CLOSED
    assert not Evaluation.objects.filter(assignment=lead).exists()  # never guessed
    assert AuditEvent.objects.filter(verb="evaluation.none", assignment_id=lead.pk).exists()
    assert svc.assignment_close_due(on=lead.eval_due + dt.timedelta(days=2)) == []


# --- B-class follow-up -----------------------------------------------------------------------------


def _b_case(cast, lead):
    distributed(cast, lead)
    r = sent(
        cast,
        lead,
        result_class="B",
        commitments=[("建设产业园", today() + dt.timedelta(days=200)), ("出台政策", today() + dt.timedelta(days=100))],
    )
    evaluate(cast, lead, "satisfied")
    lead.refresh_from_db()
    assert lead.state == S.FOLLOW_UP
    return r


def test_progress_by_unit_and_conversion_to_a_by_the_liaison(cast, case):
    _, lead, _ = case
    r = _b_case(cast, lead)
    c1 = r.commitments.first()
    refused(
        cast, {"liaison_gx", "handler_gx"}, lambda u: svc.commitment_progress_add(actor=u, commitment=c1, text="进展")
    )
    svc.commitment_progress_add(actor=cast.handler_gx, commitment=c1, text="已选址")
    fu = FollowUp.objects.get(reply=r)
    c2 = r.commitments.last()
    outcomes = {c1.pk: ("done", "园区建成", None), c2.pk: ("done", "政策出台", None)}
    refused(
        cast,
        {"liaison_gx"},
        lambda u: svc.followup_convert_to_a(actor=u, followup=fu, note="已解决", outcomes=outcomes),
    )
    svc.followup_convert_to_a(actor=cast.liaison_gx, followup=fu, note="园区建成、政策出台", outcomes=outcomes)
    lead.refresh_from_db()
    fu.refresh_from_db()
    r.refresh_from_db()
    assert (lead.result_class, lead.state, fu.state, fu.original_class, r.result_class) == (
        "A",
        S.CLOSED,
        "converted",
        "B",
        "B",
    )


def test_explained_change_of_commitment_keeps_it_open_and_a_drop_ends_the_follow_up(cast, case):
    _, lead, _ = case
    r = _b_case(cast, lead)
    c1, c2 = r.commitments.all()
    refused(
        cast,
        {"liaison_gx"},
        lambda u: svc.followup_explain(
            actor=u, commitment=c1, explanation="用地调整", new_due=today() + dt.timedelta(days=400)
        ),
    )
    svc.followup_explain(
        actor=cast.liaison_gx, commitment=c1, explanation="用地调整", new_due=today() + dt.timedelta(days=400)
    )
    c1.refresh_from_db()
    assert c1.state == "open" and c1.progress.get().kind == "change"
    svc.commitment_progress_add(actor=cast.handler_gx, commitment=c1, text="建成", done=True)
    svc.followup_explain(actor=cast.liaison_gx, commitment=c2, explanation="上级政策调整，不能出台")
    lead.refresh_from_db()
    assert FollowUp.objects.get(reply=r).state == "explained" and lead.state == S.CLOSED and lead.result_class == "B"


# --- handover --------------------------------------------------------------------------------------


def test_handover_moves_all_open_cases_in_one_step_and_keeps_history(cast, case, login):
    from django.urls import reverse

    from banli.orgs.services import user_create

    _, lead, _ = case
    distributed(cast, lead)
    drafted(cast, lead)
    newcomer = user_create(
        username="handler_gx2",
        org=cast.orgs.gx_industry,
        roles=["handler"],
        password=cast.password,
        full_name="新承办人",
        validate=False,
    )
    refused(
        cast,
        {"liaison_gx", "leader_gx"},
        lambda u: svc.cases_handover(actor=u, from_user=cast.handler_gx, to_user=newcomer),
    )
    with pytest.raises(DomainError, match="须为本单位在岗的承办人"):
        svc.cases_handover(actor=cast.liaison_gx, from_user=cast.handler_gx, to_user=cast.liaison_gx)
    h = svc.cases_handover(actor=cast.liaison_gx, from_user=cast.handler_gx, to_user=newcomer, note="岗位调整")
    assert h.assignment_count == 1
    assert lead.tasks.get().handler == newcomer and lead.plan.responsible_person == newcomer
    page = login(newcomer).get(reverse("cases:detail", args=[lead.proposal_id])).content.decode()
    assert "起草第1次答复稿" in page and "工作移交：产业处承办人 → 新承办人" in page


# --- safety ----------------------------------------------------------------------------------------


def test_panel_data_takes_the_same_number_of_queries_for_one_or_four_assignments(
    cast, case, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from banli.handling.selectors import panel_data_for

    p, _lead, _co = case

    def count(user):
        for attr in ("_banli_unit", "_banli_body", "_banli_scope", "roles"):
            user.__dict__.pop(attr, None)
        with CaptureQueriesContext(connection) as ctx:
            data = panel_data_for(user, p.pk)
        return len(ctx.captured_queries), len(data)

    n2, k2 = count(cast.staff_npc)
    assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.lh, R.CO), (cast.orgs.court, R.SEPARATE)])
    n4, k4 = count(cast.staff_npc)
    assert (k2, k4) == (2, 4)
    assert n4 == n2


def test_sub_assigned_unit_answers_the_district_not_the_proposer(cast, case):
    p, _, _ = case
    (district,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.lh, R.SEPARATE)])
    svc.assignment_sign(actor=cast.liaison_lh, assignment=district)
    (sub,) = assignment_create(actor=cast.liaison_lh, proposal=p, units=[(cast.orgs.lh_fgj, R.SOLE)], parent=district)
    svc.assignment_sign(actor=cast.liaison_lh_fgj, assignment=sub)
    from banli.orgs.services import user_create

    boss = user_create(
        username="leader_fgj", org=cast.orgs.lh_fgj, roles=["unit_leader"], password=cast.password, validate=False
    )
    r = svc.reply_save_draft(actor=cast.liaison_lh_fgj, assignment=sub, version=0, **DRAFT)
    svc.reply_submit(actor=cast.liaison_lh_fgj, reply=r)
    svc.reply_approve(actor=boss, reply=r)
    svc.reply_send(actor=cast.liaison_lh_fgj, reply=r)
    sub.refresh_from_db()
    assert sub.state == S.CLOSED and sub.first_reply_on == today()
    with pytest.raises(DomainError, match="上级承办单位"):
        svc.evaluation_submit(actor=cast.deputy_user, assignment=sub, verdict="satisfied")
    district.refresh_from_db()
    assert district.state == S.HANDLING  # the district still answers the proposer itself


def test_close_due_command_records_not_evaluated(cast, case):
    from io import StringIO

    from django.core.management import call_command

    _, lead, _ = case
    distributed(cast, lead)
    sent(cast, lead)
    lead.refresh_from_db()
    out = StringIO()
    call_command("close-due", "--date", (lead.eval_due + dt.timedelta(days=1)).isoformat(), stdout=out)
    assert "1 件" in out.getvalue()
    lead.refresh_from_db()
    assert lead.state == S.CLOSED


def test_district_liaison_decides_adjustments_of_its_sub_assignments(cast, case):
    p, _, _ = case
    (district,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.lh, R.SEPARATE)])
    svc.assignment_sign(actor=cast.liaison_lh, assignment=district)
    (sub,) = assignment_create(actor=cast.liaison_lh, proposal=p, units=[(cast.orgs.lh_fgj, R.SOLE)], parent=district)
    req = svc.adjustment_request(actor=cast.liaison_lh_fgj, assignment=sub, reason="应由区工信局办理")
    refused(
        cast,
        {"liaison_lh"},
        lambda u: svc.adjustment_decide(actor=u, request=req, approve=True, unit=cast.orgs.lh_gxj),
    )
    svc.adjustment_decide(actor=cast.liaison_lh, request=req, approve=True, unit=cast.orgs.lh_gxj)
    new = Assignment.objects.get(proposal=p, unit=cast.orgs.lh_gxj)
    assert new.parent == district and new.role == R.SOLE and new.reply_due <= district.reply_due


def test_the_worker_scan_also_closes_cases_whose_evaluation_window_passed(cast, case):
    """`banli worker` / RQ run remind_task periodically; nobody has to remember `close-due`."""
    from banli.deadlines.tasks import remind_task

    _, lead, _ = case
    distributed(cast, lead)
    sent(cast, lead)
    lead.refresh_from_db()
    result = remind_task((lead.eval_due + dt.timedelta(days=1)).isoformat())
    lead.refresh_from_db()
    assert lead.state == S.CLOSED and result["closed_unevaluated"] == 1
