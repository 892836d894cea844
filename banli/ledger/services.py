"""Ledger (台账) import and export, SPEC §11.

Import reads the whole .xlsx, validates every row against the file itself and the database,
and reports each problem as “第N行 列名：问题”. Only a file without problems is written, in one
transaction; rows already in the system (same session + 编号 + 承办单位) are left as they are,
so importing the same file twice changes nothing the second time.

Decisions worth knowing:
* Proposal-level columns (标题, 领衔人 …) may be repeated on every row of a proposal or left
  blank after its first row (merged cells); two different non-blank values are a problem.
* A proposal already in the session must agree with the file on 标题, 领衔人, 立案状态 and 并入编号;
  an existing (编号, 承办单位) must agree on 办理方式. Other progress recorded in the ledger for
  rows already in the system is not re-imported (the system is the source of truth once a case
  lives in it) — the report says how many rows were skipped.
* --create-orgs creates a missing 承办单位 as a top-level unit (outside every coordinator's
  subtree, like 市中级人民法院), or under `org_parent` when given; body staff see it at once,
  and an administrator can move it in the org tree.
* The ledger lists the top-level assignments of a session (what the body assigned). A
  district's sub-assignments to its own units are its internal distribution and stay out of it.
* A missing 交办日期 is the import day (one warning says how many rows).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from banli.audit.services import audit_record, audit_record_many
from banli.calendar import workdays
from banli.cases import deadlines
from banli.cases.models import (
    FACE_TO_FACE_METHODS,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Contact,
    ContactStage,
    Evaluation,
    JointKind,
    Proposal,
    Proposer,
    ProposerKind,
    Reply,
    ReplyState,
    ResultClass,
    ReviewState,
    Session,
    Verdict,
)
from banli.cases.services import check_roles, is_body_staff_of, proposer_get_or_create, split_names
from banli.errors import DomainError, NotFound
from banli.formatting import cn_date
from banli.handling.models import FollowUp, FollowUpState
from banli.orgs.models import Org, OrgKind, Role
from banli.orgs.services import org_add

from . import format as fmt

ProgressFn = Callable[[float, str], None]


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class LedgerInvalid(DomainError):
    """The ledger has problems; nothing was written. `problems` lists every one."""

    def __init__(self, plan: LedgerPlan):
        super().__init__(f"台账有 {len(plan.errors)} 处问题，未导入任何数据。请修改后重新上传。")
        self.plan = plan
        self.problems = plan.errors


@dataclass
class RowAssignment:
    row: int
    unit_name: str
    role: str
    assigned_on: dt.date | None
    signed_on: dt.date | None
    replied_on: dt.date | None
    result_class: str
    disclosure: str
    methods: list[str]
    verdict: str
    unit: Org | None = None


@dataclass
class RowProposal:
    number: str
    row: int
    values: dict = field(default_factory=dict)  # column → parsed value (first non-blank)
    value_rows: dict = field(default_factory=dict)  # column → row it came from
    assignments: list[RowAssignment] = field(default_factory=list)
    existing: Proposal | None = None
    new_assignments: list[RowAssignment] = field(default_factory=list)


COUNT_LABELS = {
    "proposals": "新增建议/提案",
    "proposals_existing": "已存在（跳过）",
    "assignments": "新增交办",
    "assignments_existing": "交办已存在（跳过）",
    "replies": "答复",
    "contacts": "沟通记录",
    "evaluations": "评价",
    "proposers": "新增代表/委员",
    "orgs": "新建承办单位",
}


@dataclass
class LedgerPlan:
    session: Session
    filename: str = ""
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    proposals: dict[str, RowProposal] = field(default_factory=dict)
    new_orgs: dict[str, int] = field(default_factory=dict)  # name → first row
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(Problem(row, column, message))

    def counts_display(self) -> list[tuple[str, int]]:
        return [(COUNT_LABELS[k], self.counts.get(k, 0)) for k in COUNT_LABELS]


PROPOSAL_COLUMNS = (
    "标题",
    "内容",
    "类型",
    "来源",
    "领衔人",
    "联名人",
    "界别/代表团",
    "提交日期",
    "立案状态",
    "并入编号",
    "重点",
)
ASSIGNMENT_DETAIL_COLUMNS = ("办理方式", "交办日期", "签收日期", "答复日期", "答复类别", "公开", "沟通方式", "评价")


# --- permission --------------------------------------------------------------------------------


def _require_importer(actor, session: Session) -> None:
    """CLI imports run as the system (actor None); in the web only the body's own staff."""
    if actor is None:
        return
    if not is_body_staff_of(actor, session.body):
        raise NotFound()


# --- reading -----------------------------------------------------------------------------------


