"""Spreadsheets (.xlsx) of SPEC §7/§11 besides the ledger: the responsibility list (责任清单) and
the B-class follow-up ledger; and the session archive (.zip) for 档案管理.

All are built over `scoped_assignments` of (sessions, org), the scope the dashboards count.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile

from django.db.models import Prefetch

from banli.cases.models import Attachment, Contact, Evaluation, Reply, ReplyState
from banli.formatting import cn_date, csv_text, xlsx_row
from banli.handling.models import CommitmentProgress, HandlingPlan
from banli.orgs.models import Org
from banli.stats import data as d


def xlsx(sheets: list[tuple[str, list[list]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        for i, r in enumerate(rows):
            ws.append(xlsx_row(ws, list(r)))
            if i == 0:
                for c in ws[1]:
                    c.font = Font(bold=True)
                    c.alignment = Alignment(wrap_text=True, vertical="center")
        ws.freeze_panes = "A2"
        for col in ws.columns:
            width = max((len(str(c.value)) if c.value is not None else 0) for c in col[:300])
            ws.column_dimensions[col[0].column_letter].width = min(50, max(8, width * 1.6))
            for c in col[1:]:
                if isinstance(c.value, dt.date):
                    c.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


RESPONSIBILITY_COLUMNS = [
    "编号",
    "标题",
    "领衔人",
    "承办单位",
    "办理方式",
    "牵头处室",
    "协办处室",
    "责任领导",
    "责任人",
    "内部期限",
    "签收期限",
    "答复期限",
    "状态",
]


def responsibility_rows(*, sessions, org: Org | None) -> list[list]:
    """责任清单: one row per assignment with its handling plan (lead/assisting depts, leader, person, deadlines)."""

    qs = (
        d.scope_assignments(sessions=sessions, org=org)
        .select_related("proposal", "proposal__lead", "unit")
        .prefetch_related(
            Prefetch(
                "plan",
                queryset=HandlingPlan.objects.select_related(
                    "lead_dept", "responsible_leader", "responsible_person"
                ).prefetch_related("assist_depts"),
            )
        )
        .order_by("proposal__number", "id")
    )
    rows = [RESPONSIBILITY_COLUMNS]
    for a in qs:
        plan = getattr(a, "plan", None) if _has_plan(a) else None
        rows.append(
            [
                a.proposal.number,
                a.proposal.title,
                a.proposal.lead.name,
                a.unit.name,
                a.get_role_display(),
                plan.lead_dept.name if plan and plan.lead_dept_id else "",
                "、".join(x.name for x in plan.assist_depts.all()) if plan else "",
                _person(plan.responsible_leader) if plan else "",
                _person(plan.responsible_person) if plan else "",
                plan.internal_due if plan and plan.internal_due else "",
                a.sign_due or "",
                a.reply_due or "",
                a.get_state_display(),
            ]
        )
    return rows


def _has_plan(a) -> bool:
    try:
        return a.plan is not None
    except Exception:  # RelatedObjectDoesNotExist: no plan made yet
        return False


def _person(user) -> str:
    return user.display_name if user is not None else ""


B_COLUMNS = [
    "编号",
    "标题",
    "领衔人",
    "承办单位",
    "答复日期",
    "原答复类别",
    "当前类别",
    "跟踪状态",
    "承诺事项",
    "承诺完成时间",
    "承诺状态",
    "最新进展",
    "进展日期",
]


def b_ledger_rows(*, sessions, org: Org | None) -> list[list]:
    """B类跟踪台账: one row per commitment (or per B reply without commitments)."""
    rows = [B_COLUMNS]
    for row in d.b_class_replies(sessions=sessions, org=org):
        fu, p, unit = row["followup"], row["proposal"], row["unit"]
        a = fu.assignment if fu else None
        base = [
            p.number,
            p.title,
            p.lead.name,
            unit.name,
            (fu.reply.sent_on if fu and fu.reply.sent_on else "") or "",
            fu.original_class if fu else "B",
            (a.result_class if a else "B") or "B",
            fu.get_state_display() if fu else "跟踪落实中",
        ]
        if not row["commitments"]:
            rows.append(base + ["", "", "", "", ""])
        for c in row["commitments"]:
            last = c.progress.order_by("-on", "-id").first()
            rows.append(
                base + [c.text, c.due, c.get_state_display(), last.text if last else "", last.on if last else ""]
            )
    return rows


def contact_rows(*, sessions, org: Org | None) -> list[list]:
    """沟通联系记录: every contact of the scope's assignments, by proposal and date."""
    rows = [["编号", "标题", "承办单位", "日期", "阶段", "方式", "见面", "参加人员", "带队领导", "情况摘要"]]
    for c in (
        Contact.objects.filter(assignment__in=d.scope_assignments(sessions=sessions, org=org))
        .select_related("assignment__proposal", "assignment__unit")
        .order_by("assignment__proposal__number", "on", "id")
    ):
        a = c.assignment
        rows.append(
            [
                a.proposal.number,
                a.proposal.title,
                a.unit.name,
                c.on,
                c.get_stage_display(),
                c.get_method_display(),
                "是" if c.face_to_face else "否",
                c.participants,
                c.leader,
                c.summary,
            ]
        )
    return rows


