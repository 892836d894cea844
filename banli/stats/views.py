"""Statistics dashboards (SPEC §9), each in the user's scope; every number links to its cases.

The figures come from `banli.stats.selectors.stats_for`; the list behind a figure from
`stats_cases` with the same key, intersected with what the user may see (so a list never
shows a case its reader could not open, and for every figure shown the list is complete).
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from banli.audit.services import audit_record
from banli.cases.models import Assignment, Proposal
from banli.cases.selectors import assignment_scope_q, proposal_scope_q
from banli.formatting import pct, xlsx_row
from banli.orgs.roles import OFFICES
from banli.web.actions import attempt

from . import data as report_data
from . import figures as F
from . import scope as report_scope
from . import services
from .models import ASSESSMENT_METRICS
from .ranking import grouped_stats, raw_totals, unit_rows
from .selectors import stats_for

EXTRA_KEYS = ("sign_decided", "on_time_signed", "reply_decided", "on_time_replied", "contacted", "face_to_face")
TREND_SESSIONS = 6
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _resolve(request):
    """(sessions, org) from ?session=…&session=…&org=…, checked against the user's scope."""
    ids = [s for s in request.GET.getlist("session") if s]
    sessions, org = report_scope.resolve(request.user, session_ids=ids, org_id=request.GET.get("org"))
    if not sessions:
        first = report_scope.sessions_for(request.user).first()
        sessions = [first] if first else []
    return sessions, org


def _query(sessions, org, **extra) -> str:
    pairs = [("session", s.pk) for s in sessions]
    if org is not None:
        pairs.append(("org", org.pk))
    pairs += [(k, v) for k, v in extra.items() if v not in (None, "")]
    return urlencode(pairs)


def _figures(stats, keys, sessions, org):
    out = []
    for key in keys:
        f = F.figure(stats, key)
        for k in ("link_key", "num_key", "den_key"):
            if f.get(k):
                f[k.replace("_key", "_url")] = reverse("stats:cases") + "?" + _query(sessions, org, key=f[k])
        out.append(f)
    return out


@login_required
def overview(request):
    user = request.user
    sessions, org = _resolve(request)
    scope = report_scope.scope_of(user)
    ctx = {
        "all_sessions": report_scope.sessions_for(user),
        "orgs": report_scope.orgs_for(user),
        "sessions": sessions,
        "selected_ids": {s.pk for s in sessions},
        "org": org,
        "whole_body": scope.whole_body,
        "query": _query(sessions, org),
    }
    if not sessions:
        return render(request, "stats/overview.html", ctx)

    grouped = grouped_stats(sessions=sessions, org=org)
    stats = report_services_stats(sessions, org)
    # The rates' numerators and denominators, summed from the per-unit counts (one query for both).
    stats["_extra"] = raw_totals(grouped, EXTRA_KEYS)
    weights = services.weights_for(services.assessment_owner(user))
    rows = unit_rows(sessions=sessions, org=org, weights=weights, grouped=grouped)
    methods, contacts_total, f2f = report_data.contacts_by_method(sessions=sessions, org=org)
    if request.GET.get("format") == "xlsx":
        return _overview_xlsx(request, sessions, org, stats, rows)
    ctx.update(
        stats=stats,
        intake=_figures(stats, F.INTAKE, sessions, org) if scope.whole_body else [],
        handling=_figures(stats, F.HANDLING, sessions, org),
        results=_figures(stats, F.RESULTS, sessions, org),
        rows=[_row_view(r, sessions) for r in rows],
        methods=methods,
        contacts_total=contacts_total,
        f2f=f2f,
        chart={
            "classes": [{"name": f"{c}类", "value": stats["class_counts"][c]} for c in "ABCD"],
            "methods": [{"name": label, "value": n} for _, label, n in methods],
            "units": [
                {
                    "name": r.unit.short_name or r.unit.name,
                    "reply_rate": _r(r.stats["reply_rate"]),
                    "satisfaction_rate": _r(r.stats["satisfaction_rate"]),
                    "on_time_reply_rate": _r(r.stats["on_time_reply_rate"]),
                    "score": r.score,
                }
                for r in rows[:30]
            ],
        },
        xlsx_url=reverse("stats:overview") + "?" + _query(sessions, org, format="xlsx"),
        trend_url=reverse("stats:trend") + "?" + _query(sessions, org),
        summary_url=reverse("reports:summary") + "?" + _query(sessions[:1], org) if len(sessions) == 1 else "",
    )
    return render(request, "stats/overview.html", ctx)


