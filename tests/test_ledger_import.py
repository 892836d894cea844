"""Ledger (台账) import and export, SPEC §11: all or nothing, idempotent, round-trips."""

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from banli.audit.models import AuditEvent
from banli.cases.models import (
    Assignment,
    AssignmentState,
    Contact,
    Evaluation,
    Proposal,
    ReviewState,
)
from banli.cases.services import session_create
from banli.errors import NotFound
from banli.handling.models import FollowUp
from banli.ledger.services import LedgerInvalid, ledger_export, ledger_import, ledger_rows, ledger_validate
from banli.orgs.models import Org

from .seed_ledgers import write_xlsx

D = dt.date


def table_counts() -> dict:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()}


def row(number, title="关于加快数字经济发展的建议", lead="王代表", **kw):
    return {"编号": number, "标题": title, "领衔人": lead, **kw}


def good_rows(o):
    """Four proposals: lead+co with full history, 分办 ×2, not accepted, merged."""
    hist = {"交办日期": D(2023, 3, 1), "签收日期": D(2023, 3, 3)}
    return [
        row(
            "20230001",
            联名人="李代表、张代表",
            **{"界别/代表团": "福田代表团"},
            承办单位=o.gx.name,
            办理方式="主办",
            **hist,
            答复日期=D(2023, 5, 20),
            答复类别="A",
            公开="是",
            沟通方式="电话、座谈会",
            评价="满意",
        ),
        row("20230001", 承办单位=o.sw.name, 办理方式="协办", **hist),
        row(
            "20230002",
            title="关于工业上楼的建议",
            lead="赵代表",
            承办单位=o.gx.name,
            办理方式="分办",
            **hist,
            答复日期=D(2023, 5, 25),
            答复类别="B",
            沟通方式="微信",
            评价="基本满意",
        ),
        row(
            "20230002",
            title="关于工业上楼的建议",
            lead="赵代表",
            承办单位=o.lh.name,
            办理方式="分办",
            **hist,
            答复日期=D(2023, 5, 26),
            答复类别="C",
            评价="不满意",
        ),
        row("20230003", title="关于某事的建议", 立案状态="不立案"),
        row("20230004", title="关于数字经济的建议", lead="李代表", 立案状态="并案", 并入编号="20230001"),
        row("20230005", title="关于法院执行的建议", 承办单位=o.court.name, 办理方式="承办", 交办日期=D(2023, 3, 1)),
    ]