def _read_sheet(source, plan: LedgerPlan) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    """Header map (column → index) and the non-empty data rows (spreadsheet row number, cells).

    Read with python-calamine (Rust; ~15× faster than openpyxl's read-only mode on a 10 000-row
    ledger, and its XML reader expands no entities). Cells come back as str/float/int/bool/date/
    datetime, an empty cell as "", formulas as their cached values.
    """
    from python_calamine import CalamineWorkbook

    try:
        if isinstance(source, (str, Path)):
            wb = CalamineWorkbook.from_path(str(source))
        else:
            if hasattr(source, "seek"):
                source.seek(0)
            wb = CalamineWorkbook.from_filelike(source)
        # Keep leading empty rows/columns so that row numbers are the spreadsheet's.
        table = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception:  # calamine raises several kinds for a non-xlsx or damaged file
        plan.error(1, "文件", "无法读取，请上传 Excel .xlsx 格式的台账（.xls 请先另存为 .xlsx）")
        return {}, []
    finally:
        if not isinstance(source, (str, Path)) and hasattr(source, "seek"):
            source.seek(0)
    if not table:
        plan.error(1, "文件", "第一个工作表是空的")
        return {}, []
    header = table[0]
    cols: dict[str, int] = {}
    for idx, text in enumerate(header):
        raw = fmt.cell_text(text)
        if not raw:
            continue
        name = fmt.canonical_header(raw)
        if name is None:
            plan.warnings.append(f"第1行 “{raw}”：不是台账的列，已忽略")
        elif name in cols:
            plan.error(1, name, f"列重复（第{_col_letter(cols[name])}列和第{_col_letter(idx)}列）")
        else:
            cols[name] = idx
    for name in fmt.REQUIRED_COLUMNS:
        if name not in cols:
            plan.error(1, name, "缺少必需的列")
    rows = []
    for rownum, cells in enumerate(table[1:], start=2):
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        rows.append((rownum, tuple(cells)))
    return cols, rows


