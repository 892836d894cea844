"""The reply letter as an office prints it, checked through the PDF LibreOffice renders (GB/T 9704):
the title breaks between words, a page number on every page (odd right, even left), 抄送 at the foot
of the last page, one blank line above the 落款, the 签发人 line and phone numbers whole, and the
official-document fonts (仿宋 / 小标宋 / 楷) rendered by the installed free faces, not Noto Sans CJK."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
import subprocess

import pytest
from docx import Document

from banli.reports.letters import LetterData, build_reply_letter, title_lines

TITLE = "关于深圳市第七届人民代表大会第四次会议第20230064号建议的答复"
PARAS = [
    "一、关于加快推进千兆光网建设。2023年，我局会同市通信管理局推动新建5G基站6120个，累计建成5G基站7.3万个，"
    "千兆光网覆盖家庭超过480万户。下一步，我们将持续优化基站选址审批流程，力争2024年底实现重点区域深度覆盖。",
    "二、关于数字经济产业集群培育。我局牵头制定数字经济产业集群行动计划，设立总规模100亿元的数字经济产业基金，"
    "已投资项目37个，带动社会投资212亿元。具体事项可联系产业处，电话0755-88102345。",
    "三、关于人才引进与培养。我们将联合市人力资源保障局完善数字经济领域紧缺人才目录，对符合条件的高层次人才给予奖励。",
]


def _data(**kw) -> LetterData:
    base = dict(
        issuer="深圳市工业和信息化局",
        number="深工信函〔2023〕118号",
        signer="王建国",
        title=TITLE,
        addressee="王小明代表、李红代表：",
        proposal_title="关于加快我市数字经济高质量发展的建议",
        body="\n".join(PARAS * 3),
        unit_name="深圳市工业和信息化局",
        date=dt.date(2023, 6, 20),
        contact_name="李四",
        contact_phone="0755-88101234",
        result_class="A",
        cc=["市人大常委会选联工委", "市政府办公厅"],
    )
    return LetterData(**{**base, **kw})


def _words(pdf: bytes) -> list[list[tuple[float, float, float, str]]]:
    """Per page: (xMin, yMin, xMax, text) of every word pdftotext finds."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append(
            [
                (float(x0), float(y0), float(x1), html.unescape(t))
                for x0, y0, x1, t in re.findall(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page
                )
            ]
        )
    return pages


def _lines(page) -> list[tuple[float, str]]:
    rows: dict[float, list] = {}
    for x0, y0, _x1, t in page:
        key = next((k for k in rows if abs(k - y0) < 3), y0)
        rows.setdefault(key, []).append((x0, t))
    return [(y, "".join(t for _x, t in sorted(ws))) for y, ws in sorted(rows.items())]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    for tool in ("soffice", "pdftotext", "pdffonts"):
        assert shutil.which(tool), f"{tool} is missing: run `make system-deps fonts`"
    from banli.reports.render import docx_to_pdf

    return docx_to_pdf(build_reply_letter(_data()))


def test_title_breaks_between_words_never_inside_one():
    assert title_lines(TITLE) == ["关于深圳市第七届人民代表大会", "第四次会议第20230064号建议的答复"]
    assert title_lines("关于市政协七届四次会议第20240080号提案的答复") == [
        "关于市政协七届四次会议",
        "第20240080号提案的答复",
    ]
    assert title_lines("关于某事的答复") == ["关于某事的答复"]


def test_rendered_title_lines_are_the_word_broken_lines(pdf):
    lines = [t for _y, t in _lines(_words(pdf)[0])]
    i = next(k for k, t in enumerate(lines) if t.startswith("关于"))
    assert lines[i : i + 2] == title_lines(TITLE)


def test_every_page_has_its_number_odd_right_even_left(pdf):
    pages = _words(pdf)
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        y, text = _lines(page)[-1]
        assert text == f"—{n}—", (n, text)
        x = min(x0 for x0, y0, _x1, _t in page if abs(y0 - y) < 3)
        assert (x > 400) if n % 2 else (x < 150), (n, x)


def test_cc_is_at_the_foot_of_the_last_page_and_the_closing_keeps_one_blank_line(pdf):
    pages = _words(pdf)
    last = _lines(pages[-1])
    y_cc, cc = last[-2]
    assert cc.startswith("抄送：") and y_cc > 650  # the 版记 sits at the bottom of the 版心
    assert not any("抄送" in t for page in pages[:-1] for _y, t in _lines(page))
    all_lines = [line for page in pages for line in _lines(page)]
    k = next(i for i, (_y, t) in enumerate(all_lines) if t == "深圳市工业和信息化局" and i > 3)
    (y_body, _), (y_name, _) = all_lines[k - 1], all_lines[k]
    assert 50 < y_name - y_body < 65  # two grid lines (28.95 pt): exactly one blank line above the 落款


def test_signer_line_and_phone_numbers_never_wrap(pdf):
    lines = [t for page in _words(pdf) for _y, t in _lines(page)]
    assert any(t.startswith("深工信函〔2023〕118号") and t.endswith("签发人：王建国") for t in lines)
    assert sum("0755-88102345" in t.replace("\u2011", "-") for t in lines) == 3
    assert any("电话：0755-88101234）" in t.replace("\u2011", "-") for t in lines)


def test_official_fonts_render_in_their_styles_not_noto_sans(pdf):
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    for face in ("FandolFang", "FandolSong", "FandolKai"):  # 仿宋 body, 小标宋 title, 楷体 signer
        assert face in fonts, fonts
    assert "Noto Sans CJK" not in fonts


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_greeting_and_opening_are_not_printed_twice():
    body = "王小明代表、李红代表：\n你们提出的《关于加快我市数字经济高质量发展的建议》收悉，现答复如下：\n" + PARAS[0]
    text = _text(build_reply_letter(_data(body=body)))
    assert text.count("王小明代表、李红代表：") == 1 and text.count("收悉") == 1
    text = _text(build_reply_letter(_data(body=PARAS[0])))
    assert (
        text.count("王小明代表、李红代表：") == 1 and "你们提出的《关于加快我市数字经济高质量发展的建议》收悉" in text
    )


def test_document_properties_name_the_unit_and_the_date():
    props = Document(io.BytesIO(build_reply_letter(_data()))).core_properties
    assert props.author == "深圳市工业和信息化局" and props.last_modified_by == "深圳市工业和信息化局"
    assert props.created.date() == dt.date(2023, 6, 20) and props.title == TITLE
