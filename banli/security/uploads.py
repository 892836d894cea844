"""Validation of uploaded files by content (SPEC §13): pdf, docx, doc, ofd, wps, jpg, png.

`validate_upload(f) -> (safe_name, content_type)` reads the bytes, never trusting the client's
name or Content-Type: magic numbers decide the type, the extension must agree with it, zip
containers (docx, ofd, zip-based wps) are walked for path traversal, encryption, nesting and
decompression bombs (by actually inflating with a budget, since declared sizes can lie), and
OLE files (doc, wps) and docx must not carry macros. The stored name is random (see
cases.models.attachment_path); `safe_name` is only the display/download name.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
import zlib

from django.conf import settings

from banli.errors import DomainError

MAX_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_TOTAL = 200 * 1024 * 1024  # inflated bytes allowed in one container
MAX_ZIP_RATIO = 200  # inflated / compressed, per member larger than 1 MiB

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOC = "application/msword"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OFD = "application/ofd"
WPS = "application/vnd.ms-works"

# extension → content type it must have
EXTENSIONS = {
    "pdf": PDF,
    "jpg": JPEG,
    "jpeg": JPEG,
    "png": PNG,
    "doc": DOC,
    "docx": DOCX,
    "ofd": OFD,
    "wps": WPS,
}
ALLOWED_LABEL = "PDF、Word（doc/docx）、OFD、WPS、JPG、PNG"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 64 * 1024


def _u16(s: str) -> bytes:
    return s.encode("utf-16-le")


def max_bytes() -> int:
    return int(getattr(settings, "BANLI_UPLOAD_MAX_BYTES", MAX_BYTES))


def safe_filename(name: str, ext: str) -> str:
    """A display name without any path, control or reserved characters, ending in `.ext`."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]  # drop any directory part, Windows or POSIX
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[<>:"|?*]', "_", name).strip().lstrip(".").strip()
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:100] or "附件"
    return f"{stem}.{ext}"


def _read_all(f) -> bytes:
    if hasattr(f, "seek"):
        f.seek(0)
    data = f.read(max_bytes() + 1)
    if hasattr(f, "seek"):
        f.seek(0)
    return data


# --- active content -----------------------------------------------------------------------------
# What a reader would run: refused with the reason, since a clerk opens these files on a desktop.
EXECUTABLE_EXTENSIONS = (
    ".exe",
    ".dll",
    ".com",
    ".scr",
    ".bat",
    ".cmd",
    ".msi",
    ".ps1",
    ".vbs",
    ".vbe",
    ".js",
    ".jse",
    ".wsf",
    ".hta",
    ".jar",
    ".lnk",
    ".cpl",
    ".sh",
)
# OOXML parts that hold programs or OLE objects (docx/xlsx/pptx alike): word/embeddings/*.bin,
# oleObject*.bin, activeX/*, vbaProject.bin.
_OOXML_ACTIVE = re.compile(r"(^|/)(embeddings/.*\.(bin|exe)$|oleobject[^/]*$|activex/|vbaproject\.bin$|vbadata\.xml$)")
_OOXML_ACTIVE_REL = re.compile(rb"relationships/(oleObject|package|control|activeXControlBinary|vbaProject)\b", re.I)
# Tags long or specific enough that compressed image data does not spell them by chance.
HTML_MARKERS = re.compile(rb"<(script|iframe)\b|<(html|body|svg)[\s>]", re.I)
PDF_HEAD = 4096  # a PDF polyglot puts its page where a browser sniffs: the first KBs
PDF_STREAM_BUDGET = 64 * 1024 * 1024  # bytes inflated while looking into compressed streams
_PDF_ACTIVE = {
    b"JavaScript": "包含 JavaScript 脚本",
    b"JS": "包含 JavaScript 脚本",
    b"Launch": "包含启动外部程序的动作",
    b"EmbeddedFile": "带有内嵌文件",
    b"EmbeddedFiles": "带有内嵌文件",
    b"RichMedia": "包含多媒体脚本对象",
}
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")


def _refuse(name: str, why: str, hint: str = "") -> DomainError:
    return DomainError(f"附件“{name}”{why}，存在安全风险，已拒绝。{hint}", field="attachments")


