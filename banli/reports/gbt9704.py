"""Page, fonts and grid of Chinese official documents (GB/T 9704-2012), on python-docx.

The measures that make a page look like a 公文: A4; margins top 37 mm, bottom 35 mm, left 28 mm,
right 26 mm (a 156 × 225 mm 版心); 3号仿宋 body on a grid of 22 lines × 28 characters; 2号小标宋
titles; page numbers “— 1 —” in 4号 below the 版心, right on odd pages and left on even pages.

Fonts are named as a Chinese office has them (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312) with
`w:altName` fallbacks in the font table, so a machine without them (LibreOffice with Noto CJK)
still renders a serif body and a bold title.
"""

from __future__ import annotations

import datetime as dt

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor, Twips

FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
LATIN = "Times New Roman"

# name → alternative names tried by Word / LibreOffice when the font is missing.
FALLBACKS = {
    FANGSONG: "仿宋,FangSong,STFangsong,Noto Serif CJK SC",
    XIAOBIAOSONG: "小标宋,方正小标宋_GBK,华文中宋,STZhongsong,Noto Serif CJK SC",
    HEITI: "SimHei,Noto Sans CJK SC",
    KAITI: "楷体,KaiTi,STKaiti,Noto Serif CJK SC",
    SONGTI: "SimSun,Noto Serif CJK SC",
}

SIZE_2 = Pt(22)  # 2号: titles
SIZE_3 = Pt(16)  # 3号: body
SIZE_4 = Pt(14)  # 4号: page numbers, 版记

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_W = Emu(PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)  # 156 mm
TEXT_H = Emu(PAGE_H - MARGIN_TOP - MARGIN_BOTTOM)  # 225 mm
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
# 225 mm / 22 lines = 28.95 pt a line; 156 mm / 28 = 15.79 pt a character.
LINE_PITCH_TWIPS = int(TEXT_H.twips / LINES_PER_PAGE)  # 579
CHAR_PITCH_PT = TEXT_W.pt / CHARS_PER_LINE
CHAR = Twips(round(CHAR_PITCH_PT * 20))  # one character of the grid
CHAR_TIGHTEN = -5  # w:spacing of every run, in 1/20 pt: 16 − 0.25 = 15.75 pt ≤ 15.79 pt
RED = RGBColor(0xE6, 0x00, 0x12)


