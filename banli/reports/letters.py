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
    addressee: str  # 王代表： (every proposer of a joint or merged proposal: 王代表、李代表：)
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


def opening(proposal_title: str, *, plural: bool = False) -> str:
    t = proposal_title.strip().strip("《》")
    return f"{'你们' if plural else '您'}提出的《{t}》收悉，现答复如下："


def addressees_line(lines: list[str]) -> str:
    """主送 naming every proposer: “王一代表、李二代表：”."""
    names = [x.rstrip("：:") for x in lines if x]
    return "、".join(names) + "："


# Where a reply title may break: after these words, or before these (never inside a word or a
# number). GB/T 9704 §7.3.3: a long title is set on lines of sensible length, broken between words.
BREAK_AFTER = ("会议", "的", "关于", "建议", "提案", "议案")
BREAK_BEFORE = ("关于", "第", "的答复", "答复")
TITLE_CHARS = 20  # 2号 (22 pt) characters on a 156 mm line, with the run spacing of the grid


def title_lines(title: str, max_chars: float = TITLE_CHARS) -> list[str]:
    """The title as lines of at most `max_chars`, broken only between words, the lines as even as
    the word breaks allow (a long first line over a short last one, never one word alone)."""
    if g.text_width(title) <= max_chars:
        return [title]
    cuts = set()
    for i in range(1, len(title)):
        head, tail = title[:i], title[i:]
        if head[-1].isdigit() and tail[0].isdigit():
            continue
        if any(head.endswith(w) for w in BREAK_AFTER) or any(tail.startswith(w) for w in BREAK_BEFORE):
            cuts.add(i)
    best = None
    for i in sorted(cuts):
        head, tail = title[:i], title[i:]
        if g.text_width(head) > max_chars:
            continue
        rest = title_lines(tail, max_chars) if g.text_width(tail) > max_chars else [tail]
        lines = [head, *rest]
        if any(g.text_width(x) > max_chars for x in lines):
            continue
        widths = [g.text_width(x) for x in lines]
        # fewer lines first, then the most even; a trapezoid (the first line not the longest)
        score = (len(lines), max(widths) - min(widths), widths[0] > widths[-1])
        if best is None or score < best[0]:
            best = (score, lines)
    if best is None:  # no word break fits: cut at the width, still never inside a number
        i = len(title)
        while g.text_width(title[:i]) > max_chars or (title[i - 1].isdigit() and title[i : i + 1].isdigit()):
            i -= 1
        return [title[:i], *title_lines(title[i:], max_chars)]
    return best[1]


def starts_with_greeting(paragraphs: list[str], names: list[str]) -> bool:
    """The clerk's text already opens with the 主送 line (“王代表：”, “尊敬的王代表：”)."""
    if not paragraphs:
        return False
    first = paragraphs[0]
    short = len(first) <= 40 and first.endswith(("：", ":"))
    return short and (
        first.startswith("尊敬的") or any(n and n in first for n in names) or "代表" in first or "委员" in first
    )


def starts_with_opening(paragraphs: list[str]) -> bool:
    """The clerk's text already says the proposal was received (“……收悉，现答复如下”)."""
    return any("收悉" in p[:200] for p in paragraphs[:2])


PHONE = re.compile(r"(?<![\d-])(?:\d{3,4}-)?\d{7,8}(?:-\d{1,5})?(?![\d-])|1[3-9]\d{9}")


def keep_phones_whole(text: str) -> str:
    """Phone numbers never break across lines: their hyphens become non-breaking (U+2011)."""
    return PHONE.sub(lambda m: m.group(0).replace("-", "\u2011"), text)


def body_paragraphs(text: str) -> list[str]:
    """The reply text as paragraphs: blank lines and leading full-width spaces removed."""
    parts = [re.sub(r"^[\s\u3000]+", "", line).rstrip() for line in (text or "").splitlines()]
    return [p for p in parts if p]


