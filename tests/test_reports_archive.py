"""Archive (.zip) and spreadsheets: contents, unit scope, refusals, audit."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from banli.audit.models import AuditEvent
from banli.cases.models import AssignmentRole as R
from banli.errors import NotFound
from banli.handling.models import FollowUp
from banli.reports import services

from . import factories as f

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def replied(cast):
    """Two proposals: one answered by 工信 (class B with a commitment and an attachment), one by 商务."""
    out = []
    for number, unit, cls in (("20230001", cast.orgs.gx, "B"), ("20230002", cast.orgs.sw, "A")):
        p = f.accepted(cast, title=f"关于{number}的建议", number=number, day=dt.date(2023, 2, 20))
        a = f.assigned(cast, p, units=[(unit, R.SOLE)], day=dt.date(2023, 3, 1))
        files = [SimpleUploadedFile("签发件.pdf", PDF, content_type="application/pdf")] if cls == "B" else []
        out.append(f.sent(cast, a, day=dt.date(2023, 5, 1), result_class=cls, text="答复正文。", files=files))
    b = out[0]
    assert b.commitments.get().text == "年底前出台扶持办法"
    assert b.attachments.get().name == "签发件.pdf"
    return out, FollowUp.objects.get(assignment=b.assignment)


def test_session_archive_holds_ledger_letters_attachments_and_index(cast, replied):
    content, name = services.archive_export(actor=cast.staff_npc, session=cast.npc_session, org=None)
    zf = zipfile.ZipFile(io.BytesIO(content))
    names = zf.namelist()
    assert name == "档案_SZ7-4.zip"
    assert {"台账.xlsx", "责任清单.xlsx", "B类跟踪台账.xlsx", "目录.csv", "目录.xlsx"} <= set(names)
    letters = [n for n in names if n.startswith("答复/") and n.endswith(".docx")]
    assert len(letters) == 2
    assert any(n.endswith("签发件.pdf") for n in names)
    index = zf.read("目录.csv").decode("utf-8-sig")
    assert all(n in index for n in names if not n.startswith("目录") and n not in ("manifest.json", "SHA256SUMS"))
    ledger = load_workbook(io.BytesIO(zf.read("台账.xlsx"))).active
    assert len(list(ledger.values)) == 3  # header + two assignments
    b = load_workbook(io.BytesIO(zf.read("B类跟踪台账.xlsx"))).active
    rows = list(b.values)
    assert rows[1][0] == "20230001" and rows[1][8] == "年底前出台扶持办法"
    assert AuditEvent.objects.filter(verb="reports.archive_export", actor=cast.staff_npc).exists()


def test_units_archive_holds_only_its_part(cast, replied):
    content, _ = services.archive_export(actor=cast.liaison_gx, session=cast.npc_session, org=cast.orgs.gx)
    zf = zipfile.ZipFile(io.BytesIO(content))
    letters = [n for n in zf.namelist() if n.startswith("答复/") and n.endswith(".docx")]
    assert len(letters) == 1 and "市工业和信息化局" in letters[0]
    ledger = load_workbook(io.BytesIO(zf.read("台账.xlsx"))).active
    assert [r[0] for r in list(ledger.values)[1:]] == ["20230001"]


@pytest.mark.parametrize("who", ["liaison_sw", "handler_gx", "deputy_user", "auditor", "sysadmin"])
def test_others_cannot_export_a_units_archive(cast, replied, who):
    with pytest.raises(NotFound):
        services.archive_export(actor=getattr(cast, who), session=cast.npc_session, org=cast.orgs.gx)
    assert not AuditEvent.objects.filter(verb="reports.archive_export").exists()


def test_cli_exports_the_archive(cast, replied, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    out = tmp_path / "a.zip"
    call_command("export-archive", "--session", "SZ7-4", "--org", "市商务局", "-o", str(out), stdout=StringIO())
    letters = [n for n in zipfile.ZipFile(out).namelist() if n.startswith("答复/") and n.endswith(".docx")]
    assert len(letters) == 1 and "市商务局" in letters[0]


def test_responsibility_list_and_b_ledger_downloads(cast, replied, login):
    client = login(cast.liaison_gx)
    q = {"session": cast.npc_session.pk, "org": cast.orgs.gx.pk}
    resp = client.get("/reports/responsibility.xlsx", q)
    rows = list(load_workbook(io.BytesIO(resp.content)).active.values)
    assert rows[0][:5] == ("编号", "标题", "领衔人", "承办单位", "办理方式") and len(rows) == 2
    resp = client.get("/reports/b-ledger.xlsx", q)
    assert list(load_workbook(io.BytesIO(resp.content)).active.values)[1][7] == "跟踪落实中"
    assert client.get("/reports/b-ledger.xlsx", {**q, "org": cast.orgs.sw.pk}).status_code == 404
    assert (
        AuditEvent.objects.filter(verb__in=["reports.responsibility_export", "reports.b_ledger_export"]).count() == 2
    )


def test_summary_page_saves_texts_and_shows_the_preview(cast, replied, login):
    client = login(cast.liaison_gx)
    q = f"?session={cast.npc_session.pk}&org={cast.orgs.gx.pk}"
    page = client.get("/reports/summary/" + q).content.decode()
    assert "一、基本情况" in page and "我局共承办市七届人大四次会议建议1件" in page
    resp = client.post(
        "/reports/summary/" + q, {"version": 0, "practices": "（一）强化组织领导。", "problems": "沟通不够。"}
    )
    assert resp.status_code == 302
    page = client.get("/reports/summary/" + q).content.decode()
    assert "（一）强化组织领导。" in page
    resp = client.get("/reports/summary.docx" + q)
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")


def test_summary_lists_b_replies_with_their_commitments(cast, replied):
    from .test_reports_summary import docx_text

    text = docx_text(services.summary_render(actor=cast.liaison_gx, session=cast.npc_session, org=cast.orgs.gx)[0])
    assert "2023年度市工业和信息化局办理结果类型列为“B类”的答复共1件，其中正在跟踪落实1件：" in text
    assert (
        "《关于20230001的建议》（20230001，市工业和信息化局），承诺事项：年底前出台扶持办法（2023年12月31日前，落实中）。"
        in text
    )
    assert "无承诺的事项因客观条件发生较大变化" in text
    # 商务局 has no B reply: the seeds' sentence.
    text = docx_text(services.summary_render(actor=cast.liaison_sw, session=cast.npc_session, org=cast.orgs.sw)[0])
    assert "2023年度市商务局无办理结果类型列为“B类”的答复，也无承诺的事项" in text


def test_unit_downloads_its_part_of_the_ledger(cast, replied, login):
    client = login(cast.liaison_gx)
    resp = client.get("/reports/ledger.xlsx", {"session": cast.npc_session.pk, "org": cast.orgs.gx.pk})
    rows = list(load_workbook(io.BytesIO(resp.content)).active.values)
    assert rows[0][0] == "编号" and [r[0] for r in rows[1:]] == ["20230001"]
    assert (
        client.get("/reports/ledger.xlsx", {"session": cast.npc_session.pk, "org": cast.orgs.sw.pk}).status_code == 404
    )
    assert AuditEvent.objects.filter(verb="ledger.export", actor=cast.liaison_gx).count() == 1


def test_archive_holds_summary_contacts_evaluations_followups_and_a_checksum_manifest(cast, replied):
    import hashlib
    import json

    from docx import Document

    from banli.handling import services as handling

    (b, a_reply), _fu = replied
    with f.on(dt.date(2023, 5, 10)):
        handling.contact_add(
            actor=cast.liaison_gx,
            assignment=b.assignment,
            on=dt.date(2023, 5, 10),
            stage="after",
            method="visit",
            participants="王代表",
            summary="上门走访，通报B类承诺事项进展。",
        )
    f.evaluated(cast, a_reply, day=dt.date(2023, 5, 20))
    content, _ = services.archive_export(actor=cast.staff_npc, session=cast.npc_session, org=None)
    zf = zipfile.ZipFile(io.BytesIO(content))
    names = set(zf.namelist())
    summary = next(n for n in names if n.startswith("办理工作总结_"))
    assert "建议办理工作的总结" in "".join(p.text for p in Document(io.BytesIO(zf.read(summary))).paragraphs)
    assert {"沟通联系记录.xlsx", "评价意见.xlsx", "B类跟踪进展.xlsx", "manifest.json", "SHA256SUMS"} <= names
    contacts = list(load_workbook(io.BytesIO(zf.read("沟通联系记录.xlsx"))).active.values)
    assert contacts[0][:3] == ("编号", "标题", "承办单位") and contacts[1][0] == "20230001"
    assert contacts[1][-1] == "上门走访，通报B类承诺事项进展。"
    evaluations = list(load_workbook(io.BytesIO(zf.read("评价意见.xlsx"))).active.values)
    assert evaluations[1][0] == "20230002" and evaluations[1][5] == "满意"
    manifest = json.loads(zf.read("manifest.json"))
    listed = {x["path"]: x["sha256"] for x in manifest["files"]}
    assert set(listed) == names - {"manifest.json", "SHA256SUMS"}
    for path, digest in listed.items():
        assert hashlib.sha256(zf.read(path)).hexdigest() == digest
    sums = zf.read("SHA256SUMS").decode().splitlines()
    assert sorted(sums) == sorted(f"{d}  {p}" for p, d in listed.items())
