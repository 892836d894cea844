"""Hostile ledgers: bounded before and while parsing (issue #19 item 4).

Every file is built here: a 100 MB cell in ~100 KB, a shared string copied into thousands of
cells, a cell at the far corner of the sheet, parts that lie about their size. Each is refused
with a Chinese message, quickly, without the job storing more than a few KB and without the
reader taking the memory the file asks for.
"""

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from banli.ledger import jobs as ledger_jobs
from banli.ledger.models import ImportJob, JobStatus
from banli.ledger.validation import ledger_validate

from .test_ledger_web import good, ledger_bytes

HEAD = ["编号", "标题", "领衔人", "承办单位", "办理方式"]

CT = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
WB = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WB_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    b'Target="sharedStrings.xml"/></Relationships>'
)


def _xlsx(sheet_rows: bytes, shared: list[bytes] = ()) -> bytes:
    """A minimal .xlsx whose sheet data and shared strings are given as raw XML."""
    sst = b"".join(b"<si><t>" + s + b"</t></si>" for s in shared)
    files = {
        "[Content_Types].xml": CT,
        "_rels/.rels": RELS,
        "xl/workbook.xml": WB,
        "xl/_rels/workbook.xml.rels": WB_RELS,
        "xl/sharedStrings.xml": b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + sst
        + b"</sst>",
        "xl/worksheets/sheet1.xml": b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + sheet_rows + b"</sheetData></worksheet>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def _inline(ref: str, text: bytes) -> bytes:
    return b'<c r="' + ref.encode() + b'" t="inlineStr"><is><t>' + text + b"</t></is></c>"


def _header_row(extra: bytes = b"") -> bytes:
    cells = b"".join(_inline(f"{chr(65 + i)}1", h.encode()) for i, h in enumerate(HEAD))
    return b'<row r="1">' + cells + extra + b"</row>"


def hundred_mb_header_cell() -> bytes:
    return _xlsx(_header_row(_inline("F1", b"A" * (100 * 1024 * 1024))))


def shared_string_copied_into_many_cells() -> bytes:
    # one 60 KB string (under the cell limit) referenced by 5 000 cells: 300 MB once expanded
    rows = b"".join(b'<row r="%d"><c r="B%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(2, 5002))
    return _xlsx(_header_row() + rows, shared=[b"X" * (60 * 1024)])


def far_corner_cell() -> bytes:
    return _xlsx(_header_row() + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def _validate(cast, data: bytes):
    return ledger_validate(actor=None, session=cast.npc_session, source=io.BytesIO(data), filename="x.xlsx")


def _size(plan) -> int:
    return len(json.dumps([p.as_dict() for p in plan.errors], ensure_ascii=False)) + len(
        json.dumps(plan.warnings, ensure_ascii=False)
    )


def test_a_hundred_megabyte_cell_in_a_small_file_is_refused_quickly(cast):
    data = hundred_mb_header_cell()
    assert len(data) < 200 * 1024
    t0 = time.perf_counter()
    plan = _validate(cast, data)
    assert time.perf_counter() - t0 < 10
    assert not plan.ok
    assert "64 MB" in plan.errors[0].message and "疑似压缩炸弹" in plan.errors[0].message
    assert _size(plan) < 2000


def test_a_shared_string_copied_into_thousands_of_cells_is_refused(cast):
    data = shared_string_copied_into_many_cells()
    assert len(data) < 200 * 1024
    plan = _validate(cast, data)
    assert not plan.ok and "共享字符串被大量重复引用" in plan.errors[0].message
    assert _size(plan) < 2000


def test_a_single_overlong_shared_string_cell_is_refused(cast):
    data = _xlsx(_header_row() + b'<row r="2"><c r="B2" t="s"><v>0</v></c></row>', shared=[b"Y" * (200 * 1024)])
    plan = _validate(cast, data)
    assert not plan.ok and "B2 单元格内容过长（约 200 KB，上限 80 KB）" in plan.errors[0].message


def test_a_cell_at_the_far_corner_of_the_sheet_is_refused(cast):
    plan = _validate(cast, far_corner_cell())
    assert not plan.ok and "工作表范围过大（XFD1048576 单元格" in plan.errors[0].message


def test_a_part_whose_declared_size_lies_is_measured_by_inflating(cast):
    data = bytearray(hundred_mb_header_cell())
    # rewrite every declared uncompressed size to 1 KB (local headers and the central directory)
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    for info in zf.infolist():
        if info.file_size > 1024:
            old = info.file_size.to_bytes(4, "little")
            data = bytearray(bytes(data).replace(old, (1024).to_bytes(4, "little")))
    plan = _validate(cast, bytes(data))
    assert not plan.ok
    assert any(w in plan.errors[0].message for w in ("疑似压缩炸弹", "已损坏", "无法读取"))


def test_unknown_long_header_and_too_long_title_give_short_messages(cast, tmp_path):
    rows = good(cast.orgs)
    rows[0]["标题"] = "关" * 5000
    data = ledger_bytes(tmp_path, rows)
    plan = _validate(cast, data)
    msgs = [p.message for p in plan.errors]
    assert any("标题不能超过 300 字（现为 5000 字）" in m for m in msgs), msgs
    from .seed_ledgers import write_xlsx

    header = [*HEAD, "备" * 3000]
    path = write_xlsx(
        [["20230001", "关于x的建议", "王代表", "市工业和信息化局", "承办", ""]], tmp_path / "h.xlsx", header
    )
    plan = _validate(cast, path.read_bytes())
    assert all(len(w) < 200 for w in plan.warnings) and any("共 3000 字" in w for w in plan.warnings)


def test_the_web_upload_stores_a_small_job_for_a_hostile_file(cast):
    up = SimpleUploadedFile("台账.xlsx", hundred_mb_header_cell())
    job = ledger_jobs.import_job_create(actor=cast.staff_npc, session=cast.npc_session, upload=up)
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == JobStatus.INVALID
    assert len(json.dumps(job.errors, ensure_ascii=False)) + len(json.dumps(job.warnings, ensure_ascii=False)) < 2000


MEMORY = """
import io, os, sys, django
django.setup()
from banli.ledger.plan import LedgerPlan
from banli.ledger.reading import read_sheet
from banli.cases.models import Session
plan = LedgerPlan(session=Session(name="x"))
read_sheet(io.BytesIO(open(sys.argv[1], "rb").read()), plan)
# VmHWM: this process's peak (ru_maxrss would carry the forking pytest process's over exec)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(hwm // 1024, len(plan.errors))
"""


def test_reading_a_hostile_file_stays_within_a_few_hundred_megabytes(tmp_path):
    root = Path(__file__).resolve().parent.parent
    for name, data in (("a", shared_string_copied_into_many_cells()), ("b", far_corner_cell())):
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(data)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "banli.settings", "DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}
        out = subprocess.run(
            [sys.executable, "-c", MEMORY, str(path)], cwd=root, env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr[-1500:]
        peak_mb, errors = map(int, out.stdout.split())
        assert errors >= 1 and peak_mb < 400, (name, peak_mb)
