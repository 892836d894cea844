"""Reading a ledger .xlsx: the header map, the data rows, and one row's cells as typed values.

Each bad cell becomes a problem on the plan (“第N行 列名：问题”) and a None/empty value; the
cross-row checks are in `validation`.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

from banli.cases.models import AssignmentRole, Proposal, Proposer, Session
from banli.cases.services import split_names
from banli.formatting import cn_date
from banli.web.limits import limit_of, too_long

from . import format as fmt
from .plan import ASSIGNMENT_DETAIL_COLUMNS, LedgerPlan

# --- bounds, checked on the zip before the spreadsheet reader sees it ---------------------------
# A 106 KB upload once held a 100 MB cell (stored again in the job's warning) and a 616 KB one
# made the reader take 3.8 GB: an .xlsx is a zip of XML, and a shared string is copied into
# every cell that refers to it. A real ledger of 10 000 rows is a few MB of XML.
MAX_MEMBERS = 300
MAX_INFLATED = 64 * 1024 * 1024  # actual bytes of all parts, inflated (declared sizes can lie)
MAX_EXPANDED = 64 * 1024 * 1024  # bytes of cell text once shared strings are put into their cells
MAX_CELL_BYTES = 80 * 1024  # one cell (内容 may hold 20 000 characters, 3 bytes each in UTF-8)
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MB = 1024 * 1024
_CHUNK = 64 * 1024
_SI = re.compile(rb"<(?:\w+:)?si\b.*?</(?:\w+:)?si>", re.S)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_TYPE_S = re.compile(rb'\bt="s"')
_V = re.compile(rb"<(?:\w+:)?v>\s*(\d+)\s*</")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_container(source, plan: LedgerPlan) -> bool:
    """Refuse a workbook whose parts, cells or shared strings would expand beyond the bounds.

    Inflates every part with a budget (never trusting the sizes the zip declares), then measures
    each cell of the worksheets with its shared string put in. Problems go on the plan, worded
    for the person who uploaded the file; returns whether reading may go on.
    """

    def refuse(message: str) -> bool:
        plan.error(1, "文件", message)
        return False

    try:
        if not isinstance(source, (str, Path)) and hasattr(source, "seek"):
            source.seek(0)
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        return refuse("无法读取，请上传 Excel .xlsx 格式的台账（.xls 请先另存为 .xlsx）")
    try:
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                return refuse(
                    f"文件内部包含 {len(infos)} 个部件（上限 {MAX_MEMBERS}），不像是台账，请另存为 .xlsx 后重试"
                )
            declared = sum(i.file_size for i in infos)
            if declared > MAX_INFLATED:
                return refuse(
                    f"解压后有 {declared // MB} MB（上限 {MAX_INFLATED // MB} MB），疑似压缩炸弹，已拒绝；"
                    "正常的台账解压后只有几 MB，请检查文件"
                )
            parts: dict[str, bytes] = {}
            total = 0
            for info in infos:
                name = info.filename
                keep = name == "xl/sharedStrings.xml" or name.startswith("xl/worksheets/")
                buf = []
                with zf.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_INFLATED:
                            return refuse(
                                f"解压后超过 {MAX_INFLATED // MB} MB，疑似压缩炸弹，已拒绝；"
                                "正常的台账解压后只有几 MB，请检查文件"
                            )
                        if keep:
                            buf.append(chunk)
                if keep:
                    parts[name] = b"".join(buf)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        return refuse("文件已损坏，无法读取，请在 Excel 中另存为 .xlsx 后重试")
    shared = [len(m.group(0)) for m in _SI.finditer(parts.pop("xl/sharedStrings.xml", b""))]
    expanded = 0
    for name, xml in sorted(parts.items()):
        if not name.endswith(".xml") or "/_rels/" in name:
            continue
        for m in _CELL.finditer(xml):
            attrs, inner = m.group(1), m.group(2) or b""
            ref = _REF.search(attrs)
            where = ""
            if ref:
                col, row = _col_number(ref.group(1)), int(ref.group(2))
                where = f"{ref.group(1).decode()}{row} 单元格"
                if row > MAX_ROWS or col > MAX_COLUMNS:
                    return refuse(
                        f"工作表范围过大（{where}，上限 {MAX_ROWS} 行、{MAX_COLUMNS} 列），请删除多余的行列后重试"
                    )
            size = len(inner)
            if _TYPE_S.search(attrs):
                v = _V.search(inner)
                i = int(v.group(1)) if v else -1
                size = shared[i] if 0 <= i < len(shared) else 0
            if size > MAX_CELL_BYTES:
                limit = MAX_CELL_BYTES // 1024
                return refuse(f"{where or '有单元格'}内容过长（约 {size // 1024} KB，上限 {limit} KB），请检查文件")
            expanded += size
            if expanded > MAX_EXPANDED:
                return refuse(
                    f"单元格内容合计超过 {MAX_EXPANDED // MB} MB（共享字符串被大量重复引用），疑似压缩炸弹，已拒绝"
                )
    return True


def read_sheet(source, plan: LedgerPlan) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """Header map (column → index) and the non-empty data rows (spreadsheet row number, cells).

    Read with python-calamine (Rust; ~15× faster than openpyxl's read-only mode on a 10 000-row
    ledger, and its XML reader expands no entities). Cells come back as str/float/int/bool/date/
    datetime, an empty cell as "", formulas as their cached values.
    """
    if not check_container(source, plan):
        return {}, []
    table = _first_sheet(source, plan)
    if table is None:
        return {}, []
    if not table:
        plan.error(1, "文件", "第一个工作表是空的")
        return {}, []
    cols = _header(table[0], plan)
    rows = []
    for rownum, cells in enumerate(table[1:], start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        rows.append((rownum, tuple(cells)))
    return cols, rows


def _first_sheet(source, plan: LedgerPlan) -> list | None:
    from python_calamine import CalamineWorkbook

    try:
        if isinstance(source, (str, Path)):
            wb = CalamineWorkbook.from_path(str(source))
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            wb = CalamineWorkbook.from_filelike(source)
        # Keep leading empty rows/columns so that row numbers are the spreadsheet's.
        return wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # calamine raises several kinds for a non-xlsx or damaged file
        plan.error(1, "文件", "无法读取，请上传 Excel .xlsx 格式的台账（.xls 请先另存为 .xlsx）")
        return None
    finally:
        if not isinstance(source, (str, Path)) and hasattr(source, "seek"):
            source.seek(0)


def _header(header: list, plan: LedgerPlan) -> dict[str, int]:
    cols: dict[str, int] = {}
    for idx, text in enumerate(header):
        raw = fmt.cell_text(text)
        if not raw:
            continue
        name = fmt.canonical_header(raw)
        if name is None:
            plan.warnings.append(f"第1行 “{fmt.clip(raw)}”：不是台账的列，已忽略")
        elif name in cols:
            plan.error(1, name, f"列重复（第{col_letter(cols[name])}列和第{col_letter(idx)}列）")
        else:
            cols[name] = idx
    for name in fmt.REQUIRED_COLUMNS:
        if name not in cols:
            plan.error(1, name, "缺少必需的列")
    return cols


def col_letter(idx: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(idx + 1)


class _Row:
    """One data row: its cells by column name, and a way to report a problem in it."""

    def __init__(self, plan: LedgerPlan, rownum: int, cells: tuple, cols: dict[str, int]):
        self.plan, self.rownum, self.cells, self.cols = plan, rownum, cells, cols

    def raw(self, col):
        i = self.cols.get(col)
        return self.cells[i] if i is not None and i < len(self.cells) else None

    def text(self, col) -> str:
        return fmt.cell_text(self.raw(col))

    def bad(self, col, msg) -> None:
        self.plan.error(self.rownum, col, msg)

    def word(self, col, words: dict, hint: str, empty=None):
        """The value a word column maps to; an unknown word is a problem naming the choices."""
        t = self.text(col)
        if not t:
            return empty
        value = words.get(t)
        if value is None:
            self.bad(col, f"“{t}”无效，应为 {hint}")
            return empty
        return value


def parse_row(
    plan: LedgerPlan, rownum: int, cells: tuple, cols: dict[str, int], session: Session, today: dt.date
) -> dict:
    """Parse one row into typed values; each bad cell becomes a problem and a None value."""
    r = _Row(plan, rownum, cells, cols)
    v: dict = {}
    _parse_proposal_cells(r, v, session)
    _parse_dates(r, v, today)
    _parse_assignment_cells(r, v)
    _check_row(r, v)
    return v


def _parse_proposal_cells(r: _Row, v: dict, session: Session) -> None:
    v["编号"] = r.text("编号")
    if not v["编号"]:
        r.bad("编号", "不能为空")
    v["标题"] = r.text("标题")
    v["内容"] = r.text("内容")
    v["领衔人"] = r.text("领衔人")
    # The limits every other way in has (banli.web.limits): bulk_create skips the model check.
    for col, field in (
        ("标题", Proposal._meta.get_field("title")),
        ("内容", Proposal._meta.get_field("content")),
        ("领衔人", Proposer._meta.get_field("name")),
        ("界别/代表团", Proposer._meta.get_field("group")),
    ):
        limit = limit_of(field)
        if limit and len(r.text(col)) > limit:
            r.bad(col, too_long(col, limit, len(r.text(col))))
            v[col] = ""
    v["联名人"] = tuple(split_names(r.text("联名人"))) or None
    v["界别/代表团"] = r.text("界别/代表团")
    t = r.text("类型")
    if t:
        kind = fmt.KIND_WORDS.get(t)
        if kind is None:
            r.bad("类型", f"“{t}”无效，应为 建议 或 提案")
        elif kind != session.proposal_kind:
            r.bad(
                "类型",
                f"“{t}”与所选届次会议不符（{session.name}收到的是{fmt.KIND_LABELS[session.proposal_kind]}），请确认选择的届次会议",
            )
        v["类型"] = kind
    if r.text("来源"):
        v["来源"] = r.word("来源", fmt.CHANNEL_WORDS, "大会 或 平时")
    if r.text("立案状态"):
        v["立案状态"] = r.word("立案状态", fmt.REVIEW_WORDS, "立案、不立案 或 并案")
    v["并入编号"] = r.text("并入编号")
    if r.text("重点"):
        v["重点"] = r.word("重点", fmt.YES_WORDS, "是 或 否")


def _parse_dates(r: _Row, v: dict, today: dt.date) -> None:
    for col in fmt.DATE_COLUMNS:
        try:
            d = fmt.parse_date(r.raw(col))
        except fmt.CellError as e:
            r.bad(col, str(e))
            d = None
        if d is not None and d > today:
            r.bad(col, f"{cn_date(d)}晚于今天")
            d = None
        v[col] = d


def _parse_class(r: _Row, col: str) -> str:
    t = r.text(col)
    if not t:
        return ""
    c = fmt.normalise_class(t)
    if c not in fmt.CLASS_VALUES:
        r.bad(col, f"“{t}”无效，应为 A、B、C 或 D")
        return ""
    return c


def _parse_assignment_cells(r: _Row, v: dict) -> None:
    v["承办单位"] = r.text("承办单位")
    v["办理方式"] = r.word("办理方式", fmt.ROLE_WORDS, fmt.ROLE_HINT)
    v["答复类别"] = _parse_class(r, "答复类别")
    v["现类别"] = _parse_class(r, "现类别")
    v["公开"] = r.word("公开", fmt.DISCLOSURE_WORDS, "是 或 否", empty="")
    v["沟通方式"] = []
    for m in fmt.split_methods(r.text("沟通方式")):
        method = fmt.METHOD_WORDS.get(m)
        if method is None:
            r.bad("沟通方式", f"“{m}”无效，应为 {'、'.join(fmt.METHOD_WORDS)} 之一（多种用“、”分隔）")
        else:
            v["沟通方式"].append(method)
    v["评价"] = r.word("评价", fmt.VERDICT_WORDS, "满意、基本满意 或 不满意", empty="")


def _present(r: _Row) -> dict[str, bool]:
    dates = {col: r.raw(col) not in (None, "") for col in fmt.DATE_COLUMNS}
    texts = {col: bool(r.text(col)) for col in ("办理方式", "答复类别", "现类别", "公开", "沟通方式", "评价")}
    return dates | texts


def _check_row(r: _Row, v: dict) -> None:
    """Assignment columns only make sense with a unit, and history only in its natural order."""
    present = _present(r)
    if not v["承办单位"]:
        for col in ASSIGNMENT_DETAIL_COLUMNS:
            if present[col]:
                r.bad(col, "未填写承办单位，此列应留空")
        return
    if not present["办理方式"]:
        r.bad("办理方式", f"填写了承办单位，须填写办理方式：{fmt.ROLE_HINT}")
    _check_date_order(r, v, present)
    if v["办理方式"] == AssignmentRole.CO:
        _check_co_row(r, v, present)
        return
    if present["会办意见日期"]:
        role = fmt.ROLE_LABELS.get(v["办理方式"], "非会办")
        r.bad("会办意见日期", f"只有会办单位提交会办意见，{role}行此列应留空")
    if present["答复日期"] and not present["答复类别"]:
        r.bad("答复类别", "填写了答复日期，须填写答复类别 A、B、C 或 D")
    if present["答复类别"] and not present["答复日期"]:
        r.bad("答复日期", "填写了答复类别，须填写答复日期")
    for col in ("公开", "评价"):
        if present[col] and not present["答复日期"]:
            r.bad(col, "尚未答复（答复日期为空），此列应留空")
    _check_conversion(r, v, present)


def _check_date_order(r: _Row, v: dict, present: dict) -> None:
    a_on, s_on, r_on = v["交办日期"], v["签收日期"], v["答复日期"]
    if not present["交办日期"] and (present["签收日期"] or present["答复日期"] or present["会办意见日期"]):
        r.bad("交办日期", "填写了签收、答复或会办意见日期，须填写交办日期")
    if a_on and s_on and s_on < a_on:
        r.bad("签收日期", f"{cn_date(s_on)}早于交办日期{cn_date(a_on)}")
    if a_on and r_on and r_on < a_on:
        r.bad("答复日期", f"{cn_date(r_on)}早于交办日期{cn_date(a_on)}")
    elif s_on and r_on and r_on < s_on:
        r.bad("答复日期", f"{cn_date(r_on)}早于签收日期{cn_date(s_on)}")
    o_on = v["会办意见日期"]
    if a_on and o_on and o_on < a_on:
        r.bad("会办意见日期", f"{cn_date(o_on)}早于交办日期{cn_date(a_on)}")


def _check_co_row(r: _Row, v: dict, present: dict) -> None:
    for col in ("答复日期", "答复类别", "现类别", "转A日期", "公开", "评价"):
        if present[col]:
            r.bad(col, "会办单位向主办单位提出会办意见，不直接答复代表委员，此列应留空")


def _check_conversion(r: _Row, v: dict, present: dict) -> None:
    """现类别 / 转A日期: a B reply later solved keeps 答复类别 B and has 现类别 A since 转A日期."""
    was, now, on = v["答复类别"], v["现类别"], v["转A日期"]
    if present["现类别"] and not present["答复类别"]:
        r.bad("现类别", "未填写答复类别，此列应留空（现类别是答复后B类跟踪的结果）")
        return
    if present["转A日期"] and not present["现类别"]:
        r.bad("现类别", "填写了转A日期，须填写现类别 A")
        return
    if not (was and now) or now == was:
        if present["转A日期"] and now and now == was:
            r.bad("转A日期", f"现类别与答复类别相同（{now}类），此列应留空")
        return
    if was != "B" or now != "A":
        r.bad("现类别", f"答复类别{was}不能变为{now}类：只有B类答复可在跟踪落实后转为A类")
        return
    if not present["转A日期"]:
        r.bad("转A日期", "现类别与答复类别不同（B类已转A类），须填写转A日期")
    elif on and v["答复日期"] and on < v["答复日期"]:
        r.bad("转A日期", f"{cn_date(on)}早于答复日期{cn_date(v['答复日期'])}")