def _col_letter(idx: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(idx + 1)


def _parse_row(
    plan: LedgerPlan, rownum: int, cells: tuple, cols: dict[str, int], session: Session, today: dt.date
) -> dict:
    """Parse one row into typed values; each bad cell becomes a problem and a None value."""

    def raw(col):
        i = cols.get(col)
        return cells[i] if i is not None and i < len(cells) else None

    def text(col):
        return fmt.cell_text(raw(col))

    def bad(col, msg):
        plan.error(rownum, col, msg)

    v: dict = {}
    v["编号"] = text("编号")
    if not v["编号"]:
        bad("编号", "不能为空")
    v["标题"] = text("标题")
    v["内容"] = text("内容")
    v["领衔人"] = text("领衔人")
    v["联名人"] = tuple(split_names(text("联名人"))) or None
    v["界别/代表团"] = text("界别/代表团")

    t = text("类型")
    if t:
        kind = fmt.KIND_WORDS.get(t)
        if kind is None:
            bad("类型", f"“{t}”无效，应为 建议 或 提案")
        elif kind != session.proposal_kind:
            bad(
                "类型",
                f"“{t}”与所选届次会议不符（{session.name}收到的是{fmt.KIND_LABELS[session.proposal_kind]}），请确认选择的届次会议",
            )
        v["类型"] = kind
    t = text("来源")
    if t:
        v["来源"] = fmt.CHANNEL_WORDS.get(t)
        if v["来源"] is None:
            bad("来源", f"“{t}”无效，应为 大会 或 平时")
    t = text("立案状态")
    if t:
        v["立案状态"] = fmt.REVIEW_WORDS.get(t)
        if v["立案状态"] is None:
            bad("立案状态", f"“{t}”无效，应为 立案、不立案 或 并案")
    v["并入编号"] = text("并入编号")
    t = text("重点")
    if t:
        v["重点"] = fmt.YES_WORDS.get(t)
        if v["重点"] is None:
            bad("重点", f"“{t}”无效，应为 是 或 否")

    for col in ("提交日期", "交办日期", "签收日期", "答复日期"):
        try:
            d = fmt.parse_date(raw(col))
        except fmt.CellError as e:
            bad(col, str(e))
            d = None
        if d is not None and d > today:
            bad(col, f"{cn_date(d)}晚于今天")
            d = None
        v[col] = d

    v["承办单位"] = text("承办单位")
    t = text("办理方式")
    v["办理方式"] = None
    if t:
        v["办理方式"] = fmt.ROLE_WORDS.get(t)
        if v["办理方式"] is None:
            bad("办理方式", f"“{t}”无效，应为 {fmt.ROLE_HINT}")
    t = text("答复类别")
    v["答复类别"] = ""
    if t:
        c = fmt.normalise_class(t)
        if c not in fmt.CLASS_VALUES:
            bad("答复类别", f"“{t}”无效，应为 A、B、C 或 D")
        else:
            v["答复类别"] = c
    t = text("公开")
    v["公开"] = ""
    if t:
        v["公开"] = fmt.DISCLOSURE_WORDS.get(t, "")
        if not v["公开"]:
            bad("公开", f"“{t}”无效，应为 是 或 否")
    v["沟通方式"] = []
    for m in fmt.split_methods(text("沟通方式")):
        method = fmt.METHOD_WORDS.get(m)
        if method is None:
            bad("沟通方式", f"“{m}”无效，应为 {'、'.join(fmt.METHOD_WORDS)} 之一（多种用“、”分隔）")
        else:
            v["沟通方式"].append(method)
    t = text("评价")
    v["评价"] = ""
    if t:
        v["评价"] = fmt.VERDICT_WORDS.get(t, "")
        if not v["评价"]:
            bad("评价", f"“{t}”无效，应为 满意、基本满意 或 不满意")

    # Assignment columns only make sense with a unit, and history only in its natural order.
    present = {
        "办理方式": bool(text("办理方式")),
        "交办日期": raw("交办日期") not in (None, ""),
        "签收日期": raw("签收日期") not in (None, ""),
        "答复日期": raw("答复日期") not in (None, ""),
        "答复类别": bool(text("答复类别")),
        "公开": bool(text("公开")),
        "沟通方式": bool(text("沟通方式")),
        "评价": bool(text("评价")),
    }
    if not v["承办单位"]:
        for col in ASSIGNMENT_DETAIL_COLUMNS:
            if present[col]:
                bad(col, "未填写承办单位，此列应留空")
        return v
    if not present["办理方式"]:
        bad("办理方式", f"填写了承办单位，须填写办理方式：{fmt.ROLE_HINT}")
    a_on, s_on, r_on = v["交办日期"], v["签收日期"], v["答复日期"]
    if not present["交办日期"] and (present["签收日期"] or present["答复日期"]):
        bad("交办日期", "填写了签收或答复日期，须填写交办日期")
    if a_on and s_on and s_on < a_on:
        bad("签收日期", f"{cn_date(s_on)}早于交办日期{cn_date(a_on)}")
    if a_on and r_on and r_on < a_on:
        bad("答复日期", f"{cn_date(r_on)}早于交办日期{cn_date(a_on)}")
    elif s_on and r_on and r_on < s_on:
        bad("答复日期", f"{cn_date(r_on)}早于签收日期{cn_date(s_on)}")
    if v["办理方式"] == AssignmentRole.CO:
        for col in ("答复日期", "答复类别", "公开", "评价"):
            if present[col]:
                bad(col, "会办单位向主办单位提出会办意见，不直接答复代表委员，此列应留空")
        return v
    if present["答复日期"] and not present["答复类别"]:
        bad("答复类别", "填写了答复日期，须填写答复类别 A、B、C 或 D")
    if present["答复类别"] and not present["答复日期"]:
        bad("答复日期", "填写了答复类别，须填写答复日期")
    for col in ("公开", "评价"):
        if present[col] and not present["答复日期"]:
            bad(col, "尚未答复（答复日期为空），此列应留空")
    return v


# --- validation --------------------------------------------------------------------------------


def ledger_validate(
    *,
    actor,
    session: Session,
    source: str | Path | IO[bytes],
    filename: str = "",
    create_orgs: bool = False,
    org_parent: Org | None = None,
    today: dt.date | None = None,
) -> LedgerPlan:
    """Read and check the whole ledger; returns the plan with every problem. Writes nothing."""
    _require_importer(actor, session)
    today = today or timezone.localdate()
    plan = LedgerPlan(
        session=session, filename=filename or (Path(source).name if isinstance(source, (str, Path)) else "")
    )
    cols, rows = _read_sheet(source, plan)
    if plan.errors:
        return plan
    plan.rows = len(rows)
    if not rows:
        plan.error(2, "文件", "台账中没有数据行")
        return plan

    missing_assigned_on = 0
    unit_rows: dict[str, int] = {}
    for rownum, cells in rows:
        v = _parse_row(plan, rownum, cells, cols, session, today)
        number = v["编号"]
        if not number:
            continue
        rp = plan.proposals.get(number)
        if rp is None:
            rp = plan.proposals[number] = RowProposal(number=number, row=rownum)
        for col in PROPOSAL_COLUMNS:
            val = v.get(col)
            if val in (None, "", ()):
                continue
            if col not in rp.values:
                rp.values[col] = val
                rp.value_rows[col] = rownum
            elif rp.values[col] != val:
                plan.error(rownum, col, f"与第{rp.value_rows[col]}行（同一编号 {number}）不一致")
        if v["承办单位"]:
            for other in rp.assignments:
                if other.unit_name == v["承办单位"]:
                    plan.error(
                        rownum,
                        "承办单位",
                        f"“{v['承办单位']}”在第{other.row}行已出现（同一编号 {number}，同一单位只能一行）",
                    )
                    break
            else:
                if v["交办日期"] is None:
                    missing_assigned_on += 1
                rp.assignments.append(
                    RowAssignment(
                        row=rownum,
                        unit_name=v["承办单位"],
                        role=v["办理方式"],
                        assigned_on=v["交办日期"] or today,
                        signed_on=v["签收日期"],
                        replied_on=v["答复日期"],
                        result_class=v["答复类别"],
                        disclosure=v["公开"],
                        methods=v["沟通方式"],
                        verdict=v["评价"],
                    )
                )
                unit_rows.setdefault(v["承办单位"], rownum)
    if missing_assigned_on:
        plan.warnings.append(
            f"{missing_assigned_on} 行未填写交办日期，按导入当天（{cn_date(today)}）计算签收和答复期限"
        )

    _check_units(plan, unit_rows, create_orgs, org_parent)
    _check_proposals(plan)
    _count(plan)
    order = {c: i for i, c in enumerate(fmt.COLUMNS)}
    plan.errors.sort(key=lambda p: (p.row, order.get(p.column, -1)))
    return plan


def _check_units(plan: LedgerPlan, unit_rows: dict[str, int], create_orgs: bool, org_parent: Org | None) -> None:
    found = {o.name: o for o in Org.objects.filter(name__in=list(unit_rows))}
    for name, row in unit_rows.items():
        o = found.get(name)
        if o is None:
            if create_orgs:
                plan.new_orgs[name] = row
            else:
                plan.error(
                    row,
                    "承办单位",
                    f"找不到单位“{name}”，请先在组织机构中添加（或勾选“自动新建承办单位”/使用 --create-orgs）",
                )
        elif o.kind != OrgKind.UNIT:
            plan.error(row, "承办单位", f"“{name}”是{o.get_kind_display()}，不是承办单位")
        elif not o.is_active:
            plan.error(row, "承办单位", f"单位“{name}”已停用")
    if plan.new_orgs:
        where = f"“{org_parent.name}”之下" if org_parent else "组织机构顶层（不属于任何协调机构，可由管理员移动）"
        plan.warnings.append(f"将新建 {len(plan.new_orgs)} 个承办单位，放在{where}：{'、'.join(plan.new_orgs)}")
    for rp in plan.proposals.values():
        for ra in rp.assignments:
            ra.unit = found.get(ra.unit_name)


def _check_proposals(plan: LedgerPlan) -> None:
    session = plan.session
    numbers = list(plan.proposals)
    existing = {
        p.number: p
        for p in Proposal.objects.filter(session=session, number__in=numbers).select_related("lead", "merged_into")
    }
    merge_targets = {rp.values.get("并入编号") for rp in plan.proposals.values()} - {None, ""}
    outside = {
        p.number: p
        for p in Proposal.objects.filter(
            session=session, number__in=[n for n in merge_targets if n not in plan.proposals]
        )
    }
    active = defaultdict(list)
    for a in (
        Assignment.objects.filter(proposal__in=list(existing.values()))
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("unit")
    ):
        active[a.proposal_id].append(a)

    def review_of(number: str) -> str | None:
        if number in plan.proposals:
            return plan.proposals[number].values.get("立案状态", ReviewState.ACCEPTED)
        p = outside.get(number)
        return p.review_state if p else None

    for number, rp in plan.proposals.items():
        vals = rp.values
        row = rp.row
        for col in ("标题", "领衔人"):
            if not vals.get(col):
                plan.error(row, col, f"不能为空（编号 {number}）")
        review = vals.get("立案状态", ReviewState.ACCEPTED)
        target = vals.get("并入编号", "")
        if review == ReviewState.MERGED:
            if not target:
                plan.error(row, "并入编号", "立案状态为并案，须填写并入的编号")
            elif target == number:
                plan.error(rp.value_rows["并入编号"], "并入编号", "不能并入自身")
            else:
                t_review = review_of(target)
                if t_review is None:
                    plan.error(
                        rp.value_rows["并入编号"], "并入编号", f"本届会议中找不到编号 {target}（台账和系统中都没有）"
                    )
                elif t_review in (ReviewState.MERGED, ReviewState.NOT_ACCEPTED):
                    plan.error(
                        rp.value_rows["并入编号"],
                        "并入编号",
                        f"编号 {target} 本身为“{fmt.REVIEW_LABELS[t_review]}”，不能作为并案主件",
                    )
        elif target:
            plan.error(rp.value_rows["并入编号"], "并入编号", "只有立案状态为并案的件才填写并入编号")
        if review != ReviewState.ACCEPTED and rp.assignments:
            plan.error(rp.assignments[0].row, "承办单位", f"“{fmt.REVIEW_LABELS[review]}”的件不能交办，承办单位应留空")
            continue

        p = existing.get(number)
        rp.existing = p
        current = []
        if p is not None:
            diffs = []
            if vals.get("标题") and vals["标题"] != p.title:
                diffs.append(("标题", p.title))
            if vals.get("领衔人") and vals["领衔人"] != p.lead.name:
                diffs.append(("领衔人", p.lead.name))
            if review != p.review_state:
                diffs.append(("立案状态", fmt.REVIEW_LABELS.get(p.review_state, p.review_state)))
            elif review == ReviewState.MERGED and p.merged_into and target != p.merged_into.number:
                diffs.append(("并入编号", p.merged_into.number))
            for col, was in diffs:
                plan.error(
                    rp.value_rows.get(col, row),
                    col,
                    f"与系统中已登记的编号 {number} 不一致（系统中为“{was}”）；已登记的件请在系统中修改",
                )
            current = active.get(p.pk, [])
        by_unit = {a.unit.name: a for a in current}
        new = []
        for ra in rp.assignments:
            a = by_unit.get(ra.unit_name)
            if a is None:
                new.append(ra)
            elif a.parent_id is not None:
                plan.error(ra.row, "承办单位", f"“{ra.unit_name}”已作为下级单位分解交办该件，不能再直接交办")
            elif ra.role and a.role != ra.role:
                plan.error(
                    ra.row,
                    "办理方式",
                    f"系统中“{ra.unit_name}”为{a.get_role_display()}，与台账的{fmt.ROLE_LABELS[ra.role]}不一致",
                )
        rp.new_assignments = new
        if new and all(ra.role for ra in rp.assignments):
            roles = [a.role for a in current if a.parent_id is None] + [ra.role for ra in new]
            try:
                check_roles(roles)
            except DomainError as e:
                plan.error(new[0].row, "办理方式", f"编号 {number}：{e.message.rstrip('。')}")


def _count(plan: LedgerPlan) -> None:
    c = Counter()
    names = set()
    for rp in plan.proposals.values():
        if rp.existing is None:
            c["proposals"] += 1
            names.add(rp.values.get("领衔人", ""))
            names.update(rp.values.get("联名人") or ())
        else:
            c["proposals_existing"] += 1
        c["assignments_existing"] += len(rp.assignments) - len(rp.new_assignments)
        for ra in rp.new_assignments:
            c["assignments"] += 1
            c["replies"] += bool(ra.replied_on and ra.result_class)
            c["contacts"] += len(ra.methods)
            c["evaluations"] += bool(ra.verdict and ra.replied_on)
    names.discard("")
    known = set(Proposer.objects.filter(body=plan.session.body, name__in=list(names)).values_list("name", flat=True))
    c["proposers"] = len(names - known)
    c["orgs"] = len(plan.new_orgs)
    plan.counts = {k: c.get(k, 0) for k in COUNT_LABELS}
    skipped = c["assignments_existing"] + sum(
        1 for rp in plan.proposals.values() if rp.existing is not None and not rp.assignments
    )
    if skipped:
        plan.warnings.append(f"{skipped} 行在系统中已存在，保持不变（已登记的件的办理进度以系统为准）")


# --- import ------------------------------------------------------------------------------------


def ledger_import(
    *,
    actor,
    session: Session,
    source: str | Path | IO[bytes],
    filename: str = "",
    create_orgs: bool = False,
    org_parent: Org | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    today: dt.date | None = None,
) -> LedgerPlan:
    """Validate the whole ledger, then import it in one transaction (or nothing).

    Raises LedgerInvalid (listing every problem) and writes nothing when any row is bad.
    With dry_run the validated plan is returned and nothing is written. Otherwise the plan's
    counts are what was created; a re-import of the same file creates nothing and records no
    audit event. Audit: one `ledger.import` event per proposal touched plus one summary event.
    """
    progress = progress or (lambda f, s: None)
    progress(0.0, "正在校验")
    plan = ledger_validate(
        actor=actor,
        session=session,
        source=source,
        filename=filename,
        create_orgs=create_orgs,
        org_parent=org_parent,
        today=today,
    )
    if not plan.ok:
        raise LedgerInvalid(plan)
    if dry_run:
        return plan
    progress(0.2, "正在写入")
    try:
        with transaction.atomic():
            _write(plan, actor, org_parent, progress)
            # bulk_create fires no save signals: index the session's texts once it commits
            # (only when the import wrote something: a re-import changes nothing).
            if any(v for k, v in plan.counts.items() if not k.endswith("_existing")):
                from banli.textintel.index import index_session_on_commit

                index_session_on_commit(session)
    except IntegrityError:
        raise DomainError("导入时其他人修改了本届会议的数据（可能同时导入了同一台账），未导入任何数据，请重新导入。")
    progress(1.0, "已完成")
    return plan


def _assignment_state(ra: RowAssignment) -> tuple[str, dt.date | None]:
    """The state the ledger's history puts the assignment in, and its closing date."""
    if ra.role == AssignmentRole.CO:
        return (AssignmentState.HANDLING if ra.signed_on else AssignmentState.PENDING_SIGN), None
    if ra.replied_on and ra.result_class:
        if ra.verdict == Verdict.UNSATISFIED:
            return AssignmentState.REHANDLING, None
        if ra.verdict:
            if ra.result_class == ResultClass.B:
                return AssignmentState.FOLLOW_UP, None
            return AssignmentState.CLOSED, ra.replied_on
        return AssignmentState.REPLIED, None
    return (AssignmentState.HANDLING if ra.signed_on else AssignmentState.PENDING_SIGN), None


def _write(plan: LedgerPlan, actor, org_parent: Org | None, progress: ProgressFn) -> None:
    session = plan.session
    body = session.body
    created = Counter()
    actor_obj = actor if getattr(actor, "pk", None) else None

    # Units created on request (--create-orgs).
    units: dict[str, Org] = {}
    for name in plan.new_orgs:
        units[name] = org_add(actor=actor_obj, name=name, kind=OrgKind.UNIT, parent=org_parent)
        created["orgs"] += 1
    for rp in plan.proposals.values():
        for ra in rp.new_assignments:
            if ra.unit is None:
                ra.unit = units[ra.unit_name]

    # Proposers: reuse by name within the body, create the missing ones.
    new_props = [rp for rp in plan.proposals.values() if rp.existing is None]
    wanted: dict[str, str] = {}
    for rp in new_props:
        wanted.setdefault(rp.values["领衔人"], rp.values.get("界别/代表团", ""))
        for n in rp.values.get("联名人") or ():
            wanted.setdefault(n, "")
    proposers = {p.name: p for p in Proposer.objects.filter(body=body, name__in=list(wanted))}
    for name, group in wanted.items():
        if name not in proposers:
            proposers[name] = proposer_get_or_create(body=body, name=name, group=group)
            created["proposers"] += 1
    progress(0.3, "正在写入建议提案")

    # Proposals.
    objs = []
    for rp in new_props:
        v = rp.values
        lead = proposers[v["领衔人"]]
        cos = [proposers[n] for n in (v.get("联名人") or ()) if n != lead.name]
        objs.append(
            Proposal(
                session=session,
                number=rp.number,
                title=v["标题"],
                content=v.get("内容", ""),
                kind=session.proposal_kind,
                channel=v.get("来源") or "plenary",
                lead=lead,
                joint_kind=JointKind.COLLECTIVE
                if lead.kind == ProposerKind.COLLECTIVE
                else (JointKind.JOINT if cos else JointKind.INDIVIDUAL),
                group=v.get("界别/代表团") or lead.group,
                submitted_on=v.get("提交日期"),
                review_state=v.get("立案状态", ReviewState.ACCEPTED),
                is_key=bool(v.get("重点")),
                created_by=actor_obj,
            )
        )
        rp._cosigners = cos
    Proposal.objects.bulk_create(objs, batch_size=500)
    by_number = {o.number: o for o in objs}
    for rp in new_props:
        rp._obj = by_number[rp.number]
    created["proposals"] = len(objs)

    # 并案 targets may be new or already in the session.
    merging = [rp for rp in new_props if rp.values.get("立案状态") == ReviewState.MERGED]
    if merging:
        targets = {n for n in (rp.values["并入编号"] for rp in merging) if n not in by_number}
        known = dict(Proposal.objects.filter(session=session, number__in=list(targets)).values_list("number", "pk"))
        for rp in merging:
            t = rp.values["并入编号"]
            rp._obj.merged_into_id = by_number[t].pk if t in by_number else known[t]
        Proposal.objects.bulk_update([rp._obj for rp in merging], ["merged_into"], batch_size=500)

    Through = Proposal.cosigners.through
    Through.objects.bulk_create(
        [Through(proposal_id=rp._obj.pk, proposer_id=c.pk) for rp in new_props for c in rp._cosigners], batch_size=1000
    )
    progress(0.45, "正在写入交办和办理记录")

    # Assignments with the history the ledger records.
    touched = [rp for rp in plan.proposals.values() if rp.existing is None or rp.new_assignments]
    a_objs: list[tuple[RowAssignment, Assignment]] = []
    # Due dates as assignment_create computes them (body policy; a key proposal's own dates),
    # memoised: a ledger has few distinct (date, role) pairs.
    memo: dict = {}

    def dues(on, role, proposal):
        key = (on, role, proposal.pk if proposal is not None and proposal.is_key else None)
        if key not in memo:
            memo[key] = deadlines.assignment_due_dates(on, role=role, body=body, proposal=proposal if key[2] else None)
        return memo[key]

    def after_reply(fn, on):
        key = (fn.__name__, on)
        if key not in memo:
            memo[key] = fn(on, body=body)
        return memo[key]

    for rp in touched:
        proposal = rp._obj if rp.existing is None else rp.existing
        for ra in rp.new_assignments:
            state, closed_on = _assignment_state(ra)
            replied = bool(ra.replied_on and ra.result_class)
            a = Assignment(
                proposal_id=proposal.pk,
                unit=ra.unit,
                role=ra.role,
                state=state,
                assigned_by=body,
                assigned_on=ra.assigned_on,
                **dues(ra.assigned_on, ra.role, proposal),
                signed_on=ra.signed_on,
                first_reply_on=ra.replied_on if replied else None,
                result_class=ra.result_class if replied else "",
                eval_due=after_reply(workdays.eval_due, ra.replied_on) if replied else None,
                # The ledger dates an evaluation on its reply day (it has no evaluation date).
                rehandling_due=after_reply(workdays.rehandling_due, ra.replied_on)
                if state == AssignmentState.REHANDLING
                else None,
                closed_on=closed_on,
            )
            a_objs.append((ra, a))
    Assignment.objects.bulk_create([a for _, a in a_objs], batch_size=500)
    created["assignments"] = len(a_objs)

    replies = []
    for ra, a in a_objs:
        if a.first_reply_on:
            r = Reply(
                assignment=a,
                seq=1,
                state=ReplyState.SENT,
                result_class=ra.result_class,
                disclosure=ra.disclosure,
                sent_on=ra.replied_on,
                created_by=actor_obj,
            )
            replies.append(r)
            ra._reply = r
    Reply.objects.bulk_create(replies, batch_size=500)
    created["replies"] = len(replies)
    # A B-class reply is followed up until converted to A or explained (SPEC §4).
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                assignment_id=r.assignment_id,
                reply=r,
                original_class=ResultClass.B,
                state=FollowUpState.OPEN,
                opened_on=r.sent_on,
            )
            for r in replies
            if r.result_class == ResultClass.B
        ],
        batch_size=500,
    )

    contacts = [
        Contact(
            assignment=a,
            on=ra.signed_on or ra.assigned_on,
            stage=ContactStage.BEFORE,
            method=m,
            face_to_face=m in FACE_TO_FACE_METHODS,
            summary="台账导入",
            created_by=actor_obj,
        )
        for ra, a in a_objs
        for m in ra.methods
    ]
    Contact.objects.bulk_create(contacts, batch_size=1000)
    created["contacts"] = len(contacts)

    lead_of = {}
    for rp in touched:
        lead_of[rp.number] = rp._obj.lead_id if rp.existing is None else rp.existing.lead_id
    evaluations = []
    a_of = {id(ra): a for ra, a in a_objs}
    for rp in touched:
        for ra in rp.new_assignments:
            r = getattr(ra, "_reply", None)
            if ra.verdict and r is not None:
                evaluations.append(
                    Evaluation(
                        assignment=a_of[id(ra)],
                        reply=r,
                        proposer_id=lead_of[rp.number],
                        verdict=ra.verdict,
                        on=ra.replied_on,
                        created_by=actor_obj,
                    )
                )
    Evaluation.objects.bulk_create(evaluations, batch_size=500)
    created["evaluations"] = len(evaluations)
    progress(0.6, "正在记录审计日志")

    # One audit event per proposal touched, then one for the import; appended in chunks (one
    # lock of the chain head per chunk) so the progress bar moves and PostgreSQL isn't slowed by
    # several round trips per event.
    n = len(touched)
    chunk = []
    for i, rp in enumerate(touched, start=1):
        p = rp._obj if rp.existing is None else rp.existing
        units_txt = [f"{ra.unit_name}（{fmt.ROLE_LABELS[ra.role]}）" for ra in rp.new_assignments]
        if rp.existing is None:
            summary = f"台账导入：登记 {p.number}《{p.title}》" + (
                f"，交办{'、'.join(units_txt)}" if units_txt else ""
            )
        else:
            summary = f"台账导入：交办{'、'.join(units_txt)}"
        chunk.append(
            dict(
                verb="ledger.import",
                obj=p,
                proposal_id=p.pk,
                summary=summary,
                new={
                    "source": plan.filename,
                    "number": p.number,
                    "review_state": p.review_state,
                    "assignments": [
                        {
                            "unit": ra.unit_name,
                            "role": ra.role,
                            "assigned_on": ra.assigned_on,
                            "signed_on": ra.signed_on,
                            "replied_on": ra.replied_on,
                            "result_class": ra.result_class,
                            "contacts": ra.methods,
                            "verdict": ra.verdict,
                        }
                        for ra in rp.new_assignments
                    ],
                },
            )
        )
        if len(chunk) == 500 or i == n:
            audit_record_many(actor=actor_obj, entries=chunk)
            chunk = []
            progress(0.6 + 0.4 * i / n, f"正在记录审计日志（{i}/{n}）")
    plan.counts = {k: created.get(k, 0) for k in COUNT_LABELS}
    plan.counts["proposals_existing"] = sum(1 for rp in plan.proposals.values() if rp.existing is not None)
    plan.counts["assignments_existing"] = sum(
        len(rp.assignments) - len(rp.new_assignments) for rp in plan.proposals.values()
    )
    if any(created.values()):
        audit_record(
            actor=actor_obj,
            verb="ledger.import",
            obj=session,
            summary=f"导入台账《{plan.filename}》：新增建议/提案 {created['proposals']} 件、交办 {created['assignments']} 个",
            new={"source": plan.filename, "rows": plan.rows, **plan.counts},
        )


