"""Validating a ledger: every row read, then the file checked against itself and the database.

`ledger_validate` writes nothing; it returns the plan with every problem, the warnings and the
counts of what an import would create.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from typing import IO

from django.utils import timezone

from banli.cases.models import Assignment, AssignmentRole, AssignmentState, Proposal, Proposer, ReviewState, Session
from banli.cases.services import check_roles
from banli.errors import DomainError
from banli.formatting import cn_date
from banli.orgs.models import Org, OrgKind

from . import format as fmt
from .plan import COUNT_LABELS, PROPOSAL_COLUMNS, LedgerPlan, RowAssignment, RowProposal, require_importer
from .reading import parse_row, read_sheet


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
    require_importer(actor, session)
    today = today or timezone.localdate()
    plan = LedgerPlan(
        session=session, filename=filename or (Path(source).name if isinstance(source, (str, Path)) else "")
    )
    cols, rows = read_sheet(source, plan)
    if plan.errors:
        return plan
    plan.rows = len(rows)
    if not rows:
        plan.error(2, "文件", "台账中没有数据行")
        return plan
    unit_rows = _collect_rows(plan, rows, cols, today)
    _check_units(plan, unit_rows, create_orgs, org_parent)
    _check_proposals(plan)
    _count(plan)
    order = {c: i for i, c in enumerate(fmt.COLUMNS)}
    plan.errors.sort(key=lambda p: (p.row, order.get(p.column, -1)))
    return plan


def _collect_rows(plan: LedgerPlan, rows: list, cols: dict[str, int], today: dt.date) -> dict[str, int]:
    """Parse every row into the plan's proposals and assignments; returns unit name → first row."""
    missing_assigned_on = 0
    unit_rows: dict[str, int] = {}
    for rownum, cells in rows:
        v = parse_row(plan, rownum, cells, cols, plan.session, today)
        number = v["编号"]
        if not number:
            continue
        rp = plan.proposals.get(number)
        if rp is None:
            rp = plan.proposals[number] = RowProposal(number=number, row=rownum)
        _merge_proposal_values(plan, rp, rownum, v)
        if not v["承办单位"]:
            continue
        other = next((o for o in rp.assignments if o.unit_name == v["承办单位"]), None)
        if other is not None:
            plan.error(
                rownum, "承办单位", f"“{v['承办单位']}”在第{other.row}行已出现（同一编号 {number}，同一单位只能一行）"
            )
            continue
        if v["交办日期"] is None:
            missing_assigned_on += 1
        rp.assignments.append(_row_assignment(rownum, v, today))
        unit_rows.setdefault(v["承办单位"], rownum)
    if missing_assigned_on:
        plan.warnings.append(
            f"{missing_assigned_on} 行未填写交办日期，按导入当天（{cn_date(today)}）计算签收和答复期限"
        )
    return unit_rows


def _merge_proposal_values(plan: LedgerPlan, rp: RowProposal, rownum: int, v: dict) -> None:
    """Proposal columns may repeat on every row of a proposal or be blank; they must not differ."""
    for col in PROPOSAL_COLUMNS:
        val = v.get(col)
        if val in (None, "", ()):
            continue
        if col not in rp.values:
            rp.values[col] = val
            rp.value_rows[col] = rownum
        elif rp.values[col] != val:
            plan.error(rownum, col, f"与第{rp.value_rows[col]}行（同一编号 {rp.number}）不一致")


def _row_assignment(rownum: int, v: dict, today: dt.date) -> RowAssignment:
    return RowAssignment(
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
        opinion_on=v["会办意见日期"],
        current_class=v["现类别"] if v["现类别"] != v["答复类别"] else "",
        converted_on=v["转A日期"],
    )


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


