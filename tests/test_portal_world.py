"""The small world the portal, disclosure and public tests share (built on tests/cast.py).

Built through the real services (cases registration/assignment, handling sign → contact →
draft → sign-off → send), so the portal is tested against data as the product makes it.
Secrets below are strings that must never reach a page they do not belong to.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from banli.cases.models import AssignmentRole, ContactMethod, ContactStage, Disclosure, ReviewState
from banli.cases.services import assignment_create, proposal_register, proposal_review

PUBLISHED_TEXT = (
    "王代表：您提出的关于支持中小企业工业上楼的建议收悉。我局已出台产业空间保障措施，"
    "新建厂房面积达到120万平方米。如有疑问请联系经办人张小明，电话13812345678，"
    "办公电话0755-88776655，邮箱 zhangxm@gxj.example.cn，地址：福田区深南大道6009号3栋1203室。"
)
PHONES = ("13812345678", "0755-88776655", "13987654321", "0755-83334444")
SECRETS = {
    "unpublished reply": "未公开答复涉及龙华厂区搬迁补偿的具体金额",
    "draft": "草稿尚未签发的答复内容仅供内部讨论",
    "contact summary": "办前沟通内部摘要代表希望尽快落实",
    "co-opinion": "商务局会办意见内部文本建议增加外贸扶持",
    "return comment": "领导退回意见请补充数据",
    "contact person": "张小明",
    "unpublished contact person": "刘经办",
    "id number": "440301199001011234",
}


def _flow_to_sent(
    *,
    a,
    liaison,
    leader,
    text,
    result_class="A",
    contact_name,
    contact_phone,
    disclosure=Disclosure.PUBLIC,
    disclosure_reason="",
    contact_summary="",
    return_comment="",
    commitments=None,
):
    from banli.cases.models import Reply
    from banli.handling import services as h

    h.assignment_sign(actor=liaison, assignment=a)
    if contact_summary:
        h.contact_add(
            actor=liaison,
            assignment=a,
            on=timezone.localdate(),
            stage=ContactStage.BEFORE,
            method=ContactMethod.VISIT,
            participants="刘经办",
            summary=contact_summary,
        )
    r = h.reply_save_draft(
        actor=liaison,
        assignment=a,
        version=0,
        result_class=result_class,
        text="初稿" + text,
        signer="",
        contact_name=contact_name,
        contact_phone=contact_phone,
        disclosure=disclosure,
        disclosure_reason=disclosure_reason,
        commitments=commitments,
    )
    if return_comment:
        h.reply_submit(actor=liaison, reply=r)
        h.reply_return(actor=leader, reply=r, comment=return_comment)
        r.refresh_from_db()
    r = h.reply_save_draft(
        actor=liaison,
        assignment=a,
        version=r.version,
        result_class=result_class,
        text=text,
        signer="",
        contact_name=contact_name,
        contact_phone=contact_phone,
        disclosure=disclosure,
        disclosure_reason=disclosure_reason,
        commitments=commitments,
    )
    h.reply_submit(actor=liaison, reply=r)
    h.reply_approve(actor=leader, reply=r)
    r.refresh_from_db()
    h.reply_send(actor=liaison, reply=r, missing_opinion_reason="会办意见已口头沟通")
    return Reply.objects.get(pk=r.pk)


def build_world(c) -> SimpleNamespace:
    from django.core.cache import cache

    from banli.handling import services as h

    cache.clear()  # the public site caches its filter options
    w = SimpleNamespace()
    s = c.npc_session
    on = timezone.localdate() - dt.timedelta(days=3)

    def proposal(lead, title, cosigners=(), topic="工业经济"):
        p = proposal_register(
            actor=c.staff_npc,
            session=s,
            title=title,
            lead=lead,
            cosigners=list(cosigners),
            content="建议内容：" + title + "，请有关部门研究落实。",
            topic=topic,
            submitted_on=on,
        )
        return proposal_review(actor=c.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)

    # p1: the deputy leads, the co-signer signs; 工信局 lead (replied, to be published), 商务局 co.
    w.p1 = proposal(c.deputy, "关于支持中小企业工业上楼的建议", cosigners=[c.cosigner])
    w.p1_gx, w.p1_sw = assignment_create(
        actor=c.staff_npc,
        proposal=w.p1,
        units=[(c.orgs.gx, AssignmentRole.LEAD), (c.orgs.sw, AssignmentRole.CO)],
        assigned_on=on,
    )
    h.assignment_sign(actor=c.liaison_sw, assignment=w.p1_sw)
    h.co_opinion_submit(actor=c.liaison_sw, assignment=w.p1_sw, text=SECRETS["co-opinion"])
    w.r1 = _flow_to_sent(
        a=w.p1_gx,
        liaison=c.liaison_gx,
        leader=c.leader_gx,
        text=PUBLISHED_TEXT,
        contact_name="张小明",
        contact_phone="0755-88776655",
        contact_summary=SECRETS["contact summary"],
        return_comment=SECRETS["return comment"],
    )
    w.p1_gx.refresh_from_db()

    # p2: the outsider's proposal, replied but NOT published (private); the deputy must never see it.
    w.p2 = proposal(c.outsider_proposer, "关于龙华厂区搬迁补偿的建议", topic="城市建设")
    (w.p2_gx,) = assignment_create(
        actor=c.staff_npc, proposal=w.p2, units=[(c.orgs.gx, AssignmentRole.SOLE)], assigned_on=on
    )
    w.r2 = _flow_to_sent(
        a=w.p2_gx,
        liaison=c.liaison_gx,
        leader=c.leader_gx,
        text=SECRETS["unpublished reply"] + "，联系电话13987654321，身份证" + SECRETS["id number"] + "。",
        contact_name="刘经办",
        contact_phone="0755-83334444",
        disclosure=Disclosure.PRIVATE,
        disclosure_reason="个人隐私",
    )

    # p3: the co-signer's own proposal with a draft reply only.
    w.p3 = proposal(c.cosigner, "关于完善充电桩布局的建议", topic="交通")
    (w.p3_sw,) = assignment_create(
        actor=c.staff_npc, proposal=w.p3, units=[(c.orgs.sw, AssignmentRole.SOLE)], assigned_on=on
    )
    h.assignment_sign(actor=c.liaison_sw, assignment=w.p3_sw)
    h.reply_save_draft(
        actor=c.liaison_sw,
        assignment=w.p3_sw,
        version=0,
        result_class="A",
        text=SECRETS["draft"],
        contact_name="商务联系人",
        contact_phone="13800000000",
        disclosure=Disclosure.PUBLIC,
    )
    return w


def publish(c, w, reply=None, *, actor=None, text=None):
    from banli.portal.selectors import public_cache_clear
    from banli.portal.services import publication_decide

    pub = publication_decide(
        actor=actor or c.coordinator, reply=reply or w.r1, decision="published", redacted_text=text
    )
    public_cache_clear()  # on_commit does not run inside a test transaction
    return pub
