"""Uploads validated by content (SPEC §13; ASVS V12.1–V12.5): type by magic bytes, ≤ 20 MB,
zip bombs and path traversal refused, macros refused, safe display names."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from banli.errors import DomainError
from banli.security import uploads
from banli.security.uploads import validate_upload

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def png() -> bytes:
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zipped(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX_MEMBERS = {
    "[Content_Types].xml": b"<Types/>",
    "word/document.xml": b"<w:document/>",
    "_rels/.rels": b"<Relationships/>",
}
DOCX = zipped(DOCX_MEMBERS)
OFD = zipped({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<ofd:Document/>"})


def ole(*streams: str) -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + b"".join(s.encode("utf-16-le") + b"\x00" * 16 for s in streams) + b"\x00" * 512


def up(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize(
    "name, data, ctype",
    [
        ("答复函.pdf", PDF, "application/pdf"),
        ("照片.jpg", JPG, "image/jpeg"),
        ("照片.JPEG", JPG, "image/jpeg"),
        ("截图.png", png(), "image/png"),
        ("复文.docx", DOCX, uploads.DOCX),
        ("复文.doc", ole("Root Entry", "WordDocument", "1Table"), uploads.DOC),
        ("复文.wps", ole("Root Entry", "WordDocument"), uploads.WPS),
        ("签章版.ofd", OFD, uploads.OFD),
    ],
)
def test_allowed_types_are_accepted(name, data, ctype):
    safe, content_type = validate_upload(up(name, data))
    assert content_type == ctype
    assert safe.startswith(name.rsplit(".", 1)[0])


@pytest.mark.parametrize(
    "name, data",
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # a Windows program dressed as a PDF
        ("page.png", b"<html><script>alert(1)</script></html>"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("table.xlsx", zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})),
        ("archive.zip", zipped({"a.txt": b"hello"})),
        ("noext", PDF),
        ("sheet.doc", ole("Root Entry", "Workbook")),  # an Excel file named .doc
    ],
)
def test_other_content_is_refused(name, data):
    with pytest.raises(DomainError, match=r"不允许|不是"):
        validate_upload(up(name, data))


def test_extension_must_match_content():
    with pytest.raises(DomainError, match="扩展名与文件内容不符"):
        validate_upload(up("答复函.pdf", png()))


def test_over_twenty_megabytes_is_refused():
    big = PDF + b"0" * (20 * 1024 * 1024)
    with pytest.raises(DomainError, match="20 MB"):
        validate_upload(up("大文件.pdf", big))
    validate_upload(up("刚好.pdf", PDF + b"0" * (20 * 1024 * 1024 - len(PDF))))


def test_empty_file_is_refused():
    with pytest.raises(DomainError, match="空文件"):
        validate_upload(up("空.pdf", b""))


@pytest.mark.parametrize("evil", ["../../etc/cron.d/x", "/etc/passwd", "word\\..\\..\\x.xml", "C:/Windows/x.dll"])
def test_path_traversal_inside_a_container_is_refused(evil):
    data = zipped({**DOCX_MEMBERS, evil: b"x"})
    with pytest.raises(DomainError, match="非法路径"):
        validate_upload(up("复文.docx", data))


def test_high_ratio_member_is_refused_as_a_bomb():
    data = zipped({**DOCX_MEMBERS, "word/media/blob.bin": b"\x00" * (4 * 1024 * 1024)})
    with pytest.raises(DomainError, match="压缩炸弹"):
        validate_upload(up("复文.docx", data))


def test_total_inflated_size_is_bounded_even_if_sizes_lie(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_TOTAL", 64 * 1024)
    members = {**DOCX_MEMBERS, **{f"word/media/p{i}.bin": bytes(range(256)) * 64 for i in range(8)}}
    with pytest.raises(DomainError, match="解压后过大"):
        validate_upload(up("复文.docx", zipped(members)))


def test_nested_archive_is_refused():
    with pytest.raises(DomainError, match="内嵌压缩包"):
        validate_upload(up("复文.docx", zipped({**DOCX_MEMBERS, "word/embeddings/x.zip": b"PK"})))


def test_macros_are_refused():
    with pytest.raises(DomainError, match="宏"):
        validate_upload(up("复文.docx", zipped({**DOCX_MEMBERS, "word/vbaProject.bin": b"x"})))
    with pytest.raises(DomainError, match="宏"):
        validate_upload(up("复文.doc", ole("Root Entry", "WordDocument", "Macros", "VBA")))


def test_corrupt_container_is_refused():
    with pytest.raises(DomainError, match="损坏"):
        validate_upload(up("复文.docx", b"PK\x03\x04" + b"\x00" * 50))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("../../etc/答复函.pdf", "答复函.pdf"),
        ("C:\\Users\\王\\答复函.pdf", "答复函.pdf"),
        ("a<b>c|d?.pdf", "a_b_c_d_.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("答复\x00函\n.pdf", "答复函.pdf"),
    ],
)
def test_display_names_lose_paths_and_control_characters(raw, expected):
    safe, _ = validate_upload(up(raw, PDF))
    assert safe == expected


@pytest.mark.django_db
def test_download_response_is_an_attachment_with_nosniff(tmp_path):
    from types import SimpleNamespace

    from django.core.files import File

    p = tmp_path / "blob"
    p.write_bytes(PDF)

    class F:
        def open(self, mode):
            return File(open(p, mode))

    resp = uploads.attachment_response(SimpleNamespace(file=F(), name="答复函.pdf", content_type="application/pdf"))
    assert resp["Content-Disposition"].startswith("attachment")
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp["Content-Security-Policy"]
    resp.close()


@pytest.mark.django_db
def test_stored_files_have_random_names_outside_the_web_root(cast, client, settings):
    from pathlib import Path

    from banli.cases.services import attachment_add, proposal_register

    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于加强数据安全的建议", lead=cast.deputy
    )
    att = attachment_add(actor=cast.staff_npc, proposal=p, file=up("../../答复函.pdf", PDF))
    stored = Path(att.file.path).resolve()
    assert "答复函" not in att.file.name and ".." not in att.file.name
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    web_roots = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    assert not any(stored.is_relative_to(r.resolve()) for r in web_roots)
    # No route serves the storage directly.
    assert client.get("/" + att.file.name).status_code == 404
    assert client.get(settings.STATIC_URL + att.file.name).status_code == 404


@pytest.mark.django_db
def test_upload_through_the_case_page_checks_content(cast, login):
    """The case page's upload (cases.services.attachment_add) goes through validate_upload."""
    from django.urls import reverse

    from banli.audit.models import AuditEvent
    from banli.cases.models import Attachment
    from banli.cases.services import proposal_register

    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于加强数据安全的建议", lead=cast.deputy
    )
    c = login(cast.staff_npc)
    url = reverse("cases:attachment_add", args=[p.pk])
    before = AuditEvent.objects.count()
    r = c.post(url, {"files": [up("答复函.pdf", b"MZ\x90\x00" + b"\x00" * 64)]})
    assert r.status_code == 400 and "不允许上传" in r.content.decode()
    r = c.post(url, {"files": [up("复文.docx", zipped({**DOCX_MEMBERS, "../../evil": b"x"}))]})
    assert r.status_code == 400 and "非法路径" in r.content.decode()
    assert not Attachment.objects.filter(proposal=p).exists() and AuditEvent.objects.count() == before
    r = c.post(url, {"files": [up("..\\..\\答复函.pdf", PDF)]})
    assert r.status_code == 302
    att = Attachment.objects.get(proposal=p)
    assert att.name == "答复函.pdf" and att.content_type == "application/pdf"
