"""stats_for / stats_cases (SPEC §9): definitions, scope, constant queries, lists behind numbers."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from banli.cases.models import Assignment, Proposal, Reply, Verdict
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, assignment_withdraw
from banli.handling import services as handling
from banli.handling.models import PointDecision, SuggestionPoint
from banli.ledger.services import ledger_import
from banli.stats.selectors import KEYS, PROPOSAL_KEYS, stats_cases, stats_for

from . import factories
from .seed_ledgers import write_xlsx

D = dt.date
TODAY = D(2023, 8, 1)


def row(number, **kw):
    return {"编号": number, "标题": f"关于第{number}号事项的建议", "领衔人": "王代表", **kw}


def scenario_rows(o, n=1, offset=0):
    """`n` copies of a small mixed session; numbers start at offset."""
    rows = []
    for k in range(n):
        b = offset + k * 10
        num = lambda i, b=b: f"2023{b + i:04d}"  # noqa: E731
        h = {"交办日期": D(2023, 3, 1), "签收日期": D(2023, 3, 3)}
        rows += [
            # replied on time, A, phone before reply, satisfied
            row(
                num(1),
                承办单位=o.gx.name,
                办理方式="主办",
                **h,
                答复日期=D(2023, 5, 1),
                答复类别="A",
                沟通方式="电话",
                评价="满意",
            ),
            row(num(1), 承办单位=o.sw.name, 办理方式="会办", **h),
            # replied late (due 2023-06-01), B, face to face
            row(
                num(2),
                承办单位=o.sw.name,
                办理方式="分办",
                交办日期=D(2023, 3, 1),
                答复日期=D(2023, 6, 20),
                答复类别="B",
                沟通方式="座谈会",
            ),
            # unanswered, overdue by TODAY; never signed
            row(num(2), 承办单位=o.lh.name, 办理方式="分办", 交办日期=D(2023, 3, 1)),
            # unanswered, not yet due on TODAY (assigned 2023-07-20), signed on time
            row(num(3), 承办单位=o.gx.name, 办理方式="承办", 交办日期=D(2023, 7, 20), 签收日期=D(2023, 7, 21)),
            # outside the government system
            row(
                num(4),
                承办单位=o.court.name,
                办理方式="承办",
                **h,
                答复日期=D(2023, 4, 1),
                答复类别="C",
                评价="不满意",
            ),
            row(num(5), 立案状态="不立案", 来源="平时"),
            row(num(6), 立案状态="并案", 并入编号=num(1)),
            row(num(7)),  # accepted, not assigned
        ]
    return rows


@pytest.fixture
def session(cast, tmp_path):
    ledger_import(
        actor=None,
        session=cast.npc_session,
        source=write_xlsx(scenario_rows(cast.orgs), tmp_path / "s.xlsx"),
        today=TODAY,
    )
    return cast.npc_session


EXPECTED_KEYS = [
    "received",
    "by_channel",
    "accepted",
    "not_accepted",
    "merged",
    "accept_rate",
    "assigned",
    "assigned_share",
    "by_role",
    "replies_due",
    "replies_sent",
    "reply_rate",
    "on_time_sign_rate",
    "on_time_reply_rate",
    "class_counts",
    "class_rates",
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "satisfaction_rate",
    "full_satisfaction_rate",
    "contact_rate",
    "face_to_face_rate",
    "b_open",
    "b_converted",
    "adoption_rate",
    "overdue",
]


def test_figures_of_a_small_session(cast, session):
    s = stats_for(sessions=[session], today=TODAY)
    assert list(s) == EXPECTED_KEYS
    assert (s["received"], s["by_channel"], s["accepted"], s["not_accepted"], s["merged"]) == (
        7,
        {"plenary": 6, "interim": 1},
        5,
        1,
        1,
    )
    assert s["accept_rate"] == 5 / 7
    assert s["assigned"] == 4 and s["assigned_share"] == 4 / 5
    assert s["by_role"] == {"lead": 1, "co": 1, "separate": 2, "sole": 2}
    assert (s["replies_due"], s["replies_sent"]) == (5, 3)
    assert s["reply_rate"] == 3 / 5
    # Signed on time: 4 of 6 — the two rows without a 签收日期 are past their sign due date.
    assert s["on_time_sign_rate"] == 4 / 6
    # Reply decided: 3 sent + 1 unanswered overdue; the not-yet-due one does not count.
    assert s["on_time_reply_rate"] == 2 / 4
    assert s["class_counts"] == {"A": 1, "B": 1, "C": 1, "D": 0}
    assert s["class_rates"]["A"] == 1 / 3
    assert (s["evaluated"], s["satisfied"], s["unsatisfied"]) == (2, 1, 1)
    assert s["satisfaction_rate"] == 0.5 and s["full_satisfaction_rate"] == 0.5
    assert s["contact_rate"] == 2 / 3 and s["face_to_face_rate"] == 1 / 3
    assert s["b_open"] == 1 and s["b_converted"] == 0
    assert s["adoption_rate"] is None
    # Overdue: the unsigned, unanswered 分办; the court's re-handling (不满意 on 2023-04-01, one
    # month). The 会办 without 会办意见日期 is 未提交 since its lead replied, not overdue (issue #20).
    assert s["overdue"] == 2


def test_intake_is_the_sessions_while_the_rest_follows_the_org(cast, session):
    s = stats_for(sessions=[session], org=cast.orgs.gov, today=TODAY)
    assert s["received"] == 7 and s["accepted"] == 5
    assert s["assigned"] == 3  # the court's case is outside 市政府办公厅
    assert s["replies_due"] == 4 and s["class_counts"]["C"] == 0
    gx = stats_for(sessions=[session], org=cast.orgs.gx, today=TODAY)
    assert gx["by_role"] == {"lead": 1, "co": 0, "separate": 0, "sole": 1}


def test_zero_denominators_give_none_never_zero(cast):
    s = stats_for(sessions=[cast.cppcc_session])
    assert s["received"] == 0
    for key in (
        "accept_rate",
        "assigned_share",
        "reply_rate",
        "on_time_sign_rate",
        "on_time_reply_rate",
        "satisfaction_rate",
        "full_satisfaction_rate",
        "contact_rate",
        "face_to_face_rate",
        "adoption_rate",
    ):
        assert s[key] is None, key
    assert s["class_rates"] == {"A": None, "B": None, "C": None, "D": None}


def _import(cast, tmp_path, rows) -> None:
    ledger_import(actor=None, session=cast.npc_session, source=write_xlsx(rows, tmp_path / "v.xlsx"), today=TODAY)


def _number(rows, n, unit) -> dict:
    return next(r for r in rows if r["编号"] == n and r.get("承办单位") == unit)


def test_contact_after_the_reply_does_not_count_for_contact_rate(cast, tmp_path):
    o = cast.orgs
    rows = scenario_rows(o)
    del _number(rows, "20230002", o.sw.name)["沟通方式"]  # its only contact is recorded after the reply
    _import(cast, tmp_path, rows)
    b = Assignment.objects.get(proposal__number="20230002", unit=o.sw)
    with factories.on(D(2023, 7, 1)):
        handling.contact_add(
            actor=cast.liaison_sw, assignment=b, on=D(2023, 7, 1), stage="after", method="symposium", summary="回访"
        )
    s = stats_for(sessions=[cast.npc_session], today=TODAY)
    assert s["contact_rate"] == 1 / 3  # its reply of 2023-06-20 had no contact before it
    assert s["face_to_face_rate"] == 1 / 3  # 见面率 counts the meeting whenever it was


def test_latest_evaluation_decides_and_current_class_counts(cast, tmp_path):
    o = cast.orgs
    rows = scenario_rows(o)
    _number(rows, "20230002", o.sw.name).update(现类别="A", 转A日期=D(2023, 7, 15))  # B solved later
    _import(cast, tmp_path, rows)
    # A case evaluated 不满意, handled again and then evaluated 基本满意: only the latest counts.
    p = factories.accepted(cast, title="关于完善社区养老服务的建议", day=D(2023, 3, 1))
    (a,) = factories.assigned_all(cast, p, units=[(o.sw, R.SOLE)], day=D(2023, 3, 1))
    factories.rehandling(cast, a, day=D(2023, 4, 3))
    second = factories.sent(cast, a, day=D(2023, 4, 20))
    factories.evaluated(cast, second, verdict=Verdict.BASICALLY, day=D(2023, 5, 10))
    s = stats_for(sessions=[cast.npc_session], today=TODAY)
    evaluations = (s["evaluated"], s["satisfied"], s["basically_satisfied"], s["unsatisfied"])
    assert evaluations == (3, 1, 1, 1)  # 满意 (ledger), 不满意 (the court, ledger), 基本满意 (the new case)
    assert s["satisfaction_rate"] == 2 / 3
    assert s["class_counts"] == {"A": 3, "B": 0, "C": 1, "D": 0}
    assert (s["b_open"], s["b_converted"]) == (0, 1)


def test_withdrawn_and_sub_assignments_are_not_counted_twice(cast, session):
    o = cast.orgs
    district = Assignment.objects.get(unit=o.lh)
    with factories.on(D(2023, 3, 5)):
        assignment_create(
            actor=cast.liaison_lh, proposal=district.proposal, units=[(o.lh_fgj, R.SOLE)], parent=district
        )
    late = Proposal.objects.get(number="20230007")  # accepted, never assigned
    with factories.on(D(2023, 7, 25)):
        (wrong,) = assignment_create(actor=cast.staff_npc, proposal=late, units=[(o.court, R.SOLE)])
        assignment_withdraw(actor=cast.staff_npc, assignment=wrong, reason="交办单位有误")
    everything = stats_for(sessions=[session], today=TODAY)
    assert everything["assigned"] == 4 and everything["replies_due"] == 5
    assert everything["by_role"] == {"lead": 1, "co": 1, "separate": 2, "sole": 2}
    assert stats_for(sessions=[session], org=o.lh, today=TODAY)["by_role"] == {
        "lead": 0,
        "co": 0,
        "separate": 1,
        "sole": 0,
    }
    assert stats_for(sessions=[session], org=o.lh_fgj, today=TODAY)["by_role"] == {
        "lead": 0,
        "co": 0,
        "separate": 0,
        "sole": 1,
    }
    assert stats_for(sessions=[session], org=o.court, today=TODAY)["by_role"]["sole"] == 1


def test_adoption_rate_from_point_decisions(cast, session):
    reply = Reply.objects.get(assignment__unit=cast.orgs.gx, assignment__proposal__number="20230001")
    points = [
        SuggestionPoint.objects.create(proposal=reply.assignment.proposal, seq=i, text=f"第{i}条") for i in (1, 2, 3)
    ]
    for p, d in zip(points, ["adopted", "partial", "not_adopted"]):
        PointDecision.objects.create(reply=reply, point=p, decision=d)
    assert stats_for(sessions=[session], today=TODAY)["adoption_rate"] == 1.5 / 3


@pytest.mark.parametrize("org_attr", [None, "gov", "gx"])
def test_every_list_has_as_many_rows_as_its_number(cast, session, org_attr):
    org = getattr(cast.orgs, org_attr) if org_attr else None
    s = stats_for(sessions=[session], org=org, today=TODAY)
    for key in KEYS:
        figure = s
        for part in key.split("."):
            figure = figure.get(part) if isinstance(figure, dict) else None
        if figure is None:
            continue  # helper lists (sign_decided …) have no figure of their own
        rows = stats_cases(sessions=[session], org=org, key=key, today=TODAY)
        assert len(rows) == figure, key
        assert rows.model is (Proposal if key in PROPOSAL_KEYS else Assignment)
    # The on-time signing rate's denominator: 6 in the session (4 of 6 on time), 5 under 市政府办公厅.
    decided = stats_cases(sessions=[session], org=org, key="sign_decided", today=TODAY)
    assert len(decided) == {None: 6, "gov": 5, "gx": 2}[org_attr]
    with pytest.raises(KeyError):
        stats_cases(sessions=[session], key="nope")


def test_query_count_is_constant_whatever_the_size(cast, tmp_path, django_assert_max_num_queries):
    o = cast.orgs
    ledger_import(
        actor=None, session=cast.npc_session, source=write_xlsx(scenario_rows(o, 1), tmp_path / "a.xlsx"), today=TODAY
    )
    with django_assert_max_num_queries(6):
        small = stats_for(sessions=[cast.npc_session], org=o.gov, today=TODAY)
    ledger_import(
        actor=None,
        session=cast.npc_session,
        source=write_xlsx(scenario_rows(o, 30, offset=100), tmp_path / "b.xlsx"),
        today=TODAY,
    )
    with django_assert_max_num_queries(6):
        big = stats_for(sessions=[cast.npc_session], org=o.gov, today=TODAY)
    assert big["received"] == 31 * small["received"]


def test_stats_command_json_table_and_errors(cast, session):
    out = StringIO()
    call_command("stats", "--session", f"{session.code},{cast.cppcc_session.code}", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["received"] == 7 and next(iter(data)) == "received"
    out = StringIO()
    call_command("stats", "--session", session.code, "--org", cast.orgs.gov.name, stdout=out)
    assert "办复率" in out.getvalue() and "市政府办公厅" in out.getvalue()
    with pytest.raises(CommandError, match="找不到届次会议“NOPE”"):
        call_command("stats", "--session", "NOPE", "--json")
    with pytest.raises(CommandError, match="找不到机构“不存在的局”"):
        call_command("stats", "--session", session.code, "--org", "不存在的局")
