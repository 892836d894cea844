"""The evaluation's rules live in the service, so the portal's form and the staff's form agree."""

from __future__ import annotations

import pytest
from django.urls import reverse

from banli.audit.models import AuditEvent
from banli.cases.models import AssignmentRole, AssignmentState, Evaluation, ReviewState
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.errors import DomainError
from banli.handling import services as svc
from banli.handling.forms import EvaluationForm as StaffForm
from banli.portal.forms import EvaluationForm as PortalForm

REPLY = dict(result_class="A", text="答复内容", contact_name="张三", contact_phone="0755-1234", disclosure="public")


@pytest.fixture
def replied(cast):
    p = proposal_register(actor=cast.staff_npc, session=cast.npc_session, title="关于口袋公园的建议", lead=cast.deputy)
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    (a,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, AssignmentRole.SOLE)])
    svc.assignment_sign(actor=cast.liaison_gx, assignment=a)
    r = svc.reply_save_draft(actor=cast.liaison_gx, assignment=a, version=0, **REPLY)
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    svc.reply_approve(actor=cast.leader_gx, reply=r)
    svc.reply_send(actor=cast.liaison_gx, reply=r)
    a.refresh_from_db()
    assert a.state == AssignmentState.REPLIED
    return a


def _nothing_written(a):
    a.refresh_from_db()
    return a.state == AssignmentState.REPLIED and not Evaluation.objects.filter(assignment=a).exists()


@pytest.mark.parametrize(
    "kw, field, message",
    [
        ({"verdict": "unsatisfied", "comment": "  "}, "comment", "请写明不满意的原因"),
        ({"attitude": ""}, "attitude", "请评价办理态度"),
        ({"result": ""}, "result", "请评价办理结果"),
        ({"heard_via": "托人转告"}, "heard_via", "听取意见的方式无效"),
        ({"addresses": "完全不针对"}, "addresses", "选项无效"),
        ({"comment": "很" * 2001}, "comment", "不能超过2000字"),
    ],
)
def test_the_service_refuses_an_incomplete_evaluation_and_writes_nothing(cast, replied, kw, field, message):
    events = AuditEvent.objects.count()
    args = {"verdict": "satisfied", "attitude": "satisfied", "result": "satisfied", **kw}
    with pytest.raises(DomainError, match=message) as e:
        svc.evaluation_submit(actor=cast.deputy_user, assignment=replied, **args)
    assert e.value.field == field
    assert _nothing_written(replied) and AuditEvent.objects.count() == events


def test_both_forms_require_the_same_fields():
    required = {n for n, f in StaffForm().fields.items() if f.required}
    assert required == {n for n, f in PortalForm().fields.items() if f.required} == set(svc.EVALUATION_REQUIRED)


def test_the_portal_accepts_a_form_with_the_factual_questions_left_blank(cast, replied, login):
    resp = login(cast.deputy_user).post(
        reverse("portal:evaluate", args=[replied.pk]),
        {"attitude": "satisfied", "result": "basically", "verdict": "basically"},
    )
    assert resp.status_code == 302
    e = Evaluation.objects.get(assignment=replied)
    assert (e.verdict, e.visited, e.heard_via, e.leader_replied) == ("basically", None, "", None)


@pytest.mark.parametrize("page", ["portal:evaluate", "handling:evaluate"])
def test_unsatisfied_without_a_reason_is_refused_the_same_on_both_pages(cast, replied, login, page):
    """The deputy on the portal, and body staff entering the deputy's paper form on the staff page."""
    data = {"attitude": "satisfied", "result": "unsatisfied", "verdict": "unsatisfied", "comment": ""}
    if page == "portal:evaluate":
        resp = login(cast.deputy_user).post(reverse(page, args=[replied.pk]), data)
    else:
        resp = login(cast.staff_npc).post(reverse(page, args=[replied.pk]), {**data, "proposer": cast.deputy.pk})
    assert resp.status_code == 200
    assert "评价为不满意时，请写明不满意的原因" in resp.content.decode()
    assert _nothing_written(replied)
