"""Hostile uploads are refused with the reason in Chinese (issue #19 item 9).

Office files with embedded executables or OLE packages, legacy .doc with macros or embedded
objects, PDFs with JavaScript / launch actions / embedded files (also inside compressed object
streams and behind #-escaped names), and PDF/JPEG/PNG polyglots carrying HTML. Every file is
built here, in code.
"""

import zlib

import pytest

from banli.errors import DomainError
from banli.security.uploads import validate_upload

from .test_security_uploads import DOCX_MEMBERS, JPG, PDF, ole, png, up, zipped

MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


def _docx(**extra: bytes) -> bytes:
    return zipped({**DOCX_MEMBERS, **extra})


def _pdf(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer<<>>\n%%EOF\n"


def _refused(name: str, data: bytes, *words: str) -> str:
    with pytest.raises(DomainError) as e:
        validate_upload(up(name, data))
    msg = e.value.message
    for w in words:
        assert w in msg, msg
    assert name.rsplit(".", 1)[0] in msg
    return msg


@pytest.mark.parametrize(
    "member, data",
    [
        ("word/embeddings/oleObject1.bin", ole("Root Entry", "\x01Ole10Native")),
        ("word/embeddings/payload.exe", MZ),
        ("word/embeddings/Package1.bin", b"anything"),
        ("word/activeX/activeX1.xml", b"<ax:ocx/>"),
        ("word/activeX/activeX1.bin", b"\x00"),
        ("word/vbaProject.bin", b"\x00"),
        ("word/media/image1.png", MZ),  # an executable under an image's name
        ("customXml/run.vbs", b"WScript.Shell"),
    ],
)
def test_docx_with_embedded_programs_or_ole_packages_is_refused(member, data):
    _refused("复文.docx", _docx(**{member: data}), "已拒绝")


def test_docx_whose_relationships_point_to_an_ole_object_is_refused():
    ole_type = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject"
    rels = b'<Relationships><Relationship Type="' + ole_type + b'" Target="embeddings/x.bin"/></Relationships>'
    _refused("复文.docx", _docx(**{"word/_rels/document.xml.rels": rels}), "嵌入")


def test_a_plain_docx_with_an_image_is_still_accepted():
    assert validate_upload(up("复文.docx", _docx(**{"word/media/image1.png": png()})))[1].endswith("document")


def test_xlsx_and_pptx_with_ole_objects_are_refused():
    xlsx = zipped(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/embeddings/oleObject1.bin": ole("Root Entry", "\x01Ole10Native"),
        }
    )
    _refused("表.xlsx", xlsx)
    _refused("表.docx", xlsx)


def test_legacy_doc_with_macros_or_embedded_objects_is_refused():
    _refused("复文.doc", ole("Root Entry", "WordDocument", "Macros", "VBA"), "宏")
    _refused("复文.doc", ole("Root Entry", "WordDocument", "ObjectPool", "\x01Ole10Native"), "嵌入")


@pytest.mark.parametrize(
    "body, word",
    [
        (b"1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj", "脚本"),
        (b"1 0 obj<</S/JS/JS 2 0 R>>endobj", "脚本"),
        (b"1 0 obj<</Type/Action/S/Launch/F(calc.exe)>>endobj", "外部程序"),
        (b"1 0 obj<</Type/EmbeddedFile/Length 3>>stream\nabc\nendstream endobj", "内嵌文件"),
        (b"1 0 obj<</Names<</EmbeddedFiles 2 0 R>>>>endobj", "内嵌文件"),
        (b"1 0 obj<</S/J#61va#53cript/JS(x)>>endobj", "脚本"),  # #-escaped name
    ],
)
def test_pdf_with_scripts_launch_actions_or_embedded_files_is_refused(body, word):
    _refused("答复函.pdf", _pdf(body), word, "已拒绝")


def test_pdf_hiding_javascript_in_a_compressed_object_stream_is_refused():
    hidden = zlib.compress(b"2 0 <</S/JavaScript/JS(app.alert(1))>>")
    body = b"1 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(hidden)
    _refused("答复函.pdf", _pdf(body + hidden + b"\nendstream\nendobj"), "脚本")


@pytest.mark.parametrize(
    "name, data",
    [
        ("答复函.pdf", b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n" + PDF),
        ("照片.jpg", JPG[:-2] + b"<script>alert(document.cookie)</script>" + JPG[-2:]),
        ("照片.jpg", JPG + b"\n<HTML><body>hi</body></HTML>"),
        ("截图.png", png() + b"<svg onload=alert(1)><script>x</script></svg>"),
    ],
)
def test_polyglots_carrying_html_are_refused(name, data):
    _refused(name, data, "网页代码", "已拒绝")


def test_ordinary_files_are_still_accepted():
    for name, data in (("答复函.pdf", PDF), ("照片.jpg", JPG), ("截图.png", png())):
        assert validate_upload(up(name, data))
    compressed = zlib.compress(b"BT /F1 12 Tf (hello) Tj ET")
    text_pdf = _pdf(
        b"1 0 obj<</Length %d/Filter/FlateDecode>>stream\n" % len(compressed) + compressed + b"\nendstream endobj"
    )
    assert validate_upload(up("答复函.pdf", text_pdf))[1] == "application/pdf"