# --- export ------------------------------------------------------------------------------------


def export_scope(actor, session: Session) -> Org | None:
    """The org subtree an exporter may see: None = the whole session (its body staff, the CLI).

    A coordinator gets the rows of units in its subtree only; anyone else is refused (NotFound).
    """
    if actor is None or is_body_staff_of(actor, session.body):
        return None
    if actor.has_role(Role.COORDINATOR) and actor.org_id:
        return actor.org
    raise NotFound()


def ledger_rows(*, actor, session: Session) -> list[list]:
    """The ledger rows (header first) of a session as `actor` may see them."""
    scope = export_scope(actor, session)
    first_reply = Reply.objects.filter(assignment=OuterRef("pk"), state=ReplyState.SENT).order_by("seq", "id")
    latest_eval = Evaluation.objects.filter(assignment=OuterRef("pk")).order_by("-on", "-id")
    aq = (
        Assignment.objects.filter(proposal__session=session, parent__isnull=True)
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("unit")
        .annotate(
            disclosure=Subquery(first_reply.values("disclosure")[:1]),
            verdict=Subquery(latest_eval.values("verdict")[:1]),
        )
        .order_by("proposal_id", "id")
    )
    pq = (
        Proposal.objects.filter(session=session)
        .select_related("lead", "merged_into")
        .prefetch_related("cosigners")
        .order_by("number", "id")
    )
    if scope is not None:
        aq = aq.filter(unit__path__startswith=scope.path)
        pq = pq.filter(assignments__in=aq.values("pk")).distinct()
    by_proposal = defaultdict(list)
    for a in aq:
        by_proposal[a.proposal_id].append(a)
    methods = defaultdict(list)
    for aid, m in (
        Contact.objects.filter(assignment__in=aq.values("pk"))
        .order_by("assignment_id", "on", "id")
        .values_list("assignment_id", "method")
    ):
        methods[aid].append(fmt.METHOD_LABELS.get(m, m))

    rows = [list(fmt.COLUMNS)]
    for p in pq:
        base = [
            p.number,
            p.title,
            p.content,
            fmt.KIND_LABELS.get(p.kind, ""),
            fmt.CHANNEL_LABELS.get(p.channel, ""),
            p.lead.name,
            "、".join(c.name for c in sorted(p.cosigners.all(), key=lambda c: c.pk)),
            p.group,
            p.submitted_on,
            fmt.REVIEW_LABELS.get(p.review_state, ""),
            p.merged_into.number if p.merged_into else "",
            "是" if p.is_key else "否",
        ]
        assignments = by_proposal.get(p.pk) or [None]
        for a in assignments:
            if a is None:
                rows.append(base + [""] * 9)
                continue
            rows.append(
                base
                + [
                    a.unit.name,
                    fmt.ROLE_LABELS.get(a.role, ""),
                    a.assigned_on,
                    a.signed_on,
                    a.first_reply_on,
                    a.result_class or "",
                    fmt.DISCLOSURE_LABELS.get(a.disclosure or "", ""),
                    "、".join(methods.get(a.pk, [])),
                    fmt.VERDICT_LABELS.get(a.verdict or "", ""),
                ]
            )
    return rows


