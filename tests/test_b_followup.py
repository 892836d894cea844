"""B-class follow-up (issue #12, defect 4): each commitment gets its own outcome when the case is
converted to A, and a case has one follow-up however many B replies it had."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from banli.cases.models import AssignmentState as S
from banli.cases.models import Verdict
from banli.errors import DomainError
from banli.handling import selectors as sel
from banli.handling import services as svc
from banli.handling.models import Commitment, CommitmentProgress, FollowUp
from banli.stats.data import b_class_counts, b_class_replies

from .factories import drafted, evaluated, on, rehandling, sent

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


def _b_reply(cast, a=None, *, day, texts=("建设产业园", "出台扶持政策")):
    return sent(
        cast,
        a,
        day=day,
        result_class="B",
        commitments=[(t, day + dt.timedelta(days=100 + 10 * i)) for i, t in enumerate(texts)],
    )


def test_converting_to_a_records_each_commitments_own_outcome(cast):
    day = _today() - dt.timedelta(days=40)
    r = _b_reply(cast, day=day)
    a = r.assignment
    evaluated(cast, r, day=day)
    a.refresh_from_db()
    assert a.state == S.FOLLOW_UP
    fu = FollowUp.objects.get(assignment=a)
    park, policy = r.commitments.order_by("seq")
    kept_on = day + dt.timedelta(days=20)
    svc.followup_convert_to_a(
        actor=cast.liaison_gx,
        followup=fu,
        note="园区已建成，主要问题已解决",
        outcomes={
            park.pk: ("done", "产业园一期已竣工投用", kept_on),
            policy.pk: ("explained", "上级政策调整，改由省里统一出台", None),
        },
    )
    park.refresh_from_db()
    policy.refresh_from_db()
    assert (park.state, park.closed_on) == ("done", kept_on)
    assert park.progress.get().text == "产业园一期已竣工投用"
    assert (policy.state, policy.closed_on) == ("dropped", _today())
    assert policy.progress.get().kind == "drop" and "省里统一出台" in policy.progress.get().text
    fu.refresh_from_db()
    a.refresh_from_db()
    assert fu.state == "converted" and a.result_class == "A" and a.state == S.CLOSED


@pytest.mark.parametrize(
    "outcomes, message",
    [
        (lambda p, q: {p: ("done", "已建成", None)}, "第2项承诺事项"),
        (lambda p, q: {p: ("done", "", None), q: ("done", "已出台", None)}, "请填写第1项承诺事项"),
        (lambda p, q: {p: ("explained", "缓建", None), q: ("explained", "不出台", None)}, "没有已落实的承诺事项"),
        (
            lambda p, q: {p: ("done", "已建成", _today() + dt.timedelta(days=1)), q: ("done", "x", None)},
            "不能晚于今天",
        ),
        (lambda p, q: {p: ("done", "已建成", dt.date(2000, 1, 1)), q: ("done", "x", None)}, "不能早于纳入跟踪"),
    ],
    ids=["missing-outcome", "missing-note", "nothing-kept", "future-date", "before-follow-up"],
)
def test_converting_needs_a_valid_outcome_for_every_open_commitment(cast, outcomes, message):
    day = _today() - dt.timedelta(days=10)
    r = _b_reply(cast, day=day)
    evaluated(cast, r, day=day)
    fu = FollowUp.objects.get(reply=r)
    p, q = r.commitments.order_by("seq").values_list("pk", flat=True)
    with pytest.raises(DomainError, match=message):
        svc.followup_convert_to_a(actor=cast.liaison_gx, followup=fu, note="已解决", outcomes=outcomes(p, q))
    fu.refresh_from_db()
    assert fu.state == "open"
    assert not CommitmentProgress.objects.filter(commitment__reply=r).exists()
    assert set(Commitment.objects.filter(reply=r).values_list("state", flat=True)) == {"open"}


def test_a_second_b_reply_joins_the_cases_follow_up(cast):
    """Converted, then 不满意, then a second B reply: the case is listed once, under follow-up again,
    with the commitments of both replies."""
    day = _today() - dt.timedelta(days=60)
    first = _b_reply(cast, day=day, texts=("建设产业园",))
    a = first.assignment
    fu = FollowUp.objects.get(assignment=a)
    (c1,) = first.commitments.all()
    with on(day + dt.timedelta(days=1)):
        svc.followup_convert_to_a(
            actor=cast.liaison_gx, followup=fu, note="园区已建成", outcomes={c1.pk: ("done", "已建成", None)}
        )
    rehandling(cast, first, day=day + dt.timedelta(days=2))
    second = sent(
        cast,
        drafted(
            cast,
            a,
            day=day + dt.timedelta(days=5),
            result_class="B",
            commitments=[("扩建二期", _today() + dt.timedelta(days=200))],
        ),
        day=day + dt.timedelta(days=5),
    )
    assert second.seq == 2
    assert FollowUp.objects.filter(assignment=a).count() == 1
    fu.refresh_from_db()
    assert fu.state == "open" and fu.reply_id == second.pk and fu.closed_on is None
    assert [c.text for c in sel.followup_commitments(fu)] == ["建设产业园", "扩建二期"]
    # The B ledger and the report list the case once, under follow-up.
    assert list(sel.followups_visible_to(cast.staff_npc).filter(assignment=a)) == [fu]
    rows = [x for x in b_class_replies(sessions=[a.proposal.session], org=None) if x["proposal"].pk == a.proposal_id]
    assert len(rows) == 1 and [c.text for c in rows[0]["commitments"]] == ["建设产业园", "扩建二期"]
    counts, _ = b_class_counts(sessions=[a.proposal.session], org=None)
    assert counts == {"open": 1}
    # Its new commitment is followed up like the first one.
    new = second.commitments.get()
    svc.commitment_progress_add(actor=cast.liaison_gx, commitment=new, text="二期已开工", done=True)
    evaluated(cast, second, verdict=Verdict.SATISFIED, day=day + dt.timedelta(days=6))
    svc.followup_convert_to_a(actor=cast.liaison_gx, followup=fu, note="二期完成", outcomes={})
    fu.refresh_from_db()
    a.refresh_from_db()
    assert fu.state == "converted" and a.state == S.CLOSED and a.result_class == "A"
