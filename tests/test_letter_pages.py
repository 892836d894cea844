"""The 发文字号 and the letter on the case page: the leader sees the number 签发 will give and can
preview the PDF before signing; after 签发 the number is on the page and in every format; a wrong
number is voided and reissued from the page; outsiders get 404."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.urls import reverse

from banli.cases.models import AssignmentRole as R
from banli.handling import services as handling
from banli.handling.models import LetterNumber

from . import factories as f


@pytest.fixture
def in_review(cast):
    p = f.accepted(cast, title="关于完善产业园区配套的建议", number="20230101")
    a = f.assigned(cast, p, units=[(cast.orgs.gx, R.SOLE)])
    return f.submitted(cast, a, text="一、关于园区道路。已列入年度计划。\n联系人电话：0755-88101234。")


def _case(client, reply) -> str:
    resp = client.get(reverse("cases:detail", args=[reply.assignment.proposal_id]))
    assert resp.status_code == 200
    return resp.content.decode()


def test_leader_sees_the_number_before_signing_and_on_the_page_after(cast, in_review, login):
    year = handling.today().year
    page = _case(login(cast.leader_gx), in_review)
    assert f"签发后将编号为 <strong>工业函〔{year}〕1号</strong>" in page
    assert reverse("reports:reply_letter_pdf", args=[in_review.pk]) + "?inline=1" in page
    assert "签发后将编号为" not in _case(login(cast.liaison_gx), in_review)
    handling.reply_approve(actor=cast.leader_gx, reply=in_review)
    page = _case(login(cast.liaison_gx), in_review)
    assert f'发文字号 <span class="letter-no">工业函〔{year}〕1号</span>' in page
    assert reverse("reports:reply_letter_ofd", args=[in_review.pk]) in page


def test_letter_downloads_in_three_formats_for_the_unit_and_404_for_outsiders(cast, in_review, login):
    handling.reply_approve(actor=cast.leader_gx, reply=in_review)
    client = login(cast.liaison_gx)
    docx = client.get(reverse("reports:reply_letter", args=[in_review.pk]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    ofd = client.get(reverse("reports:reply_letter_ofd", args=[in_review.pk]))
    assert ofd.status_code == 200 and ofd["Content-Type"] == "application/ofd" and ofd.content[:2] == b"PK"
    if shutil.which("soffice"):
        pdf = client.get(reverse("reports:reply_letter_pdf", args=[in_review.pk]) + "?inline=1")
        assert (
            pdf.status_code == 200 and pdf.content[:5] == b"%PDF-" and pdf["Content-Disposition"].startswith("inline")
        )
    for who in (cast.outsider, cast.liaison_sw):
        assert login(who).get(reverse("reports:reply_letter_ofd", args=[in_review.pk])).status_code == 404
    assert LetterNumber.objects.count() == 1  # downloads gave no number


def test_leader_voids_and_reissues_from_the_case_page(cast, in_review, login):
    handling.reply_approve(actor=cast.leader_gx, reply=in_review)
    client = login(cast.leader_gx)
    assert "作废并重新编号" in _case(client, in_review)
    url = reverse("handling:letter_number_reissue", args=[in_review.pk])
    client.post(url, {"reason": ""})
    assert LetterNumber.objects.filter(voided_at__isnull=False).count() == 0
    assert client.post(url, {"reason": "编号重复"}).status_code == 302
    assert LetterNumber.objects.filter(voided_at__isnull=False, void_reason="编号重复").count() == 1
    year = handling.today().year
    assert f'<span class="letter-no">工业函〔{year}〕2号</span>' in _case(client, in_review)
    assert login(cast.liaison_gx).post(url, {"reason": "x"}).status_code in (403, 404)
    assert LetterNumber.objects.count() == 2


def test_cli_picks_the_format_by_extension(cast, in_review, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    handling.reply_approve(actor=cast.leader_gx, reply=in_review)
    f.sent(cast, in_review, day=dt.date.today())
    out = tmp_path / "l.ofd"
    call_command(
        "report", "reply-letter", "--assignment", str(in_review.assignment_id), "-o", str(out), stdout=StringIO()
    )
    assert out.read_bytes()[:2] == b"PK" and b"OFD.xml" in out.read_bytes()
    with pytest.raises(CommandError, match=r"\.docx、\.pdf 或 \.ofd"):
        call_command(
            "report", "reply-letter", "--assignment", str(in_review.assignment_id), "-o", str(tmp_path / "l.txt")
        )