def _check_html(data: bytes, name: str, *, head: int | None = None) -> None:
    """PDF/JPEG/PNG polyglots: a file that is also a web page (HTML a browser or viewer would run)."""
    m = HTML_MARKERS.search(data if head is None else data[:head])
    if m:
        tag = m.group(0).decode("latin-1").replace(" ", "")
        raise _refuse(name, f"夹带网页代码（{tag}），疑似伪装文件", "请上传原始文件。")


def _pdf_names(data: bytes):
    for m in _PDF_NAME.finditer(data):
        raw = m.group(1)
        # PDF names may hide letters as #xx (/J#61vaScript is /JavaScript)
        yield re.sub(rb"#([0-9A-Fa-f]{2})", lambda h: bytes([int(h.group(1), 16)]), raw) if b"#" in raw else raw


def _pdf_parts(data: bytes):
    """What a PDF says outside its streams (dictionaries, where actions live), then the inflated
    object streams (/ObjStm, where dictionaries can hide), with a budget. Other streams (page
    content, images) are skipped: binary data spells a short name like /JS by chance."""
    budget = PDF_STREAM_BUDGET
    pos, hidden = 0, []
    for m in _PDF_STREAM.finditer(data):
        start = m.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        if m.start() < pos:
            continue
        yield data[pos : m.start()]
        pos = end + len(b"endstream")
        if b"/ObjStm" in data[max(0, m.start() - 512) : m.start()]:
            hidden.append((start, end))
    yield data[pos:]
    for start, end in hidden:
        d = zlib.decompressobj()
        try:
            out = d.decompress(data[start:end], max(budget, 1))
        except zlib.error:
            continue
        budget -= len(out)
        yield out
        if budget <= 0:
            return


def _check_pdf(data: bytes, name: str) -> None:
    _check_html(data, name, head=PDF_HEAD)
    hint = "请用“打印为 PDF”另存为不含脚本和附件的 PDF 后上传。"
    for chunk in _pdf_parts(data):
        for n in _pdf_names(chunk):
            why = _PDF_ACTIVE.get(n)
            if why:
                raise _refuse(name, f"{why}（/{n.decode('latin-1')}）", hint)


def _check_ole(data: bytes, name: str) -> None:
    if _u16("_VBA_PROJECT") in data or _u16("Macros") in data:
        raise DomainError(f"附件“{name}”包含宏，存在安全风险，请另存为不含宏的文件后上传。", field="attachments")
    if _u16("ObjectPool") in data or _u16("\x01Ole10Native") in data:
        raise _refuse(name, "带有嵌入对象（OLE 对象或程序包）", "请删除文档中的嵌入对象后重新上传。")


def _check_ooxml_member(zf, info, name: str) -> None:
    n = info.filename.replace("\\", "/").lower()
    hint = "请删除文档中的嵌入对象、控件和宏，另存后重新上传。"
    if n.endswith(EXECUTABLE_EXTENSIONS):
        raise _refuse(name, f"内嵌可执行程序（{info.filename[:60]}）", hint)
    if _OOXML_ACTIVE.search(n):
        raise _refuse(name, f"带有嵌入的程序、OLE 对象或宏（{info.filename[:60]}）", hint)
    if n.endswith(".rels") or info.file_size < 64 * 1024 or n.startswith("word/media/"):
        with zf.open(info) as member:
            head = member.read(64 * 1024)
        if n.endswith(".rels") and _OOXML_ACTIVE_REL.search(head):
            raise _refuse(name, "带有嵌入的程序、OLE 对象或控件（关系定义）", hint)
        if head.startswith((b"MZ", OLE_MAGIC, b"\x7fELF")):
            raise _refuse(name, f"内嵌可执行程序或 OLE 对象（{info.filename[:60]}）", hint)


