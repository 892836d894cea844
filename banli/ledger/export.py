"""Exporting a session's ledger (SPEC §11 columns) as rows or .xlsx, scoped to what the exporter may see."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

from django.db import transaction
from django.db.models import OuterRef, Subquery

from banli.audit.services import audit_record
from banli.cases.models import (
    Assignment,
    AssignmentState,
    Contact,
    Evaluation,
    Proposal,
    Reply,
    ReplyState,
    Session,
)
from banli.cases.selectors import user_unit
from banli.cases.services import is_body_staff_of
from banli.errors import NotFound
from banli.formatting import xlsx_row
from banli.handling.models import CoOpinion, FollowUp, FollowUpState
from banli.orgs.models import Org, Role

from . import format as fmt
from .reading import col_letter


def export_scope(actor, session: Session, org: Org | None = None) -> Org | None:
    """The one rule for what part of a session's ledger an exporter gets: an org subtree, or None
    for the whole session. Every ledger export (this app's page and command, the reports page
    and archive) asks it.

    * the system (actor None: the command line, the archive after its own check) and the body's
      own staff: `org` as asked, None = the whole session;
    * a coordinator: its own subtree, or an org inside it;
    * a unit leader or liaison: its unit's subtree, or an org inside it;
    * anyone else, or an org outside the exporter's subtree: NotFound.
    """
    if actor is None or is_body_staff_of(actor, session.body):
        return org
    roots = []
    if actor.has_role(Role.COORDINATOR) and actor.org_id:
        roots.append(actor.org)
    if actor.has_role(Role.UNIT_LEADER, Role.UNIT_LIAISON) and user_unit(actor) is not None:
        roots.append(user_unit(actor))
    if not roots:
        raise NotFound()
    if org is None:
        return roots[0]
    if any(org.path.startswith(root.path) for root in roots):
        return org
    raise NotFound()


def _assignments(session: Session, scope: Org | None):
    """The top-level, not withdrawn assignments of the session (in `scope`), with their first
    reply's disclosure and latest verdict."""
    first_reply = Reply.objects.filter(assignment=OuterRef("pk"), state=ReplyState.SENT).order_by("seq", "id")
    latest_eval = Evaluation.objects.filter(assignment=OuterRef("pk")).order_by("-on", "-id")
    converted = FollowUp.objects.filter(assignment=OuterRef("pk"), state=FollowUpState.CONVERTED).order_by(
        "-closed_on"
    )
    aq = (
        Assignment.objects.filter(proposal__session=session, parent__isnull=True)
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("unit")
        .annotate(
            disclosure=Subquery(first_reply.values("disclosure")[:1]),
            first_class=Subquery(first_reply.values("result_class")[:1]),
            opinion_on=Subquery(CoOpinion.objects.filter(assignment=OuterRef("pk")).values("submitted_on")[:1]),
            converted_on=Subquery(converted.values("closed_on")[:1]),
            verdict=Subquery(latest_eval.values("verdict")[:1]),
        )
        .order_by("proposal_id", "id")
    )
    if scope is not None:
        aq = aq.filter(unit__path__startswith=scope.path)
    return aq


def _methods(aq) -> dict[int, list[str]]:
    methods = defaultdict(list)
    for aid, m in (
        Contact.objects.filter(assignment__in=aq.values("pk"))
        .order_by("assignment_id", "on", "id")
        .values_list("assignment_id", "method")
    ):
        methods[aid].append(fmt.METHOD_LABELS.get(m, m))
    return methods


def _proposal_cells(p: Proposal) -> list:
    return [
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


def _assignment_cells(a: Assignment | None, methods: dict[int, list[str]]) -> list:
    if a is None:
        return [""] * 12
    # 答复类别 is the class the reply gave; 现类别 only when B follow-up changed it since.
    replied_class = a.first_class or a.result_class or ""
    now_class = a.result_class if a.result_class and a.result_class != replied_class else ""
    return [
        a.unit.name,
        fmt.ROLE_LABELS.get(a.role, ""),
        a.assigned_on,
        a.signed_on,
        a.first_reply_on,
        a.opinion_on,
        replied_class,
        now_class,
        a.converted_on if now_class else None,
        fmt.DISCLOSURE_LABELS.get(a.disclosure or "", ""),
        "、".join(methods.get(a.pk, [])),
        fmt.VERDICT_LABELS.get(a.verdict or "", ""),
    ]


def ledger_rows(*, actor, session: Session, org: Org | None = None) -> list[list]:
    """The ledger rows (header first) of a session, or of `org`'s part of it, as `actor` may see them."""
    scope = export_scope(actor, session, org)
    aq = _assignments(session, scope)
    pq = (
        Proposal.objects.filter(session=session)
        .select_related("lead", "merged_into")
        .prefetch_related("cosigners")
        .order_by("number", "id")
    )
    if scope is not None:
        pq = pq.filter(assignments__in=aq.values("pk")).distinct()
    by_proposal = defaultdict(list)
    for a in aq:
        by_proposal[a.proposal_id].append(a)
    methods = _methods(aq)
    rows = [list(fmt.COLUMNS)]
    for p in pq:
        base = _proposal_cells(p)
        for a in by_proposal.get(p.pk) or [None]:
            rows.append(base + _assignment_cells(a, methods))
    return rows


def ledger_export(*, actor, session: Session, org: Org | None = None) -> bytes:
    """The session's ledger (or `org`'s part of it, see `export_scope`) as .xlsx bytes, with the
    same columns as the import; audited `ledger.export`."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    scope = export_scope(actor, session, org)
    rows = ledger_rows(actor=actor, session=session, org=org)
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
        ws.column_dimensions[col_letter(i)].width = widths.get(name, 11)
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
        ws.append(xlsx_row(ws, out))
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
