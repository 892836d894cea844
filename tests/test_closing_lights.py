"""Closing a case with co units, and the lights and figures that follow (issue #12, defect 3).

When the lead unit's reply is sent, every co unit beside it ends: one that sent its opinion is
done, one that did not is closed with its opinion recorded as 未提交. Nothing about such a co unit
is overdue afterwards, the proposal reaches 已办结 only when every unit is done, and a withdrawn
assignment has no light.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import timezone

from banli.audit.models import AuditEvent
from banli.cases.models import Assignment, ProposalStatus
from banli.cases.models import AssignmentRole as R
from banli.cases.models import AssignmentState as S
from banli.cases.selectors import status_q, with_status
from banli.cases.services import assignment_create, assignment_withdraw
from banli.deadlines import lights
from banli.errors import DomainError
from banli.handling import services as svc
from banli.handling.models import CoOpinion
from banli.stats.selectors import stats_for

from .factories import accepted, closed, on, opinion_sent, sent, signed, staff_of

pytestmark = pytest.mark.django_db


def _case(cast, day):
    """A proposal assigned on `day` to 市工信局 (主办) and 市商务局 (会办)."""
    p = accepted(cast, day=day)
    with on(day):
        lead, co = assignment_create(
            actor=staff_of(cast, p), proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)]
        )
    return p, lead, co


def _status(p) -> str:
    s = with_status(type(p).objects.filter(pk=p.pk)).get().status
    # The list filter (status_q) says the same as the annotation.
    assert type(p).objects.filter(status_q(s), pk=p.pk).exists()
    return s


def _today() -> dt.date:
    return timezone.localdate()


@pytest.mark.parametrize("co_signed", [True, False], ids=["co-handling", "co-unsigned"])
def test_the_leads_reply_ends_a_co_unit_without_opinion_as_not_submitted(cast, co_signed):
    p, lead, co = _case(cast, _today() - dt.timedelta(days=120))
    if co_signed:
        signed(cast, co, day=_today() - dt.timedelta(days=118))
    co.refresh_from_db()
    assert co.opinion_due < _today()
    # Before: the co unit's missing opinion is overdue, in the light, the dashboard and the figures.
    assert lights.light(co).color == "red"
    assert Assignment.objects.filter(lights.red_q(_today()), pk=co.pk).exists()
    before = stats_for(sessions=[p.session], org=cast.orgs.sw)["overdue"]
    assert before == 1

    sent(cast, lead)

    co.refresh_from_db()
    assert co.state == S.CLOSED and co.closed_on == _today()
    assert not CoOpinion.objects.filter(assignment=co).exists()
    event = AuditEvent.objects.filter(assignment_id=co.pk, verb="assignment.close").get()
    assert "会办意见未提交" in event.summary
    # Not overdue any more, anywhere, and a late opinion is refused (the case has moved on).
    assert lights.light(co).color == "done"
    assert not Assignment.objects.filter(lights.at_risk_q(_today()), pk=co.pk).exists()
    assert stats_for(sessions=[p.session], org=cast.orgs.sw)["overdue"] == 0
    with pytest.raises(DomainError, match="已办结"):
        svc.co_opinion_submit(actor=cast.liaison_sw, assignment=co, text="迟到的意见")


def test_a_co_unit_that_sent_its_opinion_ends_with_the_leads_reply(cast):
    _, lead, co = _case(cast, _today() - dt.timedelta(days=30))
    opinion_sent(cast, co)
    co.refresh_from_db()
    assert co.state == S.OPINION_SENT
    sent(cast, lead)
    co.refresh_from_db()
    assert co.state == S.CLOSED and co.closed_on == _today()
    assert AuditEvent.objects.filter(assignment_id=co.pk, verb="assignment.close", summary__contains="会办办结")


def test_the_proposal_is_closed_only_when_every_unit_is_done(cast):
    p, lead, co = _case(cast, _today() - dt.timedelta(days=60))
    signed(cast, co, day=_today() - dt.timedelta(days=59))
    assert _status(p) == ProposalStatus.IN_HANDLING
    closed(cast, lead)
    co.refresh_from_db()
    assert co.state == S.CLOSED
    assert _status(p) == ProposalStatus.CLOSED


def test_a_withdrawn_assignment_has_no_light(cast):
    p, _, co = _case(cast, _today() - dt.timedelta(days=60))
    assignment_withdraw(actor=staff_of(cast, p), assignment=co, reason="交办有误")
    co.refresh_from_db()
    assert co.state == S.WITHDRAWN
    lt = lights.light(co)
    assert not lt.shown and lt.label == "已撤回"
    html = Template("{% load deadlines_tags %}[{% light a %}]").render(Context({"a": co}))
    assert html == "[]"


def test_the_periodic_close_ends_co_units_left_open_beside_a_replied_lead(cast):
    """Co units recorded before the lead's reply ended them (an older version) end on the next scan."""
    _, lead, co = _case(cast, _today() - dt.timedelta(days=60))
    signed(cast, co)
    sent(cast, lead)
    co.refresh_from_db()
    assert co.state == S.CLOSED
    # Nothing left to do: the scan changes nothing the second time.
    svc.assignment_close_due()
    assert AuditEvent.objects.filter(assignment_id=co.pk, verb="assignment.close").count() == 1
