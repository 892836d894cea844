"""Issue #20: a province's three past sessions (2018–2020) brought in as ledgers tell the whole year.

Through `banli import-ledger` and `banli stats --json`: co rows with 会办意见日期 are done (on time
or late by that date), co rows without it whose lead replied are 未提交 and never overdue, B
replies converted to A in later years keep B in their history but count as A and as converted,
and export → import round-trips the new columns.
"""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from banli.cases.models import Assignment, AssignmentState, Reply
from banli.handling.models import CoOpinion, FollowUp, FollowUpState
from banli.ledger.services import ledger_rows
from banli.orgs.models import OrgKind
from banli.reports.exports import b_ledger_rows

from .seed_ledgers import _unit, seed_session, write_xlsx

D = dt.date
BODY = "省政协"
LEAD = "省发展和改革委员会"
CO = "省工业和信息化厅"

# Per year: the lead's reply class, and for a B the date it was converted to A (None: still B).
YEARS = {
    2018: [("A", None), ("A", None), ("B", D(2019, 5, 10)), ("B", D(2019, 6, 1)), ("C", None), ("B", D(2020, 3, 2))],
    2019: [("A", None), ("B", D(2020, 4, 8)), ("B", None), ("A", None), ("D", None), ("A", None)],
    2020: [("A", None), ("A", None), ("B", None), ("A", None), ("A", None), ("C", None)],
}


def _rows(year: int) -> list[dict]:
    """Six proposals: lead 省发改委 replied; co 省工信厅 sent its opinion on even rows (row 4 late),
    none on odd rows (未提交)."""
    rows = []
    assigned = D(year, 2, 20)
    for i, (cls, converted) in enumerate(YEARS[year]):
        number = f"{year}{i + 1:04d}"
        replied = assigned + dt.timedelta(days=60 + i)
        base = {
            "编号": number,
            "标题": f"关于{year}年第{i + 1}项工作的提案",
            "领衔人": f"委员{i}",
            "交办日期": assigned,
        }
        lead = {**base, "承办单位": LEAD, "办理方式": "主办", "签收日期": assigned + dt.timedelta(days=1)}
        lead |= {"答复日期": replied, "答复类别": cls, "评价": "满意", "沟通方式": "座谈会"}
        if converted:
            lead |= {"现类别": "A", "转A日期": converted}
        co = {**base, "承办单位": CO, "办理方式": "会办", "签收日期": assigned + dt.timedelta(days=2)}
        if i % 2 == 0:
            co["会办意见日期"] = assigned + dt.timedelta(days=120 if i == 4 else 5)
        rows += [lead, co]
    return rows


def _setup(tmp_path):
    body = _unit(BODY, OrgKind.CPPCC)
    _unit(LEAD)
    _unit(CO)
    sessions = {}
    for year in YEARS:
        s = seed_session(f"GD12-{year - 2017}", f"省政协十二届{year - 2017}次会议", BODY, OrgKind.CPPCC, year)
        assert s.body == body
        path = write_xlsx(_rows(year), tmp_path / f"{year}.xlsx")
        call_command("import-ledger", str(path), "--session", s.code, stdout=StringIO())
        sessions[year] = s
    return sessions


