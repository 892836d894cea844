"""The reply letter (答复函) as a .docx in the layout of GB/T 9704-2012 (SPEC §7).

`LetterData` holds everything printed; `build_reply_letter` only lays it out, so the layout can
be tested without a database and the service decides numbers, names and scope.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Pt

from banli.formatting import cn_date

from . import gbt9704 as g

THANKS = "感谢您对我们工作的关心和支持。"


@dataclass
class LetterData:
    issuer: str  # 发文机关标志, e.g. 深圳市工业和信息化局
    number: str  # 发文字号, e.g. 深工信函〔2023〕123号
    signer: str  # 签发人
    title: str  # 关于市七届人大四次会议第20230064号建议的答复
    addressee: str  # 王代表：
    proposal_title: str
    body: str
    unit_name: str  # 落款
    date: dt.date | None
    contact_name: str = ""
    contact_phone: str = ""
    result_class: str = ""
    cc: list[str] = field(default_factory=list)
    is_suggestion: bool = True


def reply_title(session_name: str, number: str, kind_word: str) -> str:
    return f"关于{session_name}第{number}号{kind_word}的答复"


def addressee_line(name: str, *, is_npc: bool, collective: bool) -> str:
    title = "代表" if is_npc else "委员"
    if collective or name.endswith(title):
        return f"{name}："
    return f"{name}{title}："


def opening(proposal_title: str) -> str:
    t = proposal_title.strip().strip("《》")
    return f"您提出的《{t}》收悉，现答复如下："


def body_paragraphs(text: str) -> list[str]:
    """The reply text as paragraphs: blank lines and leading full-width spaces removed."""
    parts = [re.sub(r"^[\s\u3000]+", "", line).rstrip() for line in (text or "").splitlines()]
    return [p for p in parts if p]


def build_reply_letter(data: LetterData) -> bytes:
    doc = g.new_document()
    section = doc.sections[0]
    g.hide_first_page_number(section)

    # Class mark in the top right corner of page 1, boxed, 3号黑体.
    if data.result_class:
        p = g.paragraph(doc, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=1)
        g.add_run(p, data.result_class, font=g.HEITI, bold=True, boxed=True)
    else:
        g.paragraph(doc)

    # 发文机关标志: red 小标宋, centred, shrunk to fit one line.
    issuer_size = min(30.0, (g.TEXT_W.pt - 10) / max(g.text_width(data.issuer), 1))
    g.paragraph(doc)
    g.paragraph(
        doc,
        data.issuer,
        font=g.XIAOBIAOSONG,
        size=Pt(issuer_size),
        color=g.RED,
        align=WD_ALIGN_PARAGRAPH.DISTRIBUTE if g.text_width(data.issuer) <= 8 else WD_ALIGN_PARAGRAPH.CENTER,
        exact_pt=max(issuer_size * 1.5, 40),
    )
    g.paragraph(doc)

    # 发文字号 left (空一字) and 签发人 right (空一字) on one line, above the red separator rule.
    p = g.paragraph(doc, align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=1)
    g.add_tab_stop(p, int(g.TEXT_W.twips - g.CHAR.twips - g.CHAR.twips), WD_TAB_ALIGNMENT.RIGHT)
    g.add_run(p, data.number)
    if data.signer:
        g.add_run(p, "\t签发人：")
        g.add_run(p, data.signer, font=g.KAITI)
    g.border(p, "bottom", color="E60012", size_eighths=12, space=12)

    # Title two lines under the last element of the 版头: 2号小标宋, centred.
    g.paragraph(doc)
    g.paragraph(doc)
    g.paragraph(doc, data.title, font=g.XIAOBIAOSONG, size=g.SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, exact_pt=35)
    g.paragraph(doc)

    # 主送 flush left, then the body with two-character first-line indents.
    g.paragraph(doc, data.addressee, align=WD_ALIGN_PARAGRAPH.LEFT)
    g.paragraph(doc, opening(data.proposal_title), first_indent_chars=2)
    paragraphs = body_paragraphs(data.body)
    for para in paragraphs:
        g.paragraph(doc, para, first_indent_chars=2)
    if not any("感谢" in para for para in paragraphs[-2:]):
        g.paragraph(doc, THANKS, first_indent_chars=2)

    # 落款 (no seal): one blank line, unit name 右空二字; the date below, its first character
    # two characters right of the name's (GB/T 9704 §7.3.5.2), or 右空二字 when longer.
    g.paragraph(doc)
    g.paragraph(doc)
    name_w = g.text_width(data.unit_name)
    date_text = cn_date(data.date)
    date_w = g.text_width(date_text)
    name_right = 2 + max(0, date_w + 2 - name_w - 2) if date_w > name_w else 2
    g.paragraph(doc, data.unit_name, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=name_right)
    date_right = max(2, name_right + name_w - 2 - date_w)
    g.paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=date_right)

    # 附注: contact person and phone, 居左空二字, in round brackets.
    if data.contact_name or data.contact_phone:
        parts = []
        if data.contact_name:
            parts.append(f"联系人：{data.contact_name}")
        if data.contact_phone:
            parts.append(f"电话：{data.contact_phone}")
        g.paragraph(doc, f"（{'，'.join(parts)}）", align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=2)

    # 版记: 抄送 between two rules, 4号仿宋, 左右各空一字.
    if data.cc:
        g.paragraph(doc)
        p = g.paragraph(
            doc,
            f"抄送：{'，'.join(data.cc)}。",
            size=g.SIZE_4,
            align=WD_ALIGN_PARAGRAPH.LEFT,
            left_chars=1,
            right_chars=1,
        )
        g.border(p, "top", size_eighths=8, space=4)
        g.border(p, "bottom", size_eighths=8, space=4)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
