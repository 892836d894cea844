"""One proposal walked through the web UI from 交办 to 办结, as each role in turn (SPEC §4).

Lead unit 市工信局 with two co units (市商务局, 龙华区) plus a separate unit (市中院, which asks
for an adjustment and is replaced by 龙华区发改局). Along the way: the per-assignment timeline,
the derived statuses and the SPEC §9 figures.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.timezone import localdate as today

from banli.calendar import workdays
from banli.cases.models import (
    Assignment,
    Proposal,
    ProposalStatus,
    ReviewState,
)
from banli.cases.models import (
    AssignmentRole as R,
)
from banli.cases.models import (
    AssignmentState as S,
)
from banli.cases.selectors import with_status
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.handling.models import FollowUp, FollowUpState
from banli.orgs.services import user_create
from banli.stats.selectors import stats_for


def _status(p):
    return with_status(Proposal.objects.filter(pk=p.pk)).get().status


def _state(a):
    a.refresh_from_db()
    return a.state


def _flash(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context and "messages" in resp.context else []


@pytest.fixture
def walk(cast, client):
    o = cast.orgs
    p = proposal_register(
        actor=cast.staff_npc,
        session=cast.npc_session,
        title="关于推动工业上楼降低中小企业成本的建议",
        lead=cast.deputy,
        cosigners=[cast.cosigner],
        content="一、扩大工业上楼供给。\n二、降低租金。\n三、完善配套。",
    )
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    lead, co_sw, co_lh, sep = assignment_create(
        actor=cast.staff_npc, proposal=p, units=[(o.gx, R.LEAD), (o.sw, R.CO), (o.lh, R.CO), (o.court, R.SEPARATE)]
    )
    leader_fgj = user_create(
        username="leader_fgj",
        org=o.lh_fgj,
        roles=["unit_leader"],
        password=cast.password,
        full_name="区发改局长",
        validate=False,
    )

    def as_(user):
        client.force_login(user)
        return client

    return dict(
        cast=cast, p=p, lead=lead, co_sw=co_sw, co_lh=co_lh, sep=sep, as_=as_, client=client, leader_fgj=leader_fgj
    )


def post(c, name, pk, data=None, follow=True):
    return c.post(reverse(f"handling:{name}", args=[pk]), data or {}, follow=follow)


def panel(html, a):
    """The assignment panel of `a` on the case page (not the page-wide history)."""
    start = html.index(f'data-assignment="{a.pk}"')
    end = html.find("data-assignment=", start + 10)
    return html[start : end if end != -1 else len(html)]


def portal_form(**kw):
    """The portal's evaluation form (办理情况征询意见表), filled in."""
    data = {"attitude": "satisfied", "result": "satisfied", "visited": "yes", "heard_via": "走访"}
    return {**data, "addresses": "针对", "leader_replied": "yes", "verdict": "satisfied", **kw}


def case_page(c, p):
    resp = c.get(reverse("cases:detail", args=[p.pk]), follow=True)  # a proposer lands on the portal
    assert resp.status_code == 200
    return resp.content.decode()


