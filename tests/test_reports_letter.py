"""The reply letter (答复函): GB/T 9704 layout, content from the reply, scope and audit."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from docx import Document
from docx.oxml.ns import qn

from banli.audit.models import AuditEvent
from banli.cases.models import AssignmentRole as R
from banli.errors import DomainError, NotFound
from banli.handling import services as handling
from banli.handling.models import LetterNumber, UnitDocSettings
from banli.reports import services

from . import factories as f

BODY = (
    "经认真研究，现就有关问题答复如下。\n一、关于政策体系。我市已出台系列政策文件，构建较为完善的政策体系。\n"
    "二、关于基础设施。我局将继续推进千兆光网和算力基础设施建设。"
)


@pytest.fixture
def sent(cast):
    p = f.accepted(cast, title="关于加快我市数字经济高质量发展的建议", number="20230064", day=dt.date(2023, 2, 20))
    a = f.assigned(cast, p, units=[(cast.orgs.gx, R.SOLE)], day=dt.date(2023, 3, 20))
    return f.sent(
        cast,
        a,
        day=dt.date(2023, 6, 20),
        text=BODY,
        signer="张三",
        contact_name="李四",
        contact_phone="0755-88888888",
    )


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


@pytest.fixture
def gx_doc_settings(cast):
    return UnitDocSettings.objects.create(unit=cast.orgs.gx, issuer="深圳市工业和信息化局", letter_prefix="深工信函")


def test_letter_has_the_official_document_elements(cast, gx_doc_settings, sent):
    content, name = services.reply_letter_render(actor=cast.liaison_gx, reply=sent)
    text = _text(content)
    assert name == "答复函_20230064_市工业和信息化局_1.docx"
    for expected in (
        "深圳市工业和信息化局",
        "深工信函〔2023〕1号",
        "签发人：张三",
        "关于市七届人大四次会议\n第20230064号建议的答复",  # broken between words
        "王代表：",
        "您提出的《关于加快我市数字经济高质量发展的建议》收悉，现答复如下：",
        "二、关于基础设施。",
        "感谢您对我们工作的关心和支持。",
        "2023年6月20日",
        "（联系人：李四，电话：0755\u201188888888）",
        "抄送：市人大常委会选联任工委，市政府办公厅。",
    ):
        assert expected in text, expected
    assert text.splitlines()[0] == "A"  # class mark first, top right
    assert text.count("深圳市工业和信息化局") == 2  # 发文机关标志 and 落款
    assert (
        text.index("签发人")
        < text.index("关于市七届")
        < text.index("王代表：")
        < text.index("2023年6月20日")
        < text.index("抄送")
    )
    assert AuditEvent.objects.filter(
        verb="reply.letter_download", actor=cast.liaison_gx, assignment_id=sent.assignment_id
    ).exists()


def test_letter_page_fonts_and_grid_follow_gbt_9704(cast, sent):
    doc = Document(io.BytesIO(services.reply_letter_render(actor=cast.liaison_gx, reply=sent)[0]))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [
        37,
        35,
        28,
        26,
    ]
    grid = sec._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"
    normal = doc.styles["Normal"]
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert normal.font.size.pt == 16
    title = next(p for p in doc.paragraphs if p.text.startswith("关于市七届"))
    assert title.runs[0].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert title.runs[0].font.size.pt == 22
    issuer = next(p for p in doc.paragraphs if p.text == "市工业和信息化局")
    assert str(issuer.runs[0].font.color.rgb) == "E60012"
    footer_xml = sec.footer._element.xml
    assert "PAGE" in footer_xml and "— " in footer_xml and not sec.different_first_page_header_footer


def test_letter_number_is_given_at_sign_off_and_downloads_never_give_one(cast, sent):
    assert [str(n) for n in LetterNumber.objects.all()] == ["工业函〔2023〕1号"]
    assert AuditEvent.objects.filter(verb="reply.approve", summary__contains="工业函〔2023〕1号").exists()
    services.reply_letter_render(actor=cast.liaison_gx, reply=sent)
    services.reply_letter_render(actor=cast.deputy_user, reply=sent)
    a = f.rehandling(cast, sent, day=dt.date(2023, 6, 25))
    second = f.sent(cast, a, day=dt.date(2023, 9, 1), text="再次答复")
    assert second.seq == 2
    assert [str(n) for n in LetterNumber.objects.order_by("id")] == ["工业函〔2023〕1号", "工业函〔2023〕2号"]
    assert "工业函〔2023〕2号" in _text(services.reply_letter_render(actor=cast.liaison_gx, reply=second)[0])


def test_prefix_set_after_the_first_number_applies_to_the_next_sign_off(cast, sent):
    services.unit_doc_settings_save(actor=cast.liaison_gx, unit=cast.orgs.gx, letter_prefix="深工信函")
    assert "工业函〔2023〕1号" in _text(services.reply_letter_render(actor=cast.liaison_gx, reply=sent)[0])
    second = f.sent(cast, f.rehandling(cast, sent, day=dt.date(2023, 6, 25)), day=dt.date(2023, 9, 1), text="再次")
    assert "深工信函〔2023〕1号" in _text(services.reply_letter_render(actor=cast.liaison_gx, reply=second)[0])


def test_wrong_number_is_voided_and_reissued_with_a_reason_both_audited(cast, sent):
    with pytest.raises(DomainError, match="作废原因"):
        handling.letter_number_reissue(actor=cast.leader_gx, reply=sent, reason=" ")
    with pytest.raises(DomainError):
        handling.letter_number_reissue(actor=cast.liaison_gx, reply=sent, reason="编号重复")
    assert LetterNumber.objects.count() == 1
    new = handling.letter_number_reissue(actor=cast.leader_gx, reply=sent, reason="编号重复")
    assert (new.year, new.seq) == (handling.today().year, 1) and new.pk != LetterNumber.objects.first().pk
    old = LetterNumber.objects.get(voided_at__isnull=False)
    assert old.void_reason == "编号重复" and old.voided_by == cast.leader_gx
    assert str(new) in _text(services.reply_letter_render(actor=cast.liaison_gx, reply=sent)[0])
    assert AuditEvent.objects.filter(verb="reply.letter_number_void", summary__contains="编号重复").exists()
    assert AuditEvent.objects.filter(verb="reply.letter_number_reissue", summary__contains=str(new)).exists()


def test_proposer_downloads_own_letter_and_others_get_not_found(cast, sent, login):
    assert login(cast.deputy_user).get(f"/reports/replies/{sent.pk}/letter.docx").status_code == 200
    for who in ("outsider", "liaison_sw", "member_user", "auditor"):
        resp = login(getattr(cast, who)).get(f"/reports/replies/{sent.pk}/letter.docx")
        assert resp.status_code == 404, who
    with pytest.raises(NotFound):
        services.reply_letter_render(actor=cast.liaison_sw, reply=sent)
    assert not AuditEvent.objects.filter(
        verb="reply.letter_download", actor__in=[cast.liaison_sw, cast.outsider]
    ).exists()


def test_unsent_reply_is_a_preview_for_the_unit_only(cast, sent):
    draft = f.drafted(cast, f.rehandling(cast, sent, day=dt.date(2023, 6, 25)), result_class="B", text="草稿")
    content, _ = services.reply_letter_render(actor=cast.liaison_gx, reply=draft)
    assert "（发文字号签发后生成）" in _text(content)
    assert not LetterNumber.objects.filter(reply=draft).exists()
    with pytest.raises(NotFound):
        services.reply_letter_render(actor=cast.deputy_user, reply=draft)


def test_cli_writes_the_latest_sent_letter(cast, sent, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = tmp_path / "l.docx"
    call_command("report", "reply-letter", "--assignment", str(sent.assignment_id), "-o", str(out), stdout=StringIO())
    assert "王代表：" in _text(out.read_bytes())
    with pytest.raises(CommandError, match="找不到交办记录"):
        call_command("report", "reply-letter", "--assignment", "999999", "-o", str(out))


def test_doc_settings_are_for_the_units_own_people(cast):
    services.unit_doc_settings_save(actor=cast.liaison_gx, unit=cast.orgs.gx, letter_prefix="深工信函")
    with pytest.raises(DomainError, match="只填机关代字"):
        services.unit_doc_settings_save(actor=cast.liaison_gx, unit=cast.orgs.gx, letter_prefix="深工信函〔2023〕")
    with pytest.raises(NotFound):
        services.unit_doc_settings_save(actor=cast.liaison_sw, unit=cast.orgs.gx, letter_prefix="X函")
    assert UnitDocSettings.objects.get(unit=cast.orgs.gx).letter_prefix == "深工信函"


def test_letter_renders_as_a4_with_22_lines_of_28_characters(cast, sent):
    """Converted by LibreOffice: an A4 page whose full body page has 22 lines of 28 characters."""
    for tool in ("soffice", "pdftotext"):
        assert shutil.which(tool), f"{tool} is missing: the Makefile failed to install LibreOffice / poppler-utils"
    from banli.reports.render import docx_to_pdf

    sent.text = "\n".join(["测试正文" * 40] * 12)
    sent.save()
    pdf = docx_to_pdf(services.reply_letter_render(actor=cast.liaison_gx, reply=sent)[0])
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "595.3" in info and "841.8" in info  # A4 in points
    page2 = subprocess.run(
        ["pdftotext", "-f", "2", "-l", "2", "-layout", "-", "-"], input=pdf, capture_output=True
    ).stdout.decode()
    lines = [line.strip() for line in page2.splitlines() if line.strip() and "—" not in line]
    assert len(lines) == 22
    assert max(len(line.replace(" ", "")) for line in lines) == 28


def test_doc_settings_page_saves_for_the_liaison_only(cast, login):
    client = login(cast.liaison_gx)
    assert client.get("/reports/doc-settings/").status_code == 200
    assert (
        client.post("/reports/doc-settings/", {"issuer": "", "letter_prefix": "深工信函", "cc": ""}).status_code == 302
    )
    assert UnitDocSettings.objects.get(unit=cast.orgs.gx).letter_prefix == "深工信函"
    bad = client.post("/reports/doc-settings/", {"letter_prefix": "深工信函〔2023〕1号"})
    assert "只填机关代字" in bad.content.decode()
    assert login(cast.handler_gx).get("/reports/doc-settings/").status_code == 403


def test_cosigner_gets_the_letter_in_their_own_name(cast, sent):
    p = sent.assignment.proposal
    p.cosigners.add(cast.cosigner)
    text = _text(services.reply_letter_render(actor=cast.cosigner_user, reply=sent)[0])
    assert "李代表：" in text and "王代表：" not in text
    text = _text(services.reply_letter_render(actor=cast.liaison_gx, reply=sent, addressee_id=cast.cosigner.pk)[0])
    assert "李代表：" in text
    with pytest.raises(NotFound):
        services.reply_letter_render(actor=cast.liaison_gx, reply=sent, addressee_id=cast.outsider_proposer.pk)


def test_cppcc_letter_says_proposal_and_member(cast):
    p = f.accepted(cast, member=True, title="关于推动时尚品牌出海的提案", number="20240080", day=dt.date(2024, 1, 10))
    a = f.assigned(cast, p, units=[(cast.orgs.sw, R.LEAD)], day=dt.date(2024, 3, 1))
    r = f.sent(cast, a, day=dt.date(2024, 6, 3), result_class="B", text="正在推进。")
    text = _text(services.reply_letter_render(actor=cast.leader_sw, reply=r)[0])
    assert "关于市政协七届四次会议\n第20240080号提案的答复" in text
    assert "陈委员：" in text and "2024年6月3日" in text
    assert "抄送：市政协提案委员会，市政府办公厅。" in text