def report_services_stats(sessions, org, today=None):
    return stats_for(sessions=sessions, org=org, today=today)


def _r(rate):
    return None if rate is None else round(rate * 100, 2)


def _row_view(row, sessions):
    s = row.stats
    q = lambda key: reverse("stats:cases") + "?" + _query(sessions, row.unit, key=key)  # noqa: E731
    cells = [
        ("assignments", row.assignments, False),
        ("replies_due", s["replies_due"], False),
        ("replies_sent", s["replies_sent"], False),
        ("reply_rate", s["reply_rate"], True),
        ("on_time_reply_rate", s["on_time_reply_rate"], True),
        ("satisfaction_rate", s["satisfaction_rate"], True),
        ("contact_rate", s["contact_rate"], True),
        ("face_to_face_rate", s["face_to_face_rate"], True),
        ("overdue", s["overdue"], False),
    ]
    out = []
    for key, value, is_rate in cells:
        link = F.list_key(F.rate_parts()[key][0]) if is_rate else key
        out.append({"key": key, "text": pct(value) if is_rate else value, "url": q(link)})
    return {
        "unit": row.unit,
        "cells": out,
        "score": row.score,
        "unrated": row.unrated,
        "rank": row.rank,
        "parts": row.parts,
        "penalty": row.penalty,
    }


def _trend(user, sessions, org):
    """The last sessions of the same body, one grouped query (assignment figures per session)."""

    bodies = {s.body_id for s in sessions}
    recent = list(report_scope.sessions_for(user).filter(body_id__in=bodies)[:TREND_SESSIONS])
    recent.reverse()
    per = grouped_stats(sessions=recent, org=org, by="proposal__session_id")
    out = {
        "names": [],
        "assignments": [],
        "replies_due": [],
        "reply_rate": [],
        "satisfaction_rate": [],
        "on_time_reply_rate": [],
        "contact_rate": [],
    }
    for s in recent:
        st = per.get(s.pk)
        out["names"].append(s.name)
        out["assignments"].append(sum(st["by_role"].values()) if st else 0)
        out["replies_due"].append(st["replies_due"] if st else 0)
        for k in ("reply_rate", "satisfaction_rate", "on_time_reply_rate", "contact_rate"):
            out[k].append(_r(st[k]) if st else None)
    return out


@login_required
def trend(request):
    """Trend across the last sessions of the same body, as JSON for the dashboard's chart.
    Fetched after the page is shown: it scans several sessions, the page only the chosen ones."""
    from django.http import JsonResponse

    sessions, org = _resolve(request)
    return JsonResponse(_trend(request.user, sessions, org) if sessions else {"names": []})


CASE_COLUMNS = ["编号", "标题", "领衔人", "承办单位", "办理方式", "状态", "签收日期", "答复日期", "答复类别"]


@login_required
def cases(request):
    """The cases behind one figure: ?key=<stats_cases key>&session=…&org=…"""
    user = request.user
    key = request.GET.get("key", "")
    if not F.known_key(key):
        raise Http404
    sessions, org = _resolve(request)
    if not sessions:
        raise Http404
    if key.split("+")[0] in F.BODY_ONLY and not report_scope.scope_of(user).whole_body:
        raise Http404
    qs = F.cases_for(sessions=sessions, org=org, key=key)
    is_assignment = qs.model is Assignment
    if is_assignment:
        qs = qs.filter(pk__in=Assignment.objects.filter(assignment_scope_q(user)).values("pk")).select_related(
            "proposal", "proposal__lead", "unit"
        )
    else:
        qs = qs.filter(pk__in=Proposal.objects.filter(proposal_scope_q(user)).values("pk")).select_related("lead")
    label = F.LABELS.get(key, key)
    if request.GET.get("format") == "xlsx":
        rows = [_case_row(x, is_assignment) for x in qs.iterator(chunk_size=2000)]
        content = _xlsx([(label[:28] or "清单", [CASE_COLUMNS] + rows)])
        audit_record(
            actor=user,
            verb="stats.export",
            object_type="stats",
            object_id=key,
            summary=f"导出统计清单：{label}，{len(rows)} 件",
            new={"key": key, "sessions": [s.code for s in sessions], "org": org.name if org else None},
        )
        return _download(content, f"统计清单_{label}.xlsx", XLSX)
    page = Paginator(qs, settings.BANLI_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/cases.html",
        {
            "key": key,
            "label": label,
            "sessions": sessions,
            "org": org,
            "page": page,
            "total": page.paginator.count,
            "is_assignment": is_assignment,
            "rows": [(_case_row(x, is_assignment), x) for x in page.object_list],
            "query": _query(sessions, org, key=key),
            "back": reverse("stats:overview") + "?" + _query(sessions, org),
        },
    )


