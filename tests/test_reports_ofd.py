"""The reply letter as OFD (GB/T 33190): a well-formed package whose pages carry the letter's text
placed by the GB/T 9704 layout, with the official fonts referenced by name."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree as ET

from banli.reports.letters import title_lines
from banli.reports.ofd import build_reply_letter_ofd

from .test_reports_letter_pdf import TITLE, _data

NS = {"ofd": "http://www.ofdspec.org/2016"}


def _package(content: bytes) -> dict[str, ET.Element]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {name: ET.fromstring(z.read(name)) for name in z.namelist()}


def _page_texts(files) -> list[list[tuple[float, float, str]]]:
    doc = files["Doc_0/Document.xml"]
    out = []
    for page in doc.findall("ofd:Pages/ofd:Page", NS):
        content = files["Doc_0/" + page.get("BaseLoc")]
        items = []
        for obj in content.iter(f"{{{NS['ofd']}}}TextObject"):
            x, y, _w, _h = map(float, obj.get("Boundary").split())
            items.append((y, x, obj.find("ofd:TextCode", NS).text))
        out.append(sorted(items))
    return out


def test_package_structure_is_valid():
    files = _package(build_reply_letter_ofd(_data()))
    root = files["OFD.xml"]
    assert root.tag == f"{{{NS['ofd']}}}OFD" and root.get("DocType") == "OFD"
    assert root.find("ofd:DocBody/ofd:DocInfo/ofd:Author", NS).text == "深圳市工业和信息化局"
    doc_root = root.find("ofd:DocBody/ofd:DocRoot", NS).text
    assert doc_root == "Doc_0/Document.xml" and doc_root in files
    doc = files[doc_root]
    assert doc.find("ofd:CommonData/ofd:PageArea/ofd:PhysicalBox", NS).text == "0 0 210 297"
    res = files["Doc_0/" + doc.find("ofd:CommonData/ofd:PublicRes", NS).text]
    fonts = {f.get("ID"): f.get("FontName") for f in res.findall("ofd:Fonts/ofd:Font", NS)}
    assert set(fonts.values()) == {"仿宋_GB2312", "方正小标宋简体", "楷体_GB2312", "黑体"}
    pages = doc.findall("ofd:Pages/ofd:Page", NS)
    assert len(pages) >= 2
    ids = [el.get("ID") for x in files.values() for el in x.iter() if el.get("ID") and el.tag.endswith("Object")]
    assert len(ids) == len(set(ids))
    max_id = int(doc.find("ofd:CommonData/ofd:MaxUnitID", NS).text)
    for k, page in enumerate(pages):
        assert page.get("BaseLoc") == f"Pages/Page_{k}/Content.xml"
        content = files["Doc_0/" + page.get("BaseLoc")]
        for obj in content.iter(f"{{{NS['ofd']}}}TextObject"):
            assert obj.get("Font") in fonts and int(obj.get("ID")) <= max_id
            x, y, w, h = map(float, obj.get("Boundary").split())
            assert x >= 0 and x + w <= 210.5 and y >= 0 and y + h <= 297, obj.find("ofd:TextCode", NS).text
            code = obj.find("ofd:TextCode", NS)
            deltas = (code.get("DeltaX") or "").split()
            assert len(deltas) == max(len(code.text) - 1, 0)


def test_pages_carry_the_letter_in_the_gbt_9704_layout():
    files = _package(build_reply_letter_ofd(_data()))
    pages = _page_texts(files)
    first = [t for _y, _x, t in pages[0]]
    assert (
        first.index("深工信函〔2023〕118号")
        < first.index(title_lines(TITLE)[0])
        < first.index("王小明代表、李红代表：")
    )
    assert "签发人：王建国" in first
    for n, page in enumerate(pages, start=1):
        y, x, text = page[-1]
        assert text == f"— {n} —" and y > 262 and ((x > 150) if n % 2 else (x < 60))
    last = pages[-1]
    cc = next((y, t) for y, _x, t in last if t.startswith("抄送："))
    assert cc[0] > 240  # at the foot of the last page
    assert not any(t.startswith("抄送") for page in pages[:-1] for _y, _x, t in page)
    lines = [t for page in pages for _y, _x, t in page]
    k = len(lines) - 1 - lines[::-1].index("深圳市工业和信息化局")
    assert "感谢" in lines[k - 1]  # the 落款 follows the body on the same page
    assert sum("0755\u201188102345" in t for t in lines) == 3  # never split
    assert all(not re.match(r"^[，。、；：）》”]", t) for t in lines)
