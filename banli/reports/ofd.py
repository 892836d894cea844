"""The reply letter as OFD (GB/T 33190-2016), the format document exchange systems expect.

Written directly, without a library: OFD.xml → Doc_0/Document.xml → PublicRes.xml (the fonts, by
the names Chinese offices use: 仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 黑体) → one
Pages/Page_N/Content.xml per page, whose TextObjects are placed by our own layout of the GB/T 9704
page: 156 × 225 mm 版心, 22 lines of 28 characters, “— N —” page numbers, 抄送 at the foot of
the last page. Units are millimetres, as OFD wants.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from banli.formatting import cn_date

from . import letters as L
from .gbt9704 import CHARS_PER_LINE, LINES_PER_PAGE, text_width

NS = "http://www.ofdspec.org/2016"
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, TOP, TEXT_W, TEXT_H = 28.0, 37.0, 156.0, 225.0
PITCH = TEXT_H / LINES_PER_PAGE  # 10.23 mm a line
CHAR = TEXT_W / CHARS_PER_LINE  # 5.57 mm a 3号 character on the grid
PT = 25.4 / 72
FONTS = {"fang": (1, "仿宋_GB2312", "仿宋"), "song": (2, "方正小标宋简体", "宋体"), "kai": (3, "楷体_GB2312", "楷体")}
FONTS["hei"] = (4, "黑体", "黑体")
NO_LINE_START = "，。、；：？！）》”’〕】…%"


@dataclass
class Line:
    text: str
    font: str = "fang"
    size: float = 16  # pt
    x: float = 0  # mm from the left of the 版心 (after alignment)
    lines: float = 1  # grid lines taken
    color: str = "0 0 0"
    rule_below: str = ""  # a colour: the red separator under the 版头
    keep: bool = False  # keep with the next line (the 落款 with the body's last line)


def _wrap(text: str, first_indent: float, width_chars: float) -> list[tuple[float, str]]:
    """Greedy line breaking on the character grid; no line starts with closing punctuation and a
    phone number or other digit run is never split."""
    out, cur, indent = [], "", first_indent
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (text[j].isdigit() or text[j] in ".-\u2011,") and text[i].isdigit():
            j += 1
        token = text[i:j]
        if cur and indent + text_width(cur + token) > width_chars:
            if token[0] in NO_LINE_START and len(cur) > 1:
                token, cur = cur[-1] + token, cur[:-1]
            out.append((indent, cur))
            cur, indent = "", 0
        cur += token
        i = j
    if cur or not out:
        out.append((indent, cur))
    return out


def _body(text: str, indent_chars: float = 2) -> list[Line]:
    return [Line(t, x=ind * CHAR) for ind, t in _wrap(text, indent_chars, CHARS_PER_LINE)]


def _right(text: str, right_chars: float, **kw) -> Line:
    return Line(text, x=TEXT_W - (right_chars + text_width(text)) * CHAR, **kw)


def letter_lines(data: L.LetterData) -> tuple[list[Line], list[Line]]:
    """The letter's lines in order, and the 版记 lines for the foot of the last page."""
    out: list[Line] = []
    if data.result_class:
        out.append(_right(data.result_class, 1, font="hei"))
    else:
        out.append(Line(""))
    out.append(Line(""))
    issuer_pt = min(30.0, (TEXT_W / PT - 10) / max(text_width(data.issuer), 1))
    w = text_width(data.issuer) * issuer_pt * PT
    out.append(Line(data.issuer, font="song", size=issuer_pt, x=(TEXT_W - w) / 2, lines=1.5, color="230 0 18"))
    out.append(Line(""))
    signer = f"签发人：{data.signer}" if data.signer else ""
    if signer:  # on the number's line: takes no line of its own
        out.append(_right(signer, 1, font="kai", lines=0, keep=True))
    out.append(Line(data.number, x=CHAR, rule_below="230 0 18"))
    out += [Line(""), Line("")]
    for t in L.title_lines(data.title):
        w = text_width(t) * 22 * PT
        out.append(Line(t, font="song", size=22, x=(TEXT_W - w) / 2, lines=35 / 28.95))
    out.append(Line(""))
    paragraphs = [L.keep_phones_whole(x) for x in L.body_paragraphs(data.body)]
    names = [x.rstrip("：:").removesuffix("代表").removesuffix("委员") for x in data.addressee.split("、")]
    greeted = L.starts_with_greeting(paragraphs, names)
    if not greeted:
        out += _body(data.addressee, 0)
    if not L.starts_with_opening(paragraphs):
        out += _body(L.opening(data.proposal_title, plural="、" in data.addressee))
    for i, para in enumerate(paragraphs):
        out += _body(para, 0 if (i == 0 and greeted) else 2)
    if not any("感谢" in p for p in paragraphs[-2:]):
        out += _body(L.THANKS)
    out[-1].keep = True
    out.append(Line("", keep=True))
    date_text = cn_date(data.date)
    name_w, date_w = text_width(data.unit_name), text_width(date_text)
    name_right = 2 + max(0, date_w - name_w) if date_w > name_w else 2
    out.append(_right(data.unit_name, name_right, keep=True))
    out.append(_right(date_text, max(2, name_right + name_w - 2 - date_w)))
    if data.contact_name or data.contact_phone:
        out[-1].keep = True
        parts = [f"联系人：{data.contact_name}"] if data.contact_name else []
        parts += [f"电话：{data.contact_phone}"] if data.contact_phone else []
        line = f"（{'，'.join(parts)}）"
        if text_width(line) <= CHARS_PER_LINE - 2 or len(parts) == 1:
            out.append(Line(line, x=2 * CHAR))
        else:
            out += [Line(f"（{parts[0]}，", x=2 * CHAR, keep=True), Line(f"{parts[1]}）", x=2 * CHAR)]
    foot = [Line(f"抄送：{'，'.join(data.cc)}。", size=14, x=CHAR)] if data.cc else []
    return out, foot


