"""Render a .docx to PDF with LibreOffice, for previews and the visual checks of the tests.

LibreOffice is optional (Debian `libreoffice-writer-nogui`); `soffice()` is None without it.
The fontconfig file beside this module maps the official-document fonts (仿宋_GB2312,
方正小标宋简体 …) to installed look-alikes (Noto Serif CJK) when the real ones are missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

FONTS_CONF = Path(__file__).resolve().parent / "fontconfig" / "fonts.conf"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(content: bytes, *, timeout: int = 180) -> bytes:
    exe = soffice()
    if exe is None:
        raise RuntimeError("未安装 LibreOffice（soffice），无法转换为 PDF。")
    with tempfile.TemporaryDirectory(prefix="banli-pdf-") as tmp:
        src = Path(tmp) / "doc.docx"
        src.write_bytes(content)
        env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF), "HOME": tmp}
        profile = Path(tmp) / "profile"
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
            env=env,
        )
        return (Path(tmp) / "doc.pdf").read_bytes()