class _Session:
    """What the database already holds for the ledger's numbers: proposals and their assignments."""

    def __init__(self, plan: LedgerPlan):
        session = plan.session
        numbers = list(plan.proposals)
        self.plan = plan
        self.existing = {
            p.number: p
            for p in Proposal.objects.filter(session=session, number__in=numbers).select_related("lead", "merged_into")
        }
        merge_targets = {rp.values.get("并入编号") for rp in plan.proposals.values()} - {None, ""}
        self.outside = {
            p.number: p
            for p in Proposal.objects.filter(
                session=session, number__in=[n for n in merge_targets if n not in plan.proposals]
            )
        }
        self.active = defaultdict(list)
        for a in (
            Assignment.objects.filter(proposal__in=list(self.existing.values()))
            .exclude(state=AssignmentState.WITHDRAWN)
            .select_related("unit")
        ):
            self.active[a.proposal_id].append(a)

    def review_of(self, number: str) -> str | None:
        if number in self.plan.proposals:
            return self.plan.proposals[number].values.get("立案状态", ReviewState.ACCEPTED)
        p = self.outside.get(number)
        return p.review_state if p else None


def _check_proposals(plan: LedgerPlan) -> None:
    db = _Session(plan)
    for number, rp in plan.proposals.items():
        for col in ("标题", "领衔人"):
            if not rp.values.get(col):
                plan.error(rp.row, col, f"不能为空（编号 {number}）")
        review = rp.values.get("立案状态", ReviewState.ACCEPTED)
        _check_merge(plan, db, rp, review)
        if review != ReviewState.ACCEPTED and rp.assignments:
            plan.error(rp.assignments[0].row, "承办单位", f"“{fmt.REVIEW_LABELS[review]}”的件不能交办，承办单位应留空")
            continue
        p = db.existing.get(number)
        rp.existing = p
        current = []
        if p is not None:
            _check_against_existing(plan, rp, p, review)
            current = db.active.get(p.pk, [])
        _check_assignments(plan, rp, current)


def _check_merge(plan: LedgerPlan, db: _Session, rp: RowProposal, review: str) -> None:
    target = rp.values.get("并入编号", "")
    if review != ReviewState.MERGED:
        if target:
            plan.error(rp.value_rows["并入编号"], "并入编号", "只有立案状态为并案的件才填写并入编号")
        return
    if not target:
        plan.error(rp.row, "并入编号", "立案状态为并案，须填写并入的编号")
        return
    row = rp.value_rows["并入编号"]
    if target == rp.number:
        plan.error(row, "并入编号", "不能并入自身")
        return
    t_review = db.review_of(target)
    if t_review is None:
        plan.error(row, "并入编号", f"本届会议中找不到编号 {target}（台账和系统中都没有）")
    elif t_review in (ReviewState.MERGED, ReviewState.NOT_ACCEPTED):
        plan.error(row, "并入编号", f"编号 {target} 本身为“{fmt.REVIEW_LABELS[t_review]}”，不能作为并案主件")


def _check_against_existing(plan: LedgerPlan, rp: RowProposal, p: Proposal, review: str) -> None:
    """A proposal already in the session must agree on 标题, 领衔人, 立案状态 and 并入编号."""
    vals = rp.values
    diffs = []
    if vals.get("标题") and vals["标题"] != p.title:
        diffs.append(("标题", p.title))
    if vals.get("领衔人") and vals["领衔人"] != p.lead.name:
        diffs.append(("领衔人", p.lead.name))
    if review != p.review_state:
        diffs.append(("立案状态", fmt.REVIEW_LABELS.get(p.review_state, p.review_state)))
    elif review == ReviewState.MERGED and p.merged_into and vals.get("并入编号", "") != p.merged_into.number:
        diffs.append(("并入编号", p.merged_into.number))
    for col, was in diffs:
        plan.error(
            rp.value_rows.get(col, rp.row),
            col,
            f"与系统中已登记的编号 {rp.number} 不一致（系统中为“{was}”）；已登记的件请在系统中修改",
        )


def _check_assignments(plan: LedgerPlan, rp: RowProposal, current: list[Assignment]) -> None:
    """Rows of units already assigned are skipped (same role required); the new ones must fit the roles."""
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
    rp.existing_lead = next((a for a in current if a.role == AssignmentRole.LEAD and a.parent_id is None), None)
    if new and all(ra.role for ra in rp.assignments):
        roles = [a.role for a in current if a.parent_id is None] + [ra.role for ra in new]
        try:
            check_roles(roles)
        except DomainError as e:
            plan.error(new[0].row, "办理方式", f"编号 {rp.number}：{e.message.rstrip('。')}")


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
            c["co_opinions"] += bool(ra.opinion_on)
            c["conversions"] += bool(ra.current_class)
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