# The children of w:pPr in the order CT_PPr requires (ECMA-376 §17.3.1.26); an element inserted
# into a paragraph's properties goes before every child that follows it here.
PPR_CHILDREN = (
    "w:pStyle",
    "w:keepNext",
    "w:keepLines",
    "w:pageBreakBefore",
    "w:framePr",
    "w:widowControl",
    "w:numPr",
    "w:suppressLineNumbers",
    "w:pBdr",
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _after_in_ppr(tag: str) -> tuple[str, ...]:
    return PPR_CHILDREN[PPR_CHILDREN.index(tag) + 1 :]


def new_document() -> Document:
    """An empty A4 document with the GB/T 9704 page, grid, fonts and page-number footers."""
    doc = Document()
    _define_fonts(doc)
    _normal_style(doc)
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(15)
    # The number's top edge sits 7 mm under the 版心: 35 − 7 − ~5 mm of a 4号 line.
    section.footer_distance = Mm(23)
    _doc_grid(section)
    _page_number_footers(doc, section)
    return doc


def set_run_font(
    run,
    east_asia: str = FANGSONG,
    size=SIZE_3,
    *,
    bold: bool = False,
    color: RGBColor | None = None,
    latin: str = LATIN,
) -> None:
    run.font.name = latin
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def paragraph(
    doc_or_container,
    text: str = "",
    *,
    font: str = FANGSONG,
    size=SIZE_3,
    bold: bool = False,
    color: RGBColor | None = None,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    first_indent_chars: float = 0,
    left_chars: float = 0,
    right_chars: float = 0,
    exact_pt: float | None = None,
):
    """One paragraph of a single run; body text by default (3号仿宋, grid line pitch)."""
    p = doc_or_container.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if exact_pt is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(exact_pt)
    if first_indent_chars:
        fmt.first_line_indent = Twips(round(CHAR.twips * first_indent_chars))
        _chars_attr(p, "w:firstLineChars", first_indent_chars)
    if left_chars:
        fmt.left_indent = Twips(round(CHAR.twips * left_chars))
    if right_chars:
        fmt.right_indent = Twips(round(CHAR.twips * right_chars))
    if text:
        run = p.add_run(text)
        set_run_font(run, font, size, bold=bold, color=color)
    return p


def add_run(
    p,
    text: str,
    *,
    font: str = FANGSONG,
    size=SIZE_3,
    bold: bool = False,
    color: RGBColor | None = None,
    boxed: bool = False,
):
    run = p.add_run(text)
    set_run_font(run, font, size, bold=bold, color=color)
    if boxed:
        bdr = OxmlElement("w:bdr")
        for k, v in (("w:val", "single"), ("w:sz", "8"), ("w:space", "1"), ("w:color", "000000")):
            bdr.set(qn(k), v)
        run._element.get_or_add_rPr().append(bdr)
    return run


def add_tab_stop(p, position_twips: int, align=WD_TAB_ALIGNMENT.RIGHT) -> None:
    p.paragraph_format.tab_stops.add_tab_stop(Twips(position_twips), align)


def border(p, side: str, *, color: str = "000000", size_eighths: int = 8, space: int = 1, val: str = "single") -> None:
    """A rule along one side of a paragraph (separator lines of the 版头 and 版记)."""
    ppr = p._p.get_or_add_pPr()
    pbdr = ppr.find(qn("w:pBdr"))
    if pbdr is None:
        pbdr = OxmlElement("w:pBdr")
        # pBdr must come before spacing/ind/jc in CT_PPr; python-docx keeps order on insert.
        ppr.insert_element_before(pbdr, *_after_in_ppr("w:pBdr"))
    el = OxmlElement(f"w:{side}")
    for k, v in (("w:val", val), ("w:sz", str(size_eighths)), ("w:space", str(space)), ("w:color", color)):
        el.set(qn(k), v)
    pbdr.append(el)


def text_width(text: str) -> float:
    """Width in grid characters: CJK and full-width forms 1, ASCII ½."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


# --- internals ---------------------------------------------------------------------------------


def _chars_attr(p, attr: str, chars: float) -> None:
    ind = p._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is not None:
        ind.set(qn(attr), str(round(chars * 100)))


def _define_fonts(doc: Document) -> None:
    from lxml import etree

    part = next((r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable")), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for name, alts in FALLBACKS.items():
        font = etree.SubElement(root, w + "font", {w + "name": name})
        etree.SubElement(font, w + "altName", {w + "val": alts})
        etree.SubElement(font, w + "charset", {w + "val": "86"})  # GB2312
        etree.SubElement(font, w + "family", {w + "val": "modern" if name in (FANGSONG, KAITI) else "roman"})
        etree.SubElement(font, w + "pitch", {w + "val": "fixed" if name in (FANGSONG, KAITI) else "variable"})
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _normal_style(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.name = LATIN
    style.font.size = SIZE_3
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), FANGSONG)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    pf = style.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = False
    # Exact line height of the grid, so every page has exactly 22 lines.
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Twips(LINE_PITCH_TWIPS)
    # Characters do not snap to a character grid (LibreOffice gives a 16 pt character two cells
    # of a 15.79 pt grid: 14 a line); instead each character advances 16 − 0.25 pt, which puts
    # exactly 28 on a 156 mm line in Word and in LibreOffice alike.
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    style.element.get_or_add_pPr().insert_element_before(snap, "w:spacing", "w:ind", "w:jc")
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_TIGHTEN))
    rpr.insert_element_before(spacing, "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:lang")


def _doc_grid(section) -> None:
    sectpr = section._sectPr
    grid = sectpr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sectpr.append(grid)
    # A line grid only: with a character grid ("linesAndChars") LibreOffice sets 27 characters a
    # line whatever the spacing; the 28 come from the 15.75 pt advance of every character.
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))


def _page_field(p, font_size) -> None:
    """“— N —”: an em dash, the PAGE field, an em dash (4号 Song-style digits)."""
    add_run(p, "— ", font=SONGTI, size=font_size)
    run = p.add_run()
    set_run_font(run, SONGTI, font_size)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._element.append(el)
    add_run(p, " —", font=SONGTI, size=font_size)


def _page_number_footers(doc: Document, section) -> None:
    # GB/T 9704 §7.5: odd pages right with one character space, even pages left.
    settings = doc.settings.element
    even = OxmlElement("w:evenAndOddHeaders")
    settings.append(even)
    odd_p = section.footer.paragraphs[0]
    odd_p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd_p.paragraph_format.right_indent = CHAR
    odd_p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _page_field(odd_p, SIZE_4)
    even_p = section.even_page_footer.paragraphs[0]
    even_p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even_p.paragraph_format.left_indent = CHAR
    even_p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _page_field(even_p, SIZE_4)


def set_core_properties(doc: Document, *, title: str, author: str, subject: str = "", on=None) -> None:
    """Document properties that name the unit and the real date (the template says python-docx, 2013)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    if on is not None and on != now.date():
        now = dt.datetime.combine(on, dt.time(9, 0))
    props = doc.core_properties
    props.title, props.subject = title[:255], subject[:255]
    props.author = props.last_modified_by = author[:255]
    props.created = props.modified = now
    props.revision, props.comments, props.keywords, props.category = 1, "", "", "公文"
    props.language = "zh-CN"


def keep_with_next(p) -> None:
    p.paragraph_format.keep_with_next = True


def at_page_foot(p) -> None:
    """Set `p` in a frame at the bottom of the 版心 of its page (the 版记 on the last page)."""
    ppr = p._p.get_or_add_pPr()
    frame = OxmlElement("w:framePr")
    for k, v in (
        ("w:w", str(int(TEXT_W.twips))),
        ("w:wrap", "around"),
        ("w:hAnchor", "margin"),
        ("w:vAnchor", "margin"),
        ("w:xAlign", "center"),
        ("w:yAlign", "bottom"),
    ):
        frame.set(qn(k), v)
    ppr.insert_element_before(frame, *_after_in_ppr("w:framePr"))
