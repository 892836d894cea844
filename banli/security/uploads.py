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
            names.add(n.replace("\\", "/"))
    f.seek(0)
    return names


def _sniff(f, data: bytes, name: str, ext: str) -> str:
    if data.startswith(b"%PDF"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(OLE_MAGIC):
        if _u16("_VBA_PROJECT") in data or _u16("Macros") in data:
            raise DomainError(f"附件“{name}”包含宏，存在安全风险，请另存为不含宏的文件后上传。", field="attachments")
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
