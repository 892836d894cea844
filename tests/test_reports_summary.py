"""The annual work summary states the seeds' numbers exactly, read back from the .docx."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from banli.audit.models import AuditEvent
from banli.cases.models import (
    Assignment,
    AssignmentState,
    Channel,
    Contact,
    Evaluation,
    Proposal,
    ReviewState,
    Verdict,
)
from banli.cases.models import (
    AssignmentRole as R,
)
from banli.errors import Conflict, NotFound
from banli.formatting import pct
from banli.reports import services
from banli.reports.models import SummaryText

TODAY = dt.date(2024, 1, 15)
CLASS_SPLIT = [("A", 461), ("B", 119), ("C", 32), ("D", 4)]


def _proposals(session, lead, n, *, interim_from=None, prefix=None):
    prefix = prefix or str(session.year)
    objs = [
        Proposal(
            session=session,
            number=f"{prefix}{i + 1:04d}",
            title=f"关于第{i + 1}项工作的{'建议' if session.is_npc else '提案'}",
            kind=session.proposal_kind,
            channel=Channel.INTERIM if interim_from is not None and i >= interim_from else Channel.PLENARY,
            lead=lead,
            review_state=ReviewState.ACCEPTED,
            submitted_on=dt.date(session.year, 1, 10),
        )
        for i in range(n)
    ]
    return Proposal.objects.bulk_create(objs)


def _assign(p, unit, role, *, replied_class=None, on=dt.date(2023, 3, 1)):
    return Assignment(
        proposal=p,
        unit=unit,
        role=role,
        assigned_on=on,
        sign_due=on + dt.timedelta(days=7),
        reply_due=on + dt.timedelta(days=90),
        signed_on=on + dt.timedelta(days=2),
        state=AssignmentState.REPLIED if replied_class else AssignmentState.HANDLING,
        first_reply_on=on + dt.timedelta(days=60) if replied_class else None,
        result_class=replied_class or "",
    )


def build_seed002(cast):
    """Seed 002: 739 proposals (714 大会, 25 平时), 579 立案, 567 to the government system with
    616 replies due, all answered: A 461, B 119, C 32, D 4 (plus 12 to the court)."""
    o = cast.orgs
    session = cast.cppcc_session
    props = _proposals(session, cast.member, 739, interim_from=714)
    for p in props[579:709]:
        p.review_state = ReviewState.NOT_ACCEPTED
    for p in props[709:]:
        p.review_state = ReviewState.MERGED
        p.merged_into = props[0]
    Proposal.objects.bulk_update(props[579:], ["review_state", "merged_into"])
    classes = [c for c, n in CLASS_SPLIT for _ in range(n)]
    rows = []
    units = [o.gx, o.sw, o.lh]
    for i, p in enumerate(props[:567]):
        if i < 49:  # two units answer separately
            rows += [_assign(p, o.gx, R.SEPARATE, replied_class="x"), _assign(p, o.sw, R.SEPARATE, replied_class="x")]
        elif i < 120:  # a lead with a co-handling unit
            rows += [_assign(p, o.lh, R.LEAD, replied_class="x"), _assign(p, o.gx, R.CO)]
        else:
            rows.append(_assign(p, units[i % 3], R.SOLE, replied_class="x"))
    due = [a for a in rows if a.role != R.CO]
    assert len(due) == 616
    for a, c in zip(due, classes):
        a.result_class = c
    for p in props[567:579]:
        rows.append(_assign(p, o.court, R.SOLE, replied_class="A"))
    Assignment.objects.bulk_create(rows)
    return session


def build_seed000(cast):
    """Seed 000: 市工业和信息化局 handles 110 suggestions — 承办 2, 主办 34, 分办 15, 汇办 59 — all
    answered; 41 evaluated, all 满意 (满意率100%)."""
    o = cast.orgs
    session = cast.npc_session
    props = _proposals(session, cast.deputy, 110)
    rows = []
    plan = [(R.SOLE, 2), (R.LEAD, 34), (R.SEPARATE, 15), (R.CO, 59)]
    i = 0
    for role, n in plan:
        for _ in range(n):
            p = props[i]
            i += 1
            rows.append(_assign(p, o.gx, role, replied_class=None if role == R.CO else "A"))
            if role == R.CO:
                rows.append(_assign(p, o.sw, R.LEAD, replied_class="A"))
            if role == R.SEPARATE:
                rows.append(_assign(p, o.sw, R.SEPARATE, replied_class="A"))
    Assignment.objects.bulk_create(rows)
    due = list(Assignment.objects.filter(unit=o.gx).exclude(role=R.CO).order_by("id"))
    Evaluation.objects.bulk_create(
        [Evaluation(assignment=a, verdict=Verdict.SATISFIED, on=dt.date(2023, 6, 1)) for a in due[:41]]
    )
    Contact.objects.bulk_create(
        [Contact(assignment=a, on=dt.date(2023, 4, 1), stage="before", method="phone") for a in due]
        + [
            Contact(assignment=a, on=dt.date(2023, 4, 2), stage="during", method="symposium", face_to_face=True)
            for a in due[:10]
        ]
    )
    return session


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    return "\n".join(p.text for p in doc.paragraphs)


def test_rates_are_written_with_two_decimals_and_100_percent_plainly():
    assert pct(461 / 616) == "74.84%"
    assert pct(119 / 616) == "19.32%"
    assert pct(32 / 616) == "5.19%"
    assert pct(4 / 616) == "0.65%"
    assert pct(567 / 579) == "97.93%"
    assert pct(1.0) == "100%"
    assert pct(None) == "—"


def test_government_summary_states_seed_002_figures_exactly(cast):
    session = build_seed002(cast)
    content, name = services.summary_render(actor=cast.coordinator, session=session, org=cast.orgs.gov, on=TODAY)
    text = docx_text(content)
    assert name.endswith(".docx")
    assert "市政协七届四次会议共收到提案739件，其中大会提案714件，平时提案25件，经审查立案579件" in text
    assert "交付市政府系统办理567件，占立案提案总数的97.93%" in text
    assert "市政府系统办理的567件提案应有答复616件（部分提案需多个单位分办），已全部答复完毕，办复率100%" in text
    assert "所提问题已经解决或者基本解决的（A类）461件，占74.84%" in text
    assert "（B类）119件，占19.32%" in text
    assert "（C类）32件，占5.19%" in text
    assert "（D类）4件，占0.65%" in text
    table = Document(io.BytesIO(content)).tables[0]  # 附表: one row per unit, rates written as in the text
    head = [c.text for c in table.rows[0].cells]
    assert head[:3] == ["序号", "承办单位", "承办件数"] and head[5] == "办复率"
    assert sum(int(r.cells[3].text) for r in table.rows[1:]) == 616 and len(table.rows) > 2  # 应答复
    assert all(r.cells[5].text.endswith("%") for r in table.rows[1:])
    for heading in ("一、基本情况", "二、主要做法", "三、典型案例", "四、存在问题和改进措施", "五、其他说明事项"):
        assert heading in text
    assert AuditEvent.objects.filter(verb="summary.download", actor=cast.coordinator).exists()


def test_bureau_summary_states_seed_000_counts_and_full_satisfaction(cast):
    session = build_seed000(cast)
    content, _ = services.summary_render(actor=cast.liaison_gx, session=session, org=cast.orgs.gx, on=TODAY)
    text = docx_text(content)
    assert "2023年，我局共承办市七届人大四次会议建议110件，其中主办件34件、分办件15件、会办件59件、承办件2件。" in text
    assert "应有答复51件，已全部答复完毕，办复率100%" in text
    assert "代表已评价的有41件，其中满意件41件，满意率为100%" in text
    # Contacts by method, from the data: 51 phone calls, 10 symposiums, 10 face to face.
    assert "共与代表沟通联系61次，其中电话51次、座谈会10次；面对面沟通10次" in text
    # No B class: the seeds' sentence.
    assert "2023年度市工业和信息化局无办理结果类型列为“B类”的答复" in text
    # A unit summary does not restate the session's intake.
    assert "共收到建议" not in text


def test_saved_texts_and_showcases_appear_in_their_sections(cast):
    session = build_seed000(cast)
    p = Proposal.objects.get(session=session, number="20230003")
    p.is_showcase = True
    p.save()
    services.summary_text_save(
        actor=cast.liaison_gx,
        session=session,
        org=cast.orgs.gx,
        practices="（一）加强组织领导。\n局领导亲自部署。",
        problems="与代表沟通不够主动。",
    )
    text = docx_text(services.summary_render(actor=cast.liaison_gx, session=session, org=cast.orgs.gx, on=TODAY)[0])
    assert "局领导亲自部署。" in text
    assert f"《{p.title}》（20230003），由市工业和信息化局主办" in text
    assert "与代表沟通不够主动。" in text
    assert text.index("局领导亲自部署。") < text.index("三、典型案例") < text.index("与代表沟通不够主动。")


def test_summary_texts_save_with_version_check(cast):
    s = services.summary_text_save(actor=cast.liaison_gx, session=cast.npc_session, org=cast.orgs.gx, practices="一")
    services.summary_text_save(
        actor=cast.leader_gx, session=cast.npc_session, org=cast.orgs.gx, version=s.version, practices="二"
    )
    with pytest.raises(Conflict):
        services.summary_text_save(
            actor=cast.liaison_gx, session=cast.npc_session, org=cast.orgs.gx, version=s.version, practices="三"
        )
    assert SummaryText.objects.get().practices == "二"
    assert AuditEvent.objects.filter(verb="summary.save").count() == 2


@pytest.mark.parametrize("who", ["liaison_sw", "handler_gx", "deputy_user", "outsider", "sysadmin", "auditor"])
def test_others_cannot_read_or_write_a_units_summary(cast, who):
    user = getattr(cast, who)
    with pytest.raises(NotFound):
        services.summary_text_save(actor=user, session=cast.npc_session, org=cast.orgs.gx, practices="x")
    with pytest.raises(NotFound):
        services.summary_render(actor=user, session=cast.npc_session, org=cast.orgs.gx)
    assert SummaryText.objects.count() == 0
    assert not AuditEvent.objects.filter(verb__startswith="summary.").exists()


def test_cli_writes_the_summary(cast, tmp_path):
    from django.core.management import call_command

    session = build_seed000(cast)
    out = tmp_path / "s.docx"
    call_command("report", "summary", "--session", session.code, "--org", "市工业和信息化局", "-o", str(out))
    assert "共承办市七届人大四次会议建议110件" in docx_text(out.read_bytes())


def test_summary_from_the_imported_seed_002_ledger(tmp_path, no_cast):
    """Through the ledger of the foundation issue: `banli import-ledger`, then `banli report summary`."""
    from io import StringIO

    from django.core.management import call_command

    from .seed_ledgers import build_seed002

    path, session = build_seed002(tmp_path)
    call_command("import-ledger", str(path), "--session", session.code, stdout=StringIO())
    out = tmp_path / "gov.docx"
    call_command(
        "report", "summary", "--session", session.code, "--org", "市人民政府", "-o", str(out), stdout=StringIO()
    )
    text = docx_text(out.read_bytes())
    assert "共收到提案739件，其中大会提案714件，平时提案25件，经审查立案579件" in text
    assert "交付市政府系统办理567件，占立案提案总数的97.93%" in text
    assert "应有答复616件（部分提案需多个单位分办），已全部答复完毕" in text
    assert "（A类）461件，占74.84%；" in text
    assert "（B类）119件，占19.32%；" in text
    assert "（C类）32件，占5.19%；" in text
    assert "（D类）4件，占0.65%。" in text


def test_summary_from_the_imported_seed_000_ledger(tmp_path, no_cast):
    from io import StringIO

    from django.core.management import call_command

    from .seed_ledgers import build_seed000

    path, session = build_seed000(tmp_path)
    call_command("import-ledger", str(path), "--session", session.code, stdout=StringIO())
    out = tmp_path / "gx.docx"
    call_command(
        "report", "summary", "--session", session.code, "--org", "市工业和信息化局", "-o", str(out), stdout=StringIO()
    )
    text = docx_text(out.read_bytes())
    assert "其中主办件34件、分办件15件、会办件59件、承办件2件。" in text
    assert "已评价的有41件，其中满意件41件，满意率为100%" in text


def test_summary_renders_as_a4_pages_numbered_like_an_official_document(cast):
    import shutil

    for tool in ("soffice", "pdftotext"):
        assert shutil.which(tool), f"{tool} is missing: the Makefile failed to install LibreOffice / poppler-utils"
    import subprocess

    from banli.reports.render import docx_to_pdf

    session = build_seed000(cast)
    pdf = docx_to_pdf(services.summary_render(actor=cast.liaison_gx, session=session, org=cast.orgs.gx, on=TODAY)[0])
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "595.3" in info and "841.8" in info
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "一、基本情况" in text and "五、其他说明事项" in text
    assert "—1—" in text.replace(" ", "")  # page number “— 1 —”