def evaluation_rows(*, sessions, org: Org | None) -> list[list]:
    """评价意见: every evaluation of the scope's replies."""
    rows = [["编号", "标题", "承办单位", "评价人", "评价日期", "总体评价", "办理态度", "办理结果", "是否走访", "意见"]]
    yes_no = {True: "是", False: "否", None: ""}
    for e in (
        Evaluation.objects.filter(assignment__in=d.scope_assignments(sessions=sessions, org=org))
        .select_related("assignment__proposal__lead", "assignment__unit", "proposer")
        .order_by("assignment__proposal__number", "on", "id")
    ):
        a = e.assignment
        rows.append(
            [
                a.proposal.number,
                a.proposal.title,
                a.unit.name,
                (e.proposer or a.proposal.lead).name,
                e.on,
                e.get_verdict_display(),
                e.get_attitude_display(),
                e.get_result_display(),
                yes_no[e.visited],
                e.comment,
            ]
        )
    return rows


def followup_progress_rows(*, sessions, org: Org | None) -> list[list]:
    """B类跟踪进展: every progress report, conversion and explanation of the scope's commitments."""
    rows = [["编号", "标题", "承办单位", "承诺事项", "承诺完成时间", "日期", "类型", "进展情况"]]
    for x in (
        CommitmentProgress.objects.filter(
            commitment__reply__assignment__in=d.scope_assignments(sessions=sessions, org=org)
        )
        .select_related("commitment__reply__assignment__proposal", "commitment__reply__assignment__unit")
        .order_by("commitment__reply__assignment__proposal__number", "on", "id")
    ):
        c = x.commitment
        a = c.reply.assignment
        rows.append(
            [a.proposal.number, a.proposal.title, a.unit.name, c.text, c.due, x.on, x.get_kind_display(), x.text]
        )
    return rows


# --- archive -----------------------------------------------------------------------------------


def archive_zip(
    *, session, org: Org | None, ledger_rows: list[list], letter_for, summary: tuple[bytes, str] | None = None
) -> tuple[bytes, int]:
    """The archive of a session (or a unit's part of it): 台账.xlsx, the work summary, every sent
    reply as its .docx letter plus its attached documents, the responsibility list, the B ledger and
    its progress, contacts and evaluations, an index (目录.csv, also as a sheet), and a manifest of
    SHA-256 checksums (manifest.json, SHA256SUMS for `sha256sum -c`). Returns (zip, files)."""
    buf = io.BytesIO()
    index = [["序号", "文件", "类型", "编号", "标题", "承办单位", "答复日期", "答复类别"]]
    sums: list[tuple[str, int, str]] = []
    n = 0

    def write(path: str, content: bytes) -> None:
        zf.writestr(path, content)
        sums.append((path, len(content), hashlib.sha256(content).hexdigest()))

    def add(path: str, content: bytes, kind: str, p=None, unit="", sent="", cls=""):
        nonlocal n
        n += 1
        write(path, content)
        index.append([n, path, kind, p.number if p else "", p.title if p else "", unit, sent, cls])

    scope = dict(sessions=[session], org=org)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        add("台账.xlsx", xlsx([("台账", ledger_rows)]), "台账")
        if summary is not None:
            add(_safe(summary[1]), summary[0], "办理工作总结")
        add("责任清单.xlsx", xlsx([("责任清单", responsibility_rows(**scope))]), "责任清单")
        add("B类跟踪台账.xlsx", xlsx([("B类跟踪台账", b_ledger_rows(**scope))]), "B类跟踪台账")
        add("B类跟踪进展.xlsx", xlsx([("B类跟踪进展", followup_progress_rows(**scope))]), "B类跟踪进展")
        add("沟通联系记录.xlsx", xlsx([("沟通联系记录", contact_rows(**scope))]), "沟通联系记录")
        add("评价意见.xlsx", xlsx([("评价意见", evaluation_rows(**scope))]), "评价意见")
        replies = (
            Reply.objects.filter(
                assignment__in=d.scope_assignments(sessions=[session], org=org), state=ReplyState.SENT
            )
            .select_related(
                "assignment__proposal__session__body", "assignment__proposal__lead", "assignment__unit", "approved_by"
            )
            .order_by("assignment__proposal__number", "assignment_id", "seq")
        )
        for r in replies:
            a, p = r.assignment, r.assignment.proposal
            folder = f"答复/{_safe(p.number)}_{_safe(a.unit.name)}"
            content, name = letter_for(r)
            add(f"{folder}/{_safe(name)}", content, "答复函", p, a.unit.name, cn_date(r.sent_on), r.result_class)
            for att in Attachment.objects.filter(reply=r).order_by("uploaded_at", "id"):
                try:
                    with att.file.open("rb") as fh:
                        blob = fh.read()
                except (FileNotFoundError, OSError, ValueError):
                    continue
                add(
                    f"{folder}/附件_{att.pk}_{_safe(att.name)}",
                    blob,
                    "答复附件",
                    p,
                    a.unit.name,
                    cn_date(r.sent_on),
                    r.result_class,
                )
        text = io.StringIO()
        csv.writer(text).writerows([[csv_text(v) for v in r] for r in index])
        write("目录.csv", ("\ufeff" + text.getvalue()).encode())
        write("目录.xlsx", xlsx([("目录", index)]))
        manifest = {
            "session": session.name,
            "org": org.name if org else None,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": [{"path": p, "size": size, "sha256": digest} for p, size, digest in sums],
        }
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        zf.writestr("SHA256SUMS", "".join(f"{digest}  {p}\n" for p, _size, digest in sums))
    return buf.getvalue(), n


def _safe(name: str) -> str:
    for ch in '\\/:*?"<>|\n\r\t':
        name = name.replace(ch, "_")
    return name.strip()[:80] or "_"
