"""A message at every hand-off (issue #13): which hand-off tells whom, linking to the page where the
recipient acts, and nobody outside the case's scope is told.

Each row prepares a case through the factories, then takes one hand-off step; the inbox rows that
step wrote must be exactly the expected (recipient, link) pairs — a missing recipient, an extra one
(another unit, the outsider) or a link to the wrong page fails the row.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from banli.cases.models import AssignmentRole as R
from banli.cases.models import Verdict
from banli.cases.services import proposal_review
from banli.deadlines import services as deadlines
from banli.handling import services as handling
from banli.handling.models import AdjustmentRequest
from banli.notify.models import Notification
from tests import factories as f

pytestmark = pytest.mark.django_db


def case(a) -> str:
    return f"/cases/{a.proposal_id}/#a{a.pk}"


def portal(a) -> str:
    return f"/portal/p/{a.proposal_id}/"


def _assigned(cast):
    p = f.accepted(cast, cosigners=[cast.cosigner])
    return lambda: f.assigned_all(cast, p), lambda made: {"liaison_gx": case(made[0])}


def _assigned_lead_and_co(cast):
    p = f.accepted(cast)
    units = [(cast.orgs.sw, R.LEAD), (cast.orgs.gx, R.CO)]
    return (
        lambda: f.assigned_all(cast, p, units=units),
        lambda made: {"liaison_sw": case(made[0]), "liaison_gx": case(made[1])},
    )


def _adjustment_requested(cast):
    a = f.assigned(cast)
    return (
        lambda: handling.adjustment_request(actor=cast.liaison_gx, assignment=a, reason="职责不符"),
        lambda _: {"staff_npc": case(a)},
    )


def _adjustment_decided(cast):
    a = f.assigned(cast)
    req = handling.adjustment_request(actor=cast.liaison_gx, assignment=a, reason="职责不符")
    return (
        lambda: handling.adjustment_decide(
            actor=cast.staff_npc, request=AdjustmentRequest.objects.get(pk=req.pk), approve=False, note="属贵单位职责"
        ),
        lambda _: {"liaison_gx": case(a)},
    )


def _extension_requested(cast):
    a = f.signed(cast)
    return (
        lambda: deadlines.extension_request(
            actor=cast.liaison_gx, assignment=a, reason="涉及多部门", requested_due=a.reply_due + dt.timedelta(days=30)
        ),
        lambda _: {"staff_npc": f"/deadlines/assignments/{a.pk}/"},
    )


def _extension_decided(cast):
    a = f.signed(cast)
    ext = deadlines.extension_request(
        actor=cast.liaison_gx, assignment=a, reason="涉及多部门", requested_due=a.reply_due + dt.timedelta(days=30)
    )
    return (
        lambda: deadlines.extension_decide(actor=cast.staff_npc, extension=ext, approve=True),
        lambda _: {"liaison_gx": case(a)},
    )


def _distributed(cast):
    a = f.signed(cast)
    handling.plan_save(
        actor=cast.liaison_gx,
        assignment=a,
        version=0,
        lead_dept=cast.orgs.gx_industry,
        responsible_person=cast.handler_gx,
    )
    return lambda: handling.plan_distribute(actor=cast.liaison_gx, assignment=a), lambda _: {"handler_gx": case(a)}


def _co_opinion_sent(cast):
    lead, co = f.assigned_all(cast, units=[(cast.orgs.sw, R.LEAD), (cast.orgs.gx, R.CO)])
    co = f.signed(cast, co)
    return (
        lambda: handling.co_opinion_submit(actor=cast.liaison_gx, assignment=co, text="会办意见"),
        lambda _: {"liaison_sw": case(lead)},
    )


def _submitted_for_sign_off(cast):
    r = f.drafted(cast)
    return lambda: f.submitted(cast, r), lambda _: {"leader_gx": case(r.assignment)}


def _returned(cast):
    r = f.submitted(cast)
    return (
        lambda: handling.reply_return(actor=cast.leader_gx, reply=r, comment="请补充数据"),
        # the draft's author (the handler) and the liaison
        lambda _: {"handler_gx": case(r.assignment), "liaison_gx": case(r.assignment)},
    )


def _reply_sent(cast):
    p = f.accepted(cast, cosigners=[cast.cosigner])
    merged = f.registered(cast, title="关于同一事项的建议", lead=cast.outsider_proposer)
    proposal_review(actor=cast.staff_npc, proposal=merged, decision="merged", merge_into=p)
    r = f.approved(cast, f.assigned(cast, p))
    a = r.assignment
    # the lead, the co-signer and the merged proposal's proposer: each on their portal
    return lambda: f.sent(cast, r), lambda _: {"deputy": portal(a), "cosigner": portal(a), "outsider": portal(a)}


def _evaluation_received(cast):
    r = f.sent(cast)
    return lambda: f.evaluated(cast, r), lambda _: {"liaison_gx": case(r.assignment)}


def _rehandling_started(cast):
    r = f.sent(cast)
    return (
        lambda: f.evaluated(cast, r, verdict=Verdict.UNSATISFIED),
        lambda _: {"liaison_gx": case(r.assignment), "leader_gx": case(r.assignment)},
    )


def _reminded(cast):
    a = f.planned(cast)
    return (
        lambda: deadlines.reminder_send(actor=cast.staff_npc, assignment=a, message="请抓紧办理"),
        lambda _: {"liaison_gx": case(a), "leader_gx": case(a), "handler_gx": case(a)},
    )


def _b_progress_due(cast):
    today = timezone.localdate()
    r = f.sent(cast, result_class="B", commitments=[("年内完成改造", today + dt.timedelta(days=3))])
    return (
        lambda: handling.commitment_due_notify(today=today),
        lambda _: {"liaison_gx": case(r.assignment), "handler_gx": case(r.assignment)},
    )


HANDOFFS = {
    "交办 → 单位联络员": _assigned,
    "交办主办+会办 → 两单位联络员": _assigned_lead_and_co,
    "申请调整 → 交办机关": _adjustment_requested,
    "调整审批 → 申请人": _adjustment_decided,
    "申请延期 → 交办机关（延期审批页）": _extension_requested,
    "延期审批 → 单位": _extension_decided,
    "分办 → 处室承办人": _distributed,
    "会办意见 → 主办单位": _co_opinion_sent,
    "提交签发 → 单位领导": _submitted_for_sign_off,
    "退回修改 → 起草人和联络员": _returned,
    "正式答复 → 领衔人、联名人、并案代表（门户）": _reply_sent,
    "评价 → 单位": _evaluation_received,
    "不满意重新办理 → 单位联络员和领导": _rehandling_started,
    "催办 → 单位": _reminded,
    "B类进展到期 → 单位": _b_progress_due,
}


@pytest.mark.parametrize("handoff", list(HANDOFFS))
def test_each_handoff_tells_exactly_who_acts_next_with_a_link_to_where(cast, handoff):
    act, expected = HANDOFFS[handoff](cast)
    before = set(Notification.objects.values_list("pk", flat=True))
    made = act()
    told = {
        (n.user.username, n.url)
        for n in Notification.objects.exclude(pk__in=before).select_related("user")
        if n.verb != "digest"
    }
    assert told == set(expected(made).items())


def test_a_handoff_message_is_not_sent_twice_by_the_periodic_scan(cast):
    today = timezone.localdate()
    f.sent(cast, result_class="B", commitments=[("年内完成改造", today + dt.timedelta(days=3))])
    assert handling.commitment_due_notify(today=today) == 2
    assert handling.commitment_due_notify(today=today) == 0