def test_one_proposal_walks_from_assignment_to_closure_through_the_web(walk):
    w = walk
    cast, p, lead, co_sw, co_lh, sep, as_ = w["cast"], w["p"], w["lead"], w["co_sw"], w["co_lh"], w["sep"], w["as_"]
    o = cast.orgs
    assert _status(p) == ProposalStatus.IN_HANDLING

    # --- the separate unit asks for an adjustment; the body office approves and re-assigns ---
    c = as_(cast.liaison_court)
    page = case_page(c, p)
    assert "申请调整" in page and "签收" in page
    post(c, "adjust", sep.pk, {"reason": "该事项属区级发展改革部门职责", "suggested_unit": "龙华区发展和改革局"})
    assert _state(sep) == S.ADJUSTMENT_REQUESTED
    # a unit cannot decide its own request
    req = sep.adjustment_requests.get()
    resp = post(c, "adjust_decide", req.pk, {"approve": "1", "unit": "龙华区发展和改革局"})
    assert _state(sep) == S.ADJUSTMENT_REQUESTED
    c = as_(cast.staff_npc)
    assert "审批调整申请" in case_page(c, p)
    post(c, "adjust_decide", req.pk, {"approve": "1", "unit": "龙华区发展和改革局", "note": "同意改交"})
    assert _state(sep) == S.WITHDRAWN
    sep = Assignment.objects.get(proposal=p, unit=o.lh_fgj)
    assert sep.role == R.SEPARATE and sep.state == S.PENDING_SIGN and sep.sign_due

    # --- every unit signs ---
    for user, a in (
        (cast.liaison_gx, lead),
        (cast.liaison_sw, co_sw),
        (cast.liaison_lh, co_lh),
        (cast.liaison_lh_fgj, sep),
    ):
        post(as_(user), "sign", a.pk, {"once": f"sign-{a.pk}"})
        assert _state(a) == S.HANDLING
        a.refresh_from_db()
        assert a.signed_on is not None
    # a replayed sign (same token) acts once and says so
    resp = post(as_(cast.liaison_gx), "sign", lead.pk, {"once": f"sign-{lead.pk}"})
    assert "未重复执行" in " ".join(_flash(resp))

    # --- plan and distribution: the handlers of the two departments now see the case ---
    c = as_(cast.handler_gx)
    assert c.get(reverse("cases:detail", args=[p.pk])).status_code == 404
    c = as_(cast.liaison_gx)
    resp = c.get(reverse("handling:plan", args=[lead.pk]))
    assert resp.status_code == 200
    resp = c.post(
        reverse("handling:plan", args=[lead.pk]),
        {
            "version": "0",
            "lead_dept": o.gx_industry.pk,
            "assist_depts": [o.gx_sme.pk],
            "responsible_leader": cast.leader_gx.pk,
            "responsible_person": cast.handler_gx.pk,
            "internal_due": (lead.reply_due - dt.timedelta(days=10)).isoformat(),
            "text": "产业处牵头研究工业上楼政策，中小处配合测算租金。",
            "distribute": "1",
        },
        follow=True,
    )
    assert resp.status_code == 200
    assert set(lead.tasks.values_list("dept__name", flat=True)) == {
        "市工业和信息化局产业发展处",
        "市工业和信息化局中小企业处",
    }
    assert case_page(as_(cast.handler_gx), p)
    assert case_page(as_(cast.handler_gx_sme), p)

    # --- contacts (办前 face-to-face) ---
    c = as_(cast.handler_gx)
    resp = c.post(
        reverse("handling:contact", args=[lead.pk]),
        {
            "on": today().isoformat(),
            "stage": "before",
            "method": "visit",
            "participants": "王代表、产业处",
            "summary": "上门听取王代表对工业上楼的意见",
            "leader": "",
        },
        follow=True,
    )
    assert resp.status_code == 200
    assert lead.contacts.get().face_to_face is True

    # --- both co units send their opinions; the lead sees them side by side while drafting ---
    post(as_(cast.liaison_sw), "co_opinion", co_sw.pk, {"text": "商务局意见：支持工业上楼配套商业。"})
    post(as_(cast.liaison_lh), "co_opinion", co_lh.pk, {"text": "龙华区意见：已规划两处工业上楼园区。"})
    assert _state(co_sw) == S.OPINION_SENT and _state(co_lh) == S.OPINION_SENT

    # --- draft, a return by the leader, sign-off, send ---
    c = as_(cast.handler_gx)
    page = c.get(reverse("handling:reply", args=[lead.pk])).content.decode()
    assert "商务局意见：支持工业上楼配套商业。" in page and "龙华区意见：已规划两处工业上楼园区。" in page
    draft = {
        "version": "0",
        "result_class": "A",
        "text": "王代表：您好！关于工业上楼……（第一稿）",
        "signer": "",
        "contact_name": "张三",
        "contact_phone": "0755-88886666",
        "disclosure": "public",
        "disclosure_reason": "",
    }
    resp = c.post(reverse("handling:reply", args=[lead.pk]), draft, follow=True)
    assert resp.status_code == 200
    reply = lead.replies.get()
    assert reply.version == 1
    # a handler may not submit for sign-off
    post(c, "reply_submit", reply.pk)
    reply.refresh_from_db()
    assert reply.state == "draft"
    c = as_(cast.liaison_gx)
    post(c, "reply_submit", reply.pk)
    assert _state(lead) == S.IN_REVIEW
    # the liaison may not sign off
    post(c, "reply_approve", reply.pk)
    reply.refresh_from_db()
    assert reply.state == "in_review"
    c = as_(cast.leader_gx)
    assert "签发" in case_page(c, p)
    post(c, "reply_return", reply.pk, {"comment": "请补充租金补贴的具体标准"})
    assert _state(lead) == S.HANDLING
    reply.refresh_from_db()
    c = as_(cast.handler_gx)
    assert "请补充租金补贴的具体标准" in c.get(reverse("handling:reply", args=[lead.pk])).content.decode()
    c.post(
        reverse("handling:reply", args=[lead.pk]),
        {**draft, "version": str(reply.version), "text": "王代表：您好！……租金补贴标准为每平方米每月10元（第二稿）"},
    )
    c = as_(cast.liaison_gx)
    post(c, "reply_submit", reply.pk)
    post(as_(cast.leader_gx), "reply_approve", reply.pk)
    reply.refresh_from_db()
    assert reply.state == "approved" and reply.signer == cast.leader_gx.display_name
    post(as_(cast.liaison_gx), "reply_send", reply.pk)
    assert _state(lead) == S.REPLIED
    lead.refresh_from_db()
    assert lead.first_reply_on == today() and lead.result_class == "A" and lead.eval_due
    # co units are done once the lead has replied
    assert _state(co_sw) == S.CLOSED and _state(co_lh) == S.CLOSED
    # the separate unit has not replied yet: the proposal is still in handling
    assert _status(p) == ProposalStatus.IN_HANDLING

    # --- the separate unit replies on its own ---
    c = as_(cast.liaison_lh_fgj)
    c.post(
        reverse("handling:reply", args=[sep.pk]),
        {**draft, "version": "0", "text": "区发改局答复：已纳入年度计划。", "result_class": "C"},
    )
    sep_reply = sep.replies.get()
    post(c, "reply_submit", sep_reply.pk)
    post(as_(w["leader_fgj"]), "reply_approve", sep_reply.pk)
    post(as_(cast.liaison_lh_fgj), "reply_send", sep_reply.pk)
    assert _state(sep) == S.REPLIED
    assert _status(p) == ProposalStatus.REPLIED

    s = stats_for(sessions=[cast.npc_session])
    assert s["replies_due"] == 2 and s["replies_sent"] == 2 and s["reply_rate"] == 1.0
    assert s["by_role"]["co"] == 2
    assert s["class_counts"]["A"] == 1 and s["class_counts"]["C"] == 1
    assert s["contact_rate"] == 0.5 and s["face_to_face_rate"] == 0.5
    assert s["evaluated"] == 0 and s["satisfaction_rate"] is None

    # --- the proposer sees the reply, not the internals; evaluates 不满意 ---
    c = as_(cast.deputy_user)
    page = case_page(c, p)
    assert "租金补贴标准为每平方米每月10元" in page
    assert "请补充租金补贴的具体标准" not in page  # the leader's internal return comment
    assert "第一稿" not in page
    assert "评价市工业和信息化局的办理工作" in page
    resp = c.post(
        reverse("portal:evaluate", args=[lead.pk]),
        {
            "attitude": "satisfied",
            "result": "unsatisfied",
            "visited": "yes",
            "heard_via": "走访",
            "addresses": "基本针对",
            "leader_replied": "no",
            "verdict": "unsatisfied",
            "comment": "租金补贴过低，未解决实际问题",
        },
        follow=True,
    )
    assert resp.status_code == 200
    assert _state(lead) == S.REHANDLING
    lead.refresh_from_db()
    assert lead.rehandling_due == workdays.rehandling_due(today(), body=cast.orgs.npc)
    assert lead.rehandling_due >= workdays.add_months(today(), 1)
    # the co-signer may evaluate too; it is recorded but the lead proposer's verdict drives the case
    c = as_(cast.cosigner_user)
    c.post(
        reverse("portal:evaluate", args=[sep.pk]),
        {
            "attitude": "satisfied",
            "result": "basically",
            "visited": "no",
            "heard_via": "电话",
            "addresses": "针对",
            "leader_replied": "yes",
            "verdict": "basically",
        },
    )
    assert sep.evaluations.get().proposer == cast.cosigner
    assert _state(sep) == S.REPLIED
    # the outsider may not evaluate at all
    assert as_(cast.outsider).get(reverse("portal:evaluate", args=[lead.pk])).status_code == 404

    # --- re-handling: a second reply, class B with a commitment ---
    c = as_(cast.handler_gx)
    resp = c.post(
        reverse("handling:reply", args=[lead.pk]),
        {
            **draft,
            "version": "0",
            "result_class": "B",
            "text": "第二次答复：租金补贴提高并列入明年计划。",
            "c0_text": "出台工业上楼租金补贴新办法",
            "c0_due": (today() + dt.timedelta(days=180)).isoformat(),
        },
        follow=True,
    )
    second = lead.replies.exclude(pk=reply.pk).get()
    assert second.seq == 2 and second.commitments.count() == 1
    post(as_(cast.liaison_gx), "reply_submit", second.pk)
    post(as_(cast.leader_gx), "reply_approve", second.pk)
    post(as_(cast.liaison_gx), "reply_send", second.pk)
    lead.refresh_from_db()
    assert lead.state == S.REPLIED and lead.result_class == "B" and lead.first_reply_on == today()

    # --- 满意; the B commitment keeps the case open under follow-up ---
    as_(cast.deputy_user).post(reverse("portal:evaluate", args=[lead.pk]), portal_form(verdict="satisfied"))
    assert _state(lead) == S.FOLLOW_UP
    # and the separate unit's lead-proposer evaluation closes it
    as_(cast.deputy_user).post(reverse("portal:evaluate", args=[sep.pk]), portal_form(verdict="basically"))
    assert _state(sep) == S.CLOSED
    assert _status(p) == ProposalStatus.REPLIED
    s = stats_for(sessions=[cast.npc_session])
    assert s["b_open"] == 1 and s["b_converted"] == 0
    assert s["evaluated"] == 2

    # --- B follow-up: progress, then conversion to A ---
    commitment = second.commitments.get()
    post(as_(cast.handler_gx), "progress", commitment.pk, {"text": "新办法已起草，征求意见中"})
    fu = FollowUp.objects.get(assignment=lead)
    post(as_(cast.handler_gx), "convert", fu.pk, {"note": "新办法已印发实施"})  # only the liaison may
    fu.refresh_from_db()
    assert fu.state == FollowUpState.OPEN
    post(
        as_(cast.liaison_gx),
        "convert",
        fu.pk,
        {"note": "新办法已印发实施", f"outcome_{commitment.pk}": "done", f"text_{commitment.pk}": "办法已印发"},
    )
    fu.refresh_from_db()
    lead.refresh_from_db()
    assert fu.state == FollowUpState.CONVERTED and fu.original_class == "B"
    assert lead.result_class == "A" and lead.state == S.CLOSED and lead.closed_on == today()
    second.refresh_from_db()
    assert second.result_class == "B"  # the reply keeps the class it declared
    assert _status(p) == ProposalStatus.CLOSED
    s = stats_for(sessions=[cast.npc_session])
    assert s["b_open"] == 0 and s["b_converted"] == 1
    assert s["class_counts"]["A"] == 1 and s["class_counts"]["B"] == 0
    assert s["satisfaction_rate"] == 1.0

    # --- the timeline: everything that happened, who and when ---
    page = panel(case_page(as_(cast.liaison_gx), p), lead)
    for words in (
        "签收",
        "制定办理方案",
        "分办至",
        "办前沟通（上门走访，见面）",
        "收到会办单位市商务局的会办意见",
        "退回第1次答复稿",  # the comment itself stays on the reply page, not in the audit trail (issue #19 item 7)
        "签发第1次答复",
        "正式答复（第1次，A类）",
        "领衔人评价：不满意",  # the proposer is named by role in the audit trail (issue #19 item 7)
        "评价不满意，重新办理",
        "正式答复（第2次，B类）",
        "B类转A类",
        "办结（B类已转A类）",
    ):
        assert words in page, words
    assert "产业处承办人" in page and "工信分管领导" in page  # who did it
    # the proposer's view of the same timeline leaves out the internal steps
    page = case_page(as_(cast.deputy_user), p)
    assert "第二次答复（B类）" in page and "出台工业上楼租金补贴新办法（已落实）" in page
    assert "产业处承办人" not in page  # staff names stay internal
    assert "退回第1次答复稿" not in page and "制定办理方案" not in page
    # nothing left to do: no action buttons for the liaison on a closed lead assignment
    page = case_page(as_(cast.liaison_gx), p)
    assert reverse("handling:reply", args=[lead.pk]) not in page
    assert reverse("handling:reply_submit", args=[second.pk]) not in page
    assert reverse("handling:contact", args=[lead.pk]) in page  # 办后 contacts stay possible
