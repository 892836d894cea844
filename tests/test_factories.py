"""tests/factories.py reaches every state through the services, as the right people."""

import datetime as dt

from banli.audit.models import AuditEvent
from banli.cases.models import AssignmentRole as R
from banli.cases.models import AssignmentState as S
from banli.cases.models import ReplyState, ReviewState
from banli.handling.models import FollowUp, FollowUpState
from banli.portal.models import PublicationState

from . import factories as f


def test_each_step_builds_on_the_previous_one(cast):
    p = f.registered(cast)
    assert p.review_state == ReviewState.SUBMITTED
    p = f.accepted(cast, p)
    assert p.review_state == ReviewState.ACCEPTED
    a = f.assigned(cast, p)
    assert (a.state, a.unit) == (S.PENDING_SIGN, cast.orgs.gx)
    a = f.signed(cast, a)
    assert a.state == S.HANDLING
    a = f.planned(cast, a)
    r = f.drafted(cast, a)
    assert r.state == ReplyState.DRAFT and r.created_by == cast.handler_gx
    r = f.submitted(cast, r)
    assert r.state == ReplyState.IN_REVIEW
    r = f.approved(cast, r)
    assert r.state == ReplyState.APPROVED and r.approved_by == cast.leader_gx
    r = f.sent(cast, r)
    assert r.state == ReplyState.SENT and r.assignment.state == S.REPLIED
    assert f.published(cast, r).state == PublicationState.PUBLISHED
    a = f.closed(cast, r)
    assert a.state == S.CLOSED
    verbs = set(AuditEvent.objects.filter(assignment_id=a.pk).values_list("verb", flat=True))
    assert {"assignment.sign", "reply.send", "evaluation.submit"} <= verbs


def test_whole_paths_with_dates_units_and_verdicts(cast):
    r = f.sent(cast, day=dt.date(2023, 6, 20), units=[(cast.orgs.sw, R.LEAD), (cast.orgs.gx, R.CO)])
    assert r.sent_on == dt.date(2023, 6, 20) and r.assignment.unit == cast.orgs.sw
    assert r.assignment.signed_on == dt.date(2023, 6, 20)
    a = f.rehandling(cast, f.sent(cast, member=True))
    assert a.state == S.REHANDLING and a.proposal.session == cast.cppcc_session
    a = f.follow_up(cast)
    assert a.state == S.FOLLOW_UP
    assert FollowUp.objects.get(assignment=a).state == FollowUpState.OPEN