def _check_zip(f, name: str) -> set[str]:
    """Walk a zip container safely; return its member names."""
    try:
        f.seek(0)
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DomainError(f"附件“{name}”已损坏，无法打开。", field="attachments")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise DomainError(f"附件“{name}”内部文件过多，疑似压缩炸弹，已拒绝。", field="attachments")
        names = set()
        total = 0
        ooxml = any(i.filename == "[Content_Types].xml" for i in infos)
        for info in infos:
            n = info.filename
            parts = re.split(r"[\\/]", n)
            if n.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", n) or ".." in parts or "\x00" in n:
                raise DomainError(f"附件“{name}”包含非法路径（{n[:60]}），已拒绝。", field="attachments")
            if info.flag_bits & 0x1:
                raise DomainError(f"附件“{name}”已加密，请上传未加密的文件。", field="attachments")
            if (
                info.file_size > 1024 * 1024
                and info.compress_size
                and info.file_size / info.compress_size > MAX_ZIP_RATIO
            ):
                raise DomainError(f"附件“{name}”压缩比异常，疑似压缩炸弹，已拒绝。", field="attachments")
            if n.lower().endswith((".zip", ".ofd", ".docx", ".jar")):
                raise DomainError(f"附件“{name}”内嵌压缩包，已拒绝。", field="attachments")
            # Inflate with a budget: a member may claim a small size and expand without end.
            try:
                with zf.open(info) as member:
                    while True:
                        chunk = member.read(_CHUNK)
                        if not chunk:
                            break
                        total += len(chunk)
                        if total > MAX_ZIP_TOTAL:
                            raise DomainError(f"附件“{name}”解压后过大，疑似压缩炸弹，已拒绝。", field="attachments")
            except DomainError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
                raise DomainError(f"附件“{name}”已损坏，无法打开。", field="attachments")
            if ooxml:
                _check_ooxml_member(zf, info, name)
            names.add(n.replace("\\", "/"))
    f.seek(0)
    return names


def _sniff(f, data: bytes, name: str, ext: str) -> str:
    if data.startswith(b"%PDF"):
        _check_pdf(data, name)
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        _check_html(data, name)
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_html(data, name)
        return PNG
    if data.startswith(OLE_MAGIC):
        _check_ole(data, name)
        if _u16("WordDocument") not in data:
            raise DomainError(
                f"附件“{name}”不是 Word/WPS 文字文档。允许的类型：{ALLOWED_LABEL}。", field="attachments"
            )
        return WPS if ext == "wps" else DOC
    if data.startswith(ZIP_MAGIC):
        members = _check_zip(f, name)
        lower = {m.lower() for m in members}
        if "ofd.xml" in lower:
            return OFD
        if "[content_types].xml" in lower and "word/document.xml" in lower:
            if any(m.endswith("vbaproject.bin") for m in lower):
                raise DomainError(
                    f"附件“{name}”包含宏，存在安全风险，请另存为不含宏的文件后上传。", field="attachments"
                )
            return WPS if ext == "wps" else DOCX
    raise DomainError(f"附件“{name}”的文件类型不允许上传。允许的类型：{ALLOWED_LABEL}。", field="attachments")


def validate_upload(uploaded_file) -> tuple[str, str]:
    """Check an upload by its content; return (safe display name, content type) or raise DomainError."""
    raw_name = getattr(uploaded_file, "name", "") or ""
    shown = os.path.basename(raw_name.replace("\\", "/"))[:60] or "附件"
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > max_bytes():
        raise DomainError(
            f"附件“{shown}”超过 {max_bytes() // (1024 * 1024)} MB，请压缩或拆分后上传。", field="attachments"
        )
    data = _read_all(uploaded_file)
    if len(data) > max_bytes():
        raise DomainError(
            f"附件“{shown}”超过 {max_bytes() // (1024 * 1024)} MB，请压缩或拆分后上传。", field="attachments"
        )
    if not data:
        raise DomainError(f"附件“{shown}”是空文件。", field="attachments")
    ext = shown.rsplit(".", 1)[-1].lower() if "." in shown else ""
    if ext not in EXTENSIONS:
        raise DomainError(f"附件“{shown}”的文件类型不允许上传。允许的类型：{ALLOWED_LABEL}。", field="attachments")
    content_type = _sniff(uploaded_file, data, shown, ext)
    if EXTENSIONS[ext] != content_type:
        raise DomainError(f"附件“{shown}”的扩展名与文件内容不符，请确认文件后重新上传。", field="attachments")
    return safe_filename(raw_name, "jpg" if ext == "jpeg" else ext), content_type


def attachment_response(attachment, *, filename: str | None = None):
    """A download response for a stored file: always an attachment, never sniffed or rendered.

    The caller has already checked scope (selectors) and written the audit event.
    """
    from django.http import FileResponse, Http404

    try:
        fh = attachment.file.open("rb")
    except OSError:  # the row exists but the file is gone: same answer as a missing attachment
        raise Http404
    resp = FileResponse(
        fh,
        as_attachment=True,
        filename=filename or attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp["Cache-Control"] = "private, no-store"
    return resp