def run_import(path, session, *extra):
    out, err = StringIO(), StringIO()
    call_command("import-ledger", str(path), "--session", session.code, *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_valid_ledger_becomes_real_history(cast, tmp_path):
    o = cast.orgs
    path = write_xlsx(good_rows(o), tmp_path / "ok.xlsx")
    out, _ = run_import(path, cast.npc_session)
    assert "新增建议/提案：5" in out
    p1 = Proposal.objects.get(session=cast.npc_session, number="20230001")
    assert p1.review_state == ReviewState.ACCEPTED
    assert sorted(p1.cosigners.values_list("name", flat=True)) == ["张代表", "李代表"]
    assert p1.lead == cast.deputy  # an existing proposer is reused by name
    lead = p1.assignments.get(unit=o.gx)
    assert (lead.role, lead.state, lead.signed_on, lead.first_reply_on, lead.result_class) == (
        "lead",
        "closed",
        D(2023, 3, 3),
        D(2023, 5, 20),
        "A",
    )
    assert lead.sign_due and lead.reply_due and lead.reply_due > lead.assigned_on
    reply = lead.replies.get()
    assert (reply.seq, reply.state, reply.sent_on, reply.disclosure) == (1, "sent", D(2023, 5, 20), "public")
    assert sorted(Contact.objects.filter(assignment=lead).values_list("method", "face_to_face", "stage", "on")) == [
        ("phone", False, "before", D(2023, 3, 3)),
        ("symposium", True, "before", D(2023, 3, 3)),
    ]
    assert Evaluation.objects.get(assignment=lead).verdict == "satisfied"
    co = p1.assignments.get(unit=o.sw)
    # No 会办意见日期 and the lead replied: recorded as 未提交 (closed on the lead's reply day), not open.
    assert (co.role, co.state, co.closed_on, co.opinion_due is not None) == ("co", "closed", D(2023, 5, 20), True)
    assert not hasattr(co, "co_opinion")  # no opinion recorded
    assert o.sw.name in reply.missing_opinion_reason
    p2 = Proposal.objects.get(number="20230002")
    states = dict(p2.assignments.values_list("unit__name", "state"))
    assert states == {o.gx.name: AssignmentState.FOLLOW_UP, o.lh.name: AssignmentState.REHANDLING}
    assert FollowUp.objects.filter(assignment__proposal=p2, state="open").count() == 1
    assert Proposal.objects.get(number="20230004").merged_into == p1
    assert Proposal.objects.get(number="20230003").review_state == ReviewState.NOT_ACCEPTED
    assert Proposal.objects.get(number="20230005").assignments.get().state == AssignmentState.PENDING_SIGN
    # One audit event per proposal plus one for the import, tied to the case.
    assert AuditEvent.objects.filter(verb="ledger.import", proposal_id=p1.pk).count() == 1
    assert AuditEvent.objects.filter(verb="ledger.import", proposal_id__isnull=True).count() == 1
    assert AuditEvent.objects.filter(verb="ledger.import").count() == 6


def test_bad_ledger_is_refused_whole_naming_every_row_and_column(cast, tmp_path):
    o = cast.orgs
    rows = good_rows(o) + [
        row("20230006", 承办单位=o.gx.name, 办理方式="主持"),  # row 9
        row("20230007", 承办单位="市不存在局", 办理方式="承办"),  # row 10
        row("20230008", 立案状态="并案", 并入编号="29990001"),  # row 11
        row(
            "20230009",
            承办单位=o.gx.name,
            办理方式="主办",
            交办日期=D(2023, 3, 5),
            答复日期=D(2023, 3, 1),
            答复类别="E",
        ),  # 12
        row("20230010", 承办单位=o.gx.name, 办理方式="主办"),  # 13
        row("20230010", 承办单位=o.sw.name, 办理方式="主办"),  # 14: two leads
        row("20230001", title="另一个标题", 承办单位=o.lh.name, 办理方式="会办"),  # 15: conflicting title
        row("20230005", title="关于法院执行的建议", 承办单位=o.court.name, 办理方式="承办"),  # 16: duplicate unit
        row(
            "20230011",
            承办单位=o.sw.name,
            办理方式="会办",
            交办日期=D(2023, 3, 1),
            答复日期=D(2023, 4, 1),
            答复类别="A",
        ),  # 17
        row("20230012", 沟通方式="电话、飞鸽传书", 承办单位=o.sw.name, 办理方式="承办", 交办日期=D(2023, 3, 1)),  # 18
        {"编号": "20230013", "标题": "", "领衔人": "王代表", "提交日期": "2023-02-30"},  # 19
    ]
    path = write_xlsx(rows, tmp_path / "bad.xlsx")
    before = table_counts()
    with pytest.raises(CommandError):
        run_import(path, cast.npc_session)
    assert table_counts() == before
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import-ledger", str(path), "--session", cast.npc_session.code, stdout=StringIO(), stderr=err)
    text = err.getvalue()
    for expected in [
        "第9行 办理方式：“主持”无效，应为 主办、会办（协办、汇办）、分办 或 承办",
        "第10行 承办单位：找不到单位“市不存在局”",
        "第11行 并入编号：本届会议中找不到编号 29990001",
        "第12行 答复日期：2023年3月1日早于交办日期2023年3月5日",
        "第12行 答复类别：“E”无效，应为 A、B、C 或 D",
        "第13行 办理方式：编号 20230010：只能有一个主办单位",
        "第15行 标题：与第2行（同一编号 20230001）不一致",
        "第16行 承办单位：“市中级人民法院”在第8行已出现",
        "第17行 答复日期：会办单位向主办单位提出会办意见，不直接答复代表委员",
        "第18行 沟通方式：“飞鸽传书”无效",
        "第19行 标题：不能为空",
        "第19行 提交日期：“2023-02-30”不是有效日期",
    ]:
        assert expected in text, expected


def test_reimporting_the_same_file_changes_nothing(cast, tmp_path):
    path = write_xlsx(good_rows(cast.orgs), tmp_path / "ok.xlsx")
    run_import(path, cast.npc_session)
    before = table_counts()
    out, _ = run_import(path, cast.npc_session)
    assert table_counts() == before  # no rows, no audit events
    assert "新增建议/提案：0" in out and "已存在（跳过）：5" in out


def test_reimport_adds_only_the_new_unit_row(cast, tmp_path):
    o = cast.orgs
    rows = good_rows(o)
    run_import(write_xlsx(rows, tmp_path / "a.xlsx"), cast.npc_session)
    rows.append(
        row("20230005", title="关于法院执行的建议", 承办单位=o.sw.name, 办理方式="分办", 交办日期=D(2023, 3, 1))
    )
    # 承办 must stay alone: adding a 分办 unit beside it is refused, nothing written.
    before = table_counts()
    with pytest.raises(CommandError):
        run_import(write_xlsx(rows, tmp_path / "b.xlsx"), cast.npc_session)
    assert table_counts() == before
    rows[-1] = row("20230001", 承办单位=o.lh.name, 办理方式="会办", 交办日期=D(2023, 3, 1))
    run_import(write_xlsx(rows, tmp_path / "c.xlsx"), cast.npc_session)
    assert Proposal.objects.get(number="20230001").assignments.count() == 3
    assert table_counts()["cases.Assignment"] == before["cases.Assignment"] + 1


def test_existing_proposal_that_differs_is_reported_not_overwritten(cast, tmp_path):
    rows = good_rows(cast.orgs)
    run_import(write_xlsx(rows, tmp_path / "a.xlsx"), cast.npc_session)
    rows[4] = row("20230003", title="关于某事的建议", 立案状态="立案")
    with pytest.raises(LedgerInvalid) as e:
        ledger_import(actor=None, session=cast.npc_session, source=write_xlsx(rows, tmp_path / "b.xlsx"))
    assert "第6行 立案状态：与系统中已登记的编号 20230003 不一致（系统中为“不立案”）" in next(
        str(p) for p in e.value.problems
    )
    assert Proposal.objects.get(number="20230003").review_state == ReviewState.NOT_ACCEPTED


def test_dry_run_validates_and_writes_nothing(cast, tmp_path):
    path = write_xlsx(good_rows(cast.orgs), tmp_path / "ok.xlsx")
    before = table_counts()
    out, _ = run_import(path, cast.npc_session, "--dry-run")
    assert "试运行" in out and "新增建议/提案：5" in out and "新增交办：5" in out and "新增代表/委员：1" in out
    assert table_counts() == before


def test_missing_units_are_created_only_on_request(cast, tmp_path):
    rows = [row("20230001", 承办单位="市新设数据局", 办理方式="承办", 交办日期=D(2023, 3, 1))]
    path = write_xlsx(rows, tmp_path / "new.xlsx")
    with pytest.raises(CommandError):
        run_import(path, cast.npc_session)
    assert not Org.objects.filter(name="市新设数据局").exists()
    out, _ = run_import(path, cast.npc_session, "--create-orgs")
    assert "新建承办单位：1" in out and "组织机构顶层" in out
    unit = Org.objects.get(name="市新设数据局")
    assert unit.kind == "unit" and unit.depth == 1
    assert Assignment.objects.get(unit=unit).role == "sole"
    rows = [row("20230002", 承办单位="市新设文化局", 办理方式="承办", 交办日期=D(2023, 3, 1))]
    run_import(
        write_xlsx(rows, tmp_path / "new2.xlsx"), cast.npc_session, "--create-orgs", "--org-parent", cast.orgs.gov.name
    )
    new = Org.objects.get(name="市新设文化局")
    assert new.path.startswith(cast.orgs.gov.path) and new.depth == cast.orgs.gov.depth + 1


def test_export_then_import_into_a_new_session_round_trips(cast, tmp_path):
    run_import(write_xlsx(good_rows(cast.orgs), tmp_path / "ok.xlsx"), cast.npc_session)
    first = tmp_path / "first.xlsx"
    call_command("export-ledger", "--session", cast.npc_session.code, "-o", str(first), stdout=StringIO())
    other = session_create(code="SZ7-5", name="市七届人大五次会议", body=cast.orgs.npc, year=2024)
    run_import(first, other)
    second = tmp_path / "second.xlsx"
    call_command("export-ledger", "--session", other.code, "-o", str(second), stdout=StringIO())

    def cells(path):
        ws = load_workbook(path, read_only=True).worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]

    a, b = cells(first), cells(second)
    assert len(a) == 8  # header + 7 rows (2 + 2 + 1 + 1 + 1)
    assert a == b
    assert a[0][:3] == ["编号", "标题", "内容"]
    assert AuditEvent.objects.filter(verb="ledger.export").count() == 2