def build_reply_letter(data: LetterData) -> bytes:
    doc = g.new_document()
    g.set_core_properties(doc, title=data.title, author=data.unit_name, subject=data.proposal_title, on=data.date)

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

    # 发文字号 left (空一字) and 签发人 right (空一字) on one line, above the red separator rule; a
    # long number and name get a smaller size rather than a second line.
    width = 1 + g.text_width(data.number) + 2 + (g.text_width("签发人：" + data.signer) if data.signer else 0) + 1
    size = g.SIZE_3 if width <= g.CHARS_PER_LINE else Pt(int(16 * g.CHARS_PER_LINE / width))
    p = g.paragraph(doc, align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=1)
    g.add_tab_stop(p, int(g.TEXT_W.twips - g.CHAR.twips - g.CHAR.twips), WD_TAB_ALIGNMENT.RIGHT)
    g.add_run(p, data.number, size=size)
    if data.signer:
        g.add_run(p, "\t签发人：", size=size)
        g.add_run(p, data.signer, font=g.KAITI, size=size)
    g.border(p, "bottom", color="E60012", size_eighths=12, space=12)

    # Title two lines under the last element of the 版头: 2号小标宋, centred, broken between words.
    g.paragraph(doc)
    g.paragraph(doc)
    p = g.paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, exact_pt=35)
    lines = title_lines(data.title)
    for i, line in enumerate(lines):
        run = g.add_run(p, line, font=g.XIAOBIAOSONG, size=g.SIZE_2)
        if i < len(lines) - 1:
            run.add_break()
    g.paragraph(doc)

    # 主送 flush left, then the body with two-character first-line indents; the greeting and the
    # opening only when the clerk's text does not already start with them.
    paragraphs = [keep_phones_whole(x) for x in body_paragraphs(data.body)]
    names = [x.rstrip("：:").removesuffix("代表").removesuffix("委员") for x in data.addressee.split("、")]
    if not starts_with_greeting(paragraphs, names):
        g.paragraph(doc, data.addressee, align=WD_ALIGN_PARAGRAPH.LEFT)
    if not starts_with_opening(paragraphs):
        g.paragraph(doc, opening(data.proposal_title, plural="、" in data.addressee), first_indent_chars=2)
    for i, para in enumerate(paragraphs):
        greeting = i == 0 and starts_with_greeting(paragraphs, names)
        g.paragraph(
            doc,
            para,
            first_indent_chars=0 if greeting else 2,
            align=WD_ALIGN_PARAGRAPH.LEFT if greeting else WD_ALIGN_PARAGRAPH.JUSTIFY,
        )
    if not any("感谢" in para for para in paragraphs[-2:]):
        g.paragraph(doc, THANKS, first_indent_chars=2)

    # 落款 (no seal): one blank line, unit name 右空二字; the date below, its first character
    # two characters right of the name's (GB/T 9704 §7.3.5.2), or 右空二字 when longer. Kept with
    # the last body lines, so the 落款 never stands alone on a page.
    g.keep_with_next(doc.paragraphs[-1])
    g.keep_with_next(g.paragraph(doc))
    name_w = g.text_width(data.unit_name)
    date_text = cn_date(data.date)
    date_w = g.text_width(date_text)
    name_right = 2 + max(0, date_w + 2 - name_w - 2) if date_w > name_w else 2
    g.keep_with_next(g.paragraph(doc, data.unit_name, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=name_right))
    date_right = max(2, name_right + name_w - 2 - date_w)
    date_p = g.paragraph(doc, date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=date_right)

    # 附注: contact person and phone, 居左空二字, in round brackets; on two lines rather than a
    # phone number broken across them.
    if data.contact_name or data.contact_phone:
        g.keep_with_next(date_p)
        parts = []
        if data.contact_name:
            parts.append(f"联系人：{data.contact_name}")
        if data.contact_phone:
            parts.append(f"电话：{keep_phones_whole(data.contact_phone)}")
        line = f"（{'，'.join(parts)}）"
        if g.text_width(line) <= g.CHARS_PER_LINE - 2 or len(parts) == 1:
            g.paragraph(doc, line, align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=2)
        else:
            p = g.paragraph(doc, align=WD_ALIGN_PARAGRAPH.LEFT, left_chars=2)
            g.add_run(p, f"（{parts[0]}，").add_break()
            g.add_run(p, f"{parts[1]}）")

    # 版记: 抄送 between two rules, 4号仿宋, 左右各空一字, at the foot of the last page (a frame
    # anchored to the bottom of the 版心, GB/T 9704 §7.4.1).
    if data.cc:
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
        g.at_page_foot(p)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