def ledger_export(*, actor, session: Session) -> bytes:
    """The session's ledger as .xlsx bytes (same columns as the import), audited `ledger.export`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    scope = export_scope(actor, session)
    rows = ledger_rows(actor=actor, session=session)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    widths = {
        "编号": 12,
        "标题": 40,
        "内容": 30,
        "领衔人": 14,
        "联名人": 20,
        "界别/代表团": 14,
        "承办单位": 24,
        "沟通方式": 18,
    }
    for i, name in enumerate(fmt.COLUMNS):
        ws.column_dimensions[_col_letter(i)].width = widths.get(name, 11)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in rows[0]:
        c = WriteOnlyCell(ws, value=name)
        c.font = bold
        header.append(c)
    ws.append(header)
    for r in rows[1:]:
        out = []
        for v in r:
            if isinstance(v, dt.date):
                c = WriteOnlyCell(ws, value=v)
                c.number_format = "yyyy-mm-dd"
                out.append(c)
            else:
                out.append(v if v is not None else "")
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    with transaction.atomic():
        audit_record(
            actor=actor if getattr(actor, "pk", None) else None,
            verb="ledger.export",
            obj=session,
            summary=f"导出台账：{session.name}，{len(rows) - 1} 行" + (f"（{scope.name}范围）" if scope else ""),
            new={"rows": len(rows) - 1, "scope": scope.name if scope else "全部"},
        )
    return buf.getvalue()


# --- import jobs (the web page) ------------------------------------------------------------------

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _job_progress_key(job_id: int) -> str:
    return f"banli:ledger-job:{job_id}"


def job_live_progress(job) -> tuple[int, str]:
    """The running job's progress (percent, phase).

    The import is one transaction, so its progress cannot be committed to the job row while it
    runs (on SQLite the writer holds the only write lock). It goes to the cache instead: exact
    within one process, or across processes with a shared cache (Redis); otherwise the page
    shows the last committed phase.
    """
    from django.core.cache import cache

    live = cache.get(_job_progress_key(job.pk))
    if live and job.status == "running":
        return live
    return job.progress, job.get_status_display()


def import_job_create(*, actor, session: Session, upload, create_orgs: bool = False):
    """Store an uploaded ledger and validate it at once; the report is on the returned job."""
    from .models import ImportJob, JobStatus

    _require_importer(actor, session)
    if actor is None:
        raise NotFound()
    name = Path(getattr(upload, "name", "") or "台账.xlsx").name[:200]
    if not name.lower().endswith(".xlsx"):
        raise DomainError("请上传 Excel .xlsx 格式的台账（.xls 请先在 Excel 中另存为 .xlsx）。", field="file")
    if upload.size > MAX_UPLOAD_BYTES:
        raise DomainError(f"文件过大（{upload.size // 1024 // 1024} MB），台账不能超过 20 MB。", field="file")
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":  # an .xlsx is a zip archive
        raise DomainError(
            "文件内容不是 .xlsx 格式（可能只是改了扩展名），请在 Excel 中另存为 .xlsx 后上传。", field="file"
        )
    plan = ledger_validate(actor=actor, session=session, source=upload, filename=name, create_orgs=create_orgs)
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            session=session,
            filename=name,
            create_orgs=create_orgs,
            created_by=actor,
            rows=plan.rows,
            status=JobStatus.VALIDATED if plan.ok else JobStatus.INVALID,
            planned=plan.counts,
            errors=[p.as_dict() for p in plan.errors],
            warnings=plan.warnings,
        )
        job.file.save(name, upload, save=False)
        job.save()
    return job


def _job_transition(job, new: str) -> None:
    from .models import JOB_TRANSITIONS

    if new not in JOB_TRANSITIONS.get(job.status, set()):
        raise DomainError(f"该导入任务为“{job.get_status_display()}”，不能再执行此操作。")
    job.status = new


def import_job_confirm(*, actor, job):
    """Confirm a validated job; the import starts in the background once this commits."""
    from .models import ImportJob

    _require_importer(actor, job.session)
    if actor is None:
        raise NotFound()
    with transaction.atomic():
        j = ImportJob.objects.select_for_update().get(pk=job.pk)
        _job_transition(j, "queued")
        j.progress = 0
        j.save(update_fields=["status", "progress"])
        transaction.on_commit(lambda: job_launch(j.pk))
    return j


def job_launch(job_id: int) -> None:
    """Run the job in a background thread of this process (tests replace this to run inline)."""
    import threading

    threading.Thread(target=_job_thread, args=(job_id,), name=f"ledger-import-{job_id}", daemon=True).start()


def _job_thread(job_id: int) -> None:
    from django.db import connections

    try:
        import_job_run(job_id)
    finally:
        connections.close_all()


def import_job_run(job_id: int) -> None:
    """Import a confirmed job's file: validates again (the data may have changed), then writes."""
    from django.core.cache import cache

    from .models import ImportJob, JobStatus

    job = ImportJob.objects.select_related("session__body", "created_by").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return
    # Claim the job with a conditional update so two workers never run it twice.
    if not ImportJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), progress=1
    ):
        return
    key = _job_progress_key(job.pk)

    def progress(fraction: float, phase: str) -> None:
        cache.set(key, (max(1, min(99, int(fraction * 100))), phase), 3600)

    result: dict = {"status": JobStatus.DONE, "finished_at": None}
    try:
        with job.file.open("rb") as fh:
            plan = ledger_import(
                actor=job.created_by,
                session=job.session,
                source=fh,
                filename=job.filename,
                create_orgs=job.create_orgs,
                progress=progress,
            )
        result.update(counts=plan.counts, warnings=plan.warnings, progress=100)
    except LedgerInvalid as e:
        result.update(status=JobStatus.FAILED, errors=[p.as_dict() for p in e.problems], warnings=e.plan.warnings)
    except DomainError as e:
        result.update(status=JobStatus.FAILED, errors=[{"row": 0, "column": "", "message": e.message}])
    except Exception:  # keep the page honest if anything unexpected happens; the log has the trace
        import logging

        logging.getLogger(__name__).exception("ledger import job %s failed", job.pk)
        result.update(
            status=JobStatus.FAILED,
            errors=[{"row": 0, "column": "", "message": "导入时发生系统错误，未导入任何数据。请联系系统管理员。"}],
        )
    result["finished_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**result)
    cache.delete(key)