def test_export_scope_body_staff_coordinator_and_others(cast, tmp_path):
    o = cast.orgs
    run_import(write_xlsx(good_rows(o), tmp_path / "ok.xlsx"), cast.npc_session)
    assert len(ledger_rows(actor=cast.staff_npc, session=cast.npc_session)) == 8
    coord = ledger_rows(actor=cast.coordinator, session=cast.npc_session)
    units = {r[12] for r in coord[1:]}
    assert units == {o.gx.name, o.sw.name, o.lh.name}  # not the court, no unassigned proposals
    # A unit gets its own rows (the rule the reports page already applied to units).
    assert {r[12] for r in ledger_rows(actor=cast.liaison_gx, session=cast.npc_session)[1:]} == {o.gx.name}
    for user in (cast.staff_cppcc, cast.deputy_user, cast.outsider, cast.sysadmin):
        with pytest.raises(NotFound):
            ledger_export(actor=user, session=cast.npc_session)
    assert not AuditEvent.objects.filter(verb="ledger.export", actor__in=[cast.staff_cppcc, cast.deputy_user]).exists()


def test_only_the_bodys_own_staff_may_import(cast, tmp_path):
    path = write_xlsx(good_rows(cast.orgs), tmp_path / "ok.xlsx")
    before = table_counts()
    for user in (cast.staff_cppcc, cast.coordinator, cast.liaison_gx, cast.deputy_user, cast.sysadmin):
        with pytest.raises(NotFound):
            ledger_import(actor=user, session=cast.npc_session, source=path)
    assert table_counts() == before
    ledger_import(actor=cast.staff_npc, session=cast.npc_session, source=path)
    assert AuditEvent.objects.filter(verb="ledger.import", actor=cast.staff_npc).count() == 6