def _stats(*args) -> dict:
    out = StringIO()
    call_command("stats", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_three_years_of_ledgers_tell_the_whole_year(tmp_path):
    s = _setup(tmp_path)

    every = _stats("--session", ",".join(x.code for x in s.values()))
    assert every["overdue"] == 0  # the finished years leave nothing overdue, whatever today is
    assert every["by_role"]["co"] == 18

    y18 = _stats("--session", s[2018].code)
    # The three B replies of 2018 were all converted in 2019–2020: A in the figures, B in history.
    assert y18["class_counts"] == {"A": 5, "B": 0, "C": 1, "D": 0}
    assert (y18["b_converted"], y18["b_open"]) == (3, 0)
    y19 = _stats("--session", s[2019].code)
    assert y19["class_counts"] == {"A": 4, "B": 1, "C": 0, "D": 1}
    assert (y19["b_converted"], y19["b_open"]) == (1, 1)
    y20 = _stats("--session", s[2020].code, "--org", CO)
    assert y20["by_role"] == {"lead": 0, "co": 6, "separate": 0, "sole": 0}
    assert y20["overdue"] == 0  # was 3 (every co row without an opinion date) before #20

    converted = Assignment.objects.get(proposal__number="20180003", unit__name=LEAD)
    assert (converted.result_class, converted.state, converted.closed_on) == ("A", "closed", D(2019, 5, 10))
    assert Reply.objects.get(assignment=converted).result_class == "B"
    f = FollowUp.objects.get(assignment=converted)
    assert (f.original_class, f.state, f.closed_on) == ("B", FollowUpState.CONVERTED, D(2019, 5, 10))
    # The B ledger (B类跟踪台账) shows it: replied B, now A, converted.
    b_rows = b_ledger_rows(sessions=[s[2018]], org=None)
    assert sorted((r[0], r[5], r[6], r[7]) for r in b_rows[1:]) == [
        (n, "B", "A", "已转A类") for n in ("20180003", "20180004", "20180006")
    ]
    still_b = Assignment.objects.get(proposal__number="20190003", unit__name=LEAD)
    assert (still_b.result_class, still_b.state) == ("B", AssignmentState.FOLLOW_UP)

    # Co rows: with 会办意见日期 done on that date (on time or late); without it 未提交, closed.
    on_time = Assignment.objects.get(proposal__number="20200001", unit__name=CO)
    late = Assignment.objects.get(proposal__number="20200005", unit__name=CO)
    missing = Assignment.objects.get(proposal__number="20200002", unit__name=CO)
    assert on_time.co_opinion.submitted_on <= on_time.opinion_due
    assert late.co_opinion.submitted_on > late.opinion_due
    assert {a.state for a in (on_time, late, missing)} == {AssignmentState.CLOSED}
    assert late.closed_on == late.co_opinion.submitted_on  # after the lead's reply
    assert not CoOpinion.objects.filter(assignment=missing).exists()
    lead_reply = Reply.objects.get(assignment__proposal__number="20200002", assignment__unit__name=LEAD)
    assert "未提交" in lead_reply.missing_opinion_reason and CO in lead_reply.missing_opinion_reason


@pytest.mark.django_db
def test_co_opinion_without_lead_reply_is_sent_not_closed(tmp_path):
    _unit(BODY, OrgKind.CPPCC), _unit(LEAD), _unit(CO)
    s = seed_session("GD12-9", "省政协十二届九次会议", BODY, OrgKind.CPPCC, 2020)
    base = {"编号": "1", "标题": "关于某事的提案", "领衔人": "委员甲", "交办日期": D(2020, 3, 1)}
    rows = [
        {**base, "承办单位": LEAD, "办理方式": "主办", "签收日期": D(2020, 3, 2)},
        {**base, "承办单位": CO, "办理方式": "会办", "签收日期": D(2020, 3, 2), "会办意见日期": D(2020, 3, 9)},
    ]
    call_command("import-ledger", str(write_xlsx(rows, tmp_path / "x.xlsx")), "--session", s.code, stdout=StringIO())
    co = Assignment.objects.get(unit__name=CO)
    assert (co.state, co.co_opinion.submitted_on) == (AssignmentState.OPINION_SENT, D(2020, 3, 9))


@pytest.mark.django_db
def test_export_then_import_round_trips_the_new_columns(tmp_path):
    s = _setup(tmp_path)
    out = tmp_path / "2018-export.xlsx"
    call_command("export-ledger", "--session", s[2018].code, "-o", str(out), stdout=StringIO())
    rows = ledger_rows(actor=None, session=s[2018])
    header = rows[0]
    for col in ("会办意见日期", "现类别", "转A日期"):
        assert col in header
    by_key = {(r[0], r[header.index("承办单位")]): r for r in rows[1:]}
    r = by_key[("20180003", LEAD)]
    assert (r[header.index("答复类别")], r[header.index("现类别")], r[header.index("转A日期")]) == (
        "B",
        "A",
        D(2019, 5, 10),
    )
    assert by_key[("20180001", CO)][header.index("会办意见日期")] == D(2018, 2, 25)
    assert by_key[("20180002", CO)][header.index("会办意见日期")] is None

    copy = seed_session("GD12-COPY", "省政协十二届一次会议（副本）", BODY, OrgKind.CPPCC, 2018)
    call_command("import-ledger", str(out), "--session", copy.code, stdout=StringIO())
    assert ledger_rows(actor=None, session=copy) == rows
    a, b = _stats("--session", s[2018].code), _stats("--session", copy.code)
    assert a == b


@pytest.mark.django_db
def test_invalid_history_names_the_row(tmp_path):
    _unit(BODY, OrgKind.CPPCC), _unit(LEAD), _unit(CO)
    s = seed_session("GD12-8", "省政协十二届八次会议", BODY, OrgKind.CPPCC, 2019)
    base = {"标题": "关于某事的提案", "领衔人": "委员甲", "交办日期": D(2019, 3, 1)}
    rows = [
        # row 2: converted before it was replied
        {**base, "编号": "1", "承办单位": LEAD, "办理方式": "主办", "答复日期": D(2019, 5, 1), "答复类别": "B"}
        | {"现类别": "A", "转A日期": D(2019, 4, 1)},
        # row 3: a class now without a reply class
        {**base, "编号": "2", "承办单位": LEAD, "办理方式": "主办", "现类别": "A"},
        # row 4: a co-opinion date on the lead's row
        {**base, "编号": "3", "承办单位": LEAD, "办理方式": "主办", "会办意见日期": D(2019, 3, 9)},
        # row 5: a C reply cannot become A
        {**base, "编号": "4", "承办单位": LEAD, "办理方式": "主办", "答复日期": D(2019, 5, 1), "答复类别": "C"}
        | {"现类别": "A", "转A日期": D(2019, 6, 1)},
        # row 6: B → A without its date
        {**base, "编号": "5", "承办单位": LEAD, "办理方式": "主办", "答复日期": D(2019, 5, 1), "答复类别": "B"}
        | {"现类别": "A"},
    ]
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import-ledger", str(write_xlsx(rows, tmp_path / "bad.xlsx")), "--session", s.code, stderr=err)
    lines = err.getvalue()
    assert "第2行 转A日期：2019年4月1日早于答复日期2019年5月1日" in lines
    assert "第3行 现类别：未填写答复类别" in lines
    assert "第4行 会办意见日期：只有会办单位提交会办意见，主办行此列应留空" in lines
    assert "第5行 现类别：答复类别C不能变为A类" in lines
    assert "第6行 转A日期：现类别与答复类别不同" in lines
    assert not Assignment.objects.filter(proposal__session=s).exists()