def _paginate(lines: list[Line], foot: list[Line]) -> list[list[tuple[float, Line]]]:
    """Lines onto pages (top offset in grid lines); a kept line moves with the next one, and the
    last page keeps room at its foot for the 版记."""
    pages, page, used = [], [], 0.0
    i = 0
    while i < len(lines):
        j = i
        while lines[j].keep and j + 1 < len(lines):
            j += 1
        group = lines[i : j + 1]
        need = sum(x.lines for x in group)
        if used + need > LINES_PER_PAGE + 1e-6 and page:
            pages.append(page)
            page, used = [], 0.0
        for x in group:
            page.append((used, x))
            used += x.lines
        i = j + 1
    if foot and used + len(foot) + 1 > LINES_PER_PAGE:
        pages.append(page)
        page = []
    pages.append(page)
    return pages


def _text_object(oid: int, x: float, y: float, line: Line) -> str:
    fid = FONTS[line.font][0]
    size = line.size * PT
    deltas = " ".join(
        f"{(0.5 if ord(c) < 0x2E80 else 1) * (CHAR if line.size == 16 else size):.3f}" for c in line.text[:-1]
    )
    width = text_width(line.text) * (CHAR if line.size == 16 else size)
    return (
        f'<ofd:TextObject ID="{oid}" Boundary="{x:.3f} {y:.3f} {max(width, 1):.3f} {size * 1.4:.3f}" '
        f'Font="{fid}" Size="{size:.3f}"><ofd:FillColor Value="{line.color}"/>'
        f'<ofd:TextCode X="0" Y="{size:.3f}"'
        + (f' DeltaX="{deltas}"' if deltas else "")
        + f">{escape(line.text)}</ofd:TextCode>"
        "</ofd:TextObject>"
    )


def _rule(oid: int, x: float, y: float, w: float, color: str, width: float = 0.35) -> str:
    return (
        f'<ofd:PathObject ID="{oid}" Boundary="{x:.3f} {y:.3f} {w:.3f} 1" LineWidth="{width}">'
        f'<ofd:StrokeColor Value="{color}"/><ofd:AbbreviatedData>M 0 0 L {w:.3f} 0</ofd:AbbreviatedData>'
        "</ofd:PathObject>"
    )


def build_reply_letter_ofd(data: L.LetterData) -> bytes:
    lines, foot = letter_lines(data)
    pages = _paginate(lines, foot)
    oid = 10
    contents = []
    for n, page in enumerate(pages, start=1):
        objs = []
        for top, line in page:
            y = TOP + top * PITCH + (PITCH - line.size * PT * 1.4) / 2
            if line.text:
                oid += 1
                objs.append(_text_object(oid, LEFT + line.x, y, line))
            if line.rule_below:
                oid += 1
                objs.append(_rule(oid, LEFT, TOP + (top + line.lines) * PITCH, TEXT_W, line.rule_below, 0.6))
        if n == len(pages) and foot:
            y0 = TOP + TEXT_H - len(foot) * PITCH
            oid += 1
            objs.append(_rule(oid, LEFT, y0, TEXT_W, "0 0 0"))
            for k, line in enumerate(foot):
                oid += 1
                objs.append(_text_object(oid, LEFT + line.x, y0 + k * PITCH + 2, line))
            oid += 1
            objs.append(_rule(oid, LEFT, TOP + TEXT_H, TEXT_W, "0 0 0"))
        num = Line(f"— {n} —", font="song", size=14)
        w = text_width(num.text) * 14 * PT
        x = LEFT + TEXT_W - CHAR - w if n % 2 else LEFT + CHAR
        oid += 1
        objs.append(_text_object(oid, x, TOP + TEXT_H + 7, num))
        oid += 1
        contents.append(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
            f'<ofd:Layer ID="{oid}">' + "".join(objs) + "</ofd:Layer></ofd:Content></ofd:Page>"
        )
    page_ids = list(range(oid + 1, oid + 1 + len(pages)))
    fonts = "".join(
        f'<ofd:Font ID="{fid}" FontName={quoteattr(name)} FamilyName={quoteattr(family)}/>'
        for fid, name, family in FONTS.values()
    )
    on = data.date or dt.date.today()
    files = {
        "OFD.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">'
            f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>{uuid.uuid4().hex}</ofd:DocID>"
            f"<ofd:Title>{escape(data.title)}</ofd:Title><ofd:Author>{escape(data.unit_name)}</ofd:Author>"
            f"<ofd:CreationDate>{on.isoformat()}</ofd:CreationDate><ofd:Creator>Banli</ofd:Creator></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
        ),
        "Doc_0/Document.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
            f"<ofd:MaxUnitID>{page_ids[-1]}</ofd:MaxUnitID>"
            f"<ofd:PageArea><ofd:PhysicalBox>0 0 {PAGE_W:g} {PAGE_H:g}</ofd:PhysicalBox></ofd:PageArea>"
            "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>"
            + "".join(f'<ofd:Page ID="{pid}" BaseLoc="Pages/Page_{k}/Content.xml"/>' for k, pid in enumerate(page_ids))
            + "</ofd:Pages></ofd:Document>"
        ),
        "Doc_0/PublicRes.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">'
            f"<ofd:Fonts>{fonts}</ofd:Fonts></ofd:Res>"
        ),
    }
    for k, xml in enumerate(contents):
        files[f"Doc_0/Pages/Page_{k}/Content.xml"] = xml
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in files.items():
            z.writestr(name, xml)
    return out.getvalue()