def test_headers_in_any_order_and_unknown_columns_are_warned(cast, tmp_path):
    header = ["备注", "领衔人", "办理方式", "承办单位", "标题", "编号", "交办日期"]
    rows = [["无", "王代表", "承办", cast.orgs.gx.name, "关于某事的建议", 20230001, dt.datetime(2023, 3, 1)]]
    plan = ledger_validate(
        actor=None, session=cast.npc_session, source=write_xlsx(rows, tmp_path / "h.xlsx", header=header)
    )
    assert plan.ok, plan.errors
    assert any("备注" in w and "已忽略" in w for w in plan.warnings)
    assert plan.counts["proposals"] == 1 and plan.counts["assignments"] == 1


def test_a_file_that_is_not_xlsx_is_reported(cast, tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a spreadsheet")
    plan = ledger_validate(actor=None, session=cast.npc_session, source=bad)
    assert [str(p) for p in plan.errors] == [
        "第1行 文件：无法读取，请上传 Excel .xlsx 格式的台账（.xls 请先另存为 .xlsx）"
    ]


def test_wrong_kind_for_the_session_is_reported(cast, tmp_path):
    rows = [row("20240001", 类型="提案")]
    plan = ledger_validate(actor=None, session=cast.npc_session, source=write_xlsx(rows, tmp_path / "k.xlsx"))
    assert "第2行 类型：“提案”与所选届次会议不符" in str(plan.errors[0])


def test_cli_unknown_session_is_refused(cast, tmp_path):
    with pytest.raises(CommandError, match="找不到届次会议“NOPE”"):
        call_command("import-ledger", str(tmp_path / "x.xlsx"), "--session", "NOPE")
    with pytest.raises(CommandError, match="找不到届次会议"):
        call_command("export-ledger", "--session", "NOPE", "-o", str(tmp_path / "y.xlsx"))