def _case_row(x, is_assignment):
    if is_assignment:
        p = x.proposal
        return [
            p.number,
            p.title,
            p.lead.name,
            x.unit.name,
            x.get_role_display(),
            x.get_state_display(),
            x.signed_on or "",
            x.first_reply_on or "",
            x.result_class or "",
        ]
    return [x.number, x.title, x.lead.name, "", "", x.get_review_state_display(), "", "", ""]


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request):
    """Unit assessment (绩效考核): weights, and each unit's score with its breakdown."""
    user = request.user
    sessions, org = _resolve(request)
    owner = services.assessment_owner(user)
    may_edit = user.has_role(*OFFICES)
    error = None
    if request.method == "POST":
        if not may_edit:
            raise Http404
        done = attempt(
            request,
            lambda: services.assessment_weights_save(
                actor=user,
                weights={k: request.POST.get(k, "") for k, _, _ in ASSESSMENT_METRICS},
                overdue_penalty=request.POST.get("overdue_penalty", "0"),
            ),
            flash_error=False,
        )
        if done:
            return redirect(reverse("stats:assessment") + "?" + _query(sessions, org))
        error = done.error
    weights = services.weights_for(owner)
    rows = unit_rows(sessions=sessions, org=org, weights=weights) if sessions else []
    return render(
        request,
        "stats/assessment.html",
        {
            "all_sessions": report_scope.sessions_for(user),
            "orgs": report_scope.orgs_for(user),
            "sessions": sessions,
            "selected_ids": {s.pk for s in sessions},
            "org": org,
            "whole_body": report_scope.scope_of(user).whole_body,
            "owner": owner,
            "weights": [(k, label, weights.weight_of(k)) for k, label, _ in ASSESSMENT_METRICS],
            "penalty": weights.overdue_penalty,
            "may_edit": may_edit,
            "error": error,
            "rows": [_row_view(r, sessions) for r in rows],
            "query": _query(sessions, org),
        },
    )


# --- xlsx --------------------------------------------------------------------------------------


def _xlsx(sheets) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title=_sheet_title(title))
        for i, r in enumerate(rows):
            ws.append(xlsx_row(ws, r))
            if i == 0:
                for c in ws[1]:
                    c.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for col in ws.columns:
            width = max((len(str(c.value)) if c.value is not None else 0) for c in col[:200])
            ws.column_dimensions[col[0].column_letter].width = min(60, max(8, width * 1.8))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    for ch in "[]:*?/\\":
        title = title.replace(ch, "")
    return title[:31] or "Sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    from urllib.parse import quote

    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp


def _overview_xlsx(request, sessions, org, stats, rows) -> HttpResponse:
    figures = [["指标", "数值", "分子", "分母"]]
    for key in (F.INTAKE if report_scope.scope_of(request.user).whole_body else []) + F.HANDLING + F.RESULTS:
        f = F.figure(stats, key)
        figures.append([f["label"], f["text"], f.get("num") if f["rate"] else "", f.get("den") if f["rate"] else ""])
    ranking = [
        [
            "排名",
            "单位",
            "交办件次",
            "应答复",
            "已答复",
            "办复率",
            "按时答复率",
            "满意率",
            "沟通率",
            "见面率",
            "逾期",
            "考核得分",
        ]
    ]
    for r in rows:
        s = r.stats
        ranking.append(
            [
                r.rank or "",
                r.unit.name,
                r.assignments,
                s["replies_due"],
                s["replies_sent"],
                pct(s["reply_rate"]),
                pct(s["on_time_reply_rate"]),
                pct(s["satisfaction_rate"]),
                pct(s["contact_rate"]),
                pct(s["face_to_face_rate"]),
                s["overdue"],
                r.score if r.score is not None else (r.unrated or "—"),
            ]
        )
    content = _xlsx([("指标", figures), ("单位排名", ranking)])
    audit_record(
        actor=request.user,
        verb="stats.export",
        object_type="stats",
        object_id="overview",
        summary="导出统计表",
        new={"sessions": [s.code for s in sessions], "org": org.name if org else None},
    )
    name = "统计_" + "_".join(s.code for s in sessions) + (f"_{org.name}" if org else "") + ".xlsx"
    return _download(content, name, XLSX)
