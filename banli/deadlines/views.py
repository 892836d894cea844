"""Views of the deadlines app: thin — parse input, call selectors and services, render."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from banli.audit.services import audit_record
from banli.calendar import workdays as cal
from banli.calendar.calendar_data import format_days, parse_days
from banli.calendar.models import CalendarDay, CalendarSource, CalendarYear, Policy
from banli.calendar.services import calendar_year_set
from banli.cases.models import Contact, KeyDates
from banli.cases.selectors import (
    access_assignment,
    access_proposal,
    is_assigning_office,
    sessions_visible_to,
    user_body,
)
from banli.errors import DomainError
from banli.formatting import xlsx_row
from banli.orgs.models import BODY_KINDS, Org, Role
from banli.orgs.roles import OFFICES, OVERSEERS, STAFF
from banli.web.actions import attempt

from . import lights, selectors, services
from .models import (
    DueKind,
    Reminder,
    Supervision,
    SupervisionKind,
)


def roles_required(*roles):
    """Refuse (403) users holding none of `roles` — the route table says the same; this keeps
    the view safe on its own."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    def deco(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return deco


# The dashboards are for the overseeing offices and unit managers, not handlers (SPEC §2).
DASHBOARD_ROLES = OVERSEERS
SUPERVISOR_ROLES = OFFICES


def _today(request) -> dt.date:
    return timezone.localdate()


def _date(value: str | None) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"日期“{value}”无效，请按 2024-10-10 的格式填写。")


def _back(request, fallback: str, *args):
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(fallback, *args)


# --- one assignment's deadlines ---------------------------------------------------------------------


@roles_required(*STAFF)
def assignment_page(request, pk):
    a = access_assignment(request.user, pk)
    user = request.user
    today = _today(request)
    body = a.proposal.session.body
    dues = [
        ("签收期限", a.sign_due, a.signed_on, "签收"),
        ("申请调整期限", a.adjust_due, None, ""),
        ("会办意见期限", a.opinion_due, None, "") if a.role == "co" else None,
        ("答复期限", a.reply_due, a.first_reply_on, "首次答复") if a.answers_proposer else None,
        ("原答复期限", a.reply_due_original, None, "") if a.reply_due_original else None,
        ("重新办理期限", a.rehandling_due, None, "") if a.rehandling_due else None,
        ("评价期限", a.eval_due, None, "") if a.eval_due else None,
    ]
    ctx = {
        "a": a,
        "p": a.proposal,
        "today": today,
        "dues": [d for d in dues if d],
        "extensions": a.extensions.select_related("requested_by", "decided_by"),
        "reminders": Reminder.objects.filter(assignment=a)
        .select_related("recipient", "sender")
        .order_by("-sent_at")[:50],
        "supervisions": Supervision.objects.filter(assignment=a).select_related("actor", "org")[:50],
        "can_request": selectors.is_unit_staff(user, a)
        and a.answers_proposer
        and not a.first_reply_on
        and a.state not in lights.FINISHED,
        "can_decide": is_assigning_office(user, a),
        "can_supervise": selectors.can_supervise(user, a),
        "max_due": cal.reply_max_due(a.assigned_on, body=body),
        "supervision_kinds": SupervisionKind.choices,
    }
    return render(request, "deadlines/assignment.html", ctx)


@login_required
@require_POST
def extension_request_view(request, pk):
    a = access_assignment(request.user, pk)
    attempt(
        request,
        lambda: services.extension_request(
            actor=request.user,
            assignment=a,
            reason=request.POST.get("reason", ""),
            requested_due=_date(request.POST.get("requested_due")),
        ),
        ok="延期申请已提交，等待交办机关审批。",
    )
    return _back(request, "deadlines:assignment", a.pk)


@login_required
@require_POST
def extension_decide_view(request, pk):
    ext = selectors.access_extension(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    attempt(
        request,
        lambda: services.extension_decide(
            actor=request.user,
            extension=ext,
            approve=approve,
            note=request.POST.get("note", ""),
            granted_due=_date(request.POST.get("granted_due")),
        ),
        ok="已同意延期。" if approve else "已退回延期申请。",
    )
    return _back(request, "deadlines:assignment", ext.assignment_id)


@login_required
@require_POST
def remind_view(request, pk):
    a = access_assignment(request.user, pk)
    attempt(
        request,
        lambda: services.reminder_send(actor=request.user, assignment=a, message=request.POST.get("message", "")),
        ok=lambda rows: f"已向{a.unit.name}的 {len(rows)} 位人员发出催办。",
    )
    return _back(request, "deadlines:assignment", a.pk)


@login_required
@require_POST
def supervise_view(request, pk):
    a = access_assignment(request.user, pk)
    attempt(
        request,
        lambda: services.supervision_record(
            actor=request.user,
            assignment=a,
            kind=request.POST.get("kind", ""),
            note=request.POST.get("note", ""),
            leader=request.POST.get("leader", ""),
            on=_date(request.POST.get("on")),
        ),
        ok="督办记录已保存，并已通知承办单位。",
    )
    return _back(request, "deadlines:assignment", a.pk)


# --- overdue & at-risk dashboard -----------------------------------------------------------------------

STATUS_CHOICES = [
    ("risk", "逾期与临期"),
    ("red", "已逾期"),
    ("yellow", "临期（3个工作日内）"),
    ("late", "曾逾期（逾期签收/答复）"),
    ("open", "全部未办结"),
]


def _dashboard_filters(request):
    user = request.user
    sessions = sessions_visible_to(user)
    units = selectors.dashboard_units(user)
    g = request.GET
    session = sessions.filter(pk=g.get("session")).first() if (g.get("session") or "").isdigit() else None
    unit = units.filter(pk=g.get("unit")).first() if (g.get("unit") or "").isdigit() else None
    status = g.get("status") if g.get("status") in dict(STATUS_CHOICES) else "risk"
    due_kind = g.get("due") if g.get("due") in lights.DUE_FIELDS else ""
    key_only = g.get("key") == "1"
    today = _today(request)
    qs = selectors.dashboard_assignments(
        user, today=today, status=status, session=session, unit=unit, due_kind=due_kind, key_only=key_only
    )
    return qs, {
        "sessions": sessions,
        "units": units,
        "session": session,
        "unit": unit,
        "status": status,
        "due_kind": due_kind,
        "key_only": key_only,
        "today": today,
    }


@roles_required(*DASHBOARD_ROLES)
def dashboard(request):
    qs, f = _dashboard_filters(request)
    today = f["today"]
    base = selectors.assignments_visible_to(request.user).exclude(state="withdrawn")
    if f["session"]:
        base = base.filter(proposal__session=f["session"])
    summary = {
        "red": base.filter(lights.red_q(today)).count(),
        "yellow": base.filter(lights.yellow_q(today)).count(),
        "late": base.filter(lights.late_history_q()).count(),
    }
    from django.db.models import Count

    by_unit = list(
        base.filter(lights.red_q(today))
        .values("unit__pk", "unit__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "unit__name")[:8]
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(a, lights.light(a, today)) for a in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deadlines/dashboard.html",
        {
            **f,
            "page": page,
            "rows": rows,
            "summary": summary,
            "by_unit": by_unit,
            "status_choices": STATUS_CHOICES,
            "due_choices": [(k, DueKind(k).label) for k in lights.DUE_FIELDS],
            "query": query.urlencode(),
        },
    )


@roles_required(*DASHBOARD_ROLES)
def dashboard_export(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    qs, f = _dashboard_filters(request)
    today = f["today"]
    wb = Workbook()
    ws = wb.active
    ws.title = "逾期与临期"
    head = [
        "灯号",
        "编号",
        "标题",
        "届次",
        "承办单位",
        "办理方式",
        "状态",
        "交办日期",
        "签收期限",
        "签收日期",
        "会办意见期限",
        "答复期限",
        "原答复期限",
        "首次答复",
        "未办事项",
        "办理记录",
        "暂定期限",
    ]
    ws.append(xlsx_row(ws, head))
    for c in ws[1]:
        c.font = Font(bold=True)
    fills = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE", "done": "EEEEEE"}
    n = 0
    for a in qs.iterator(chunk_size=1000):
        lt = lights.light(a, today)
        ws.append(
            xlsx_row(
                ws,
                [
                    lt.label,
                    a.proposal.number,
                    a.proposal.title,
                    a.proposal.session.name,
                    a.unit.name,
                    a.get_role_display(),
                    a.get_state_display(),
                    a.assigned_on,
                    a.sign_due,
                    a.signed_on,
                    a.opinion_due,
                    a.reply_due,
                    a.reply_due_original,
                    a.first_reply_on,
                    lt.text if lt.dues else "",
                    "；".join(lt.history),
                    "是" if a.due_provisional else "",
                ],
            )
        )
        ws.cell(row=ws.max_row, column=1).fill = PatternFill("solid", fgColor=fills[lt.color])
        n += 1
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, dt.date):
                c.number_format = "yyyy-mm-dd"
    for col, width in zip("ABCDEFGHIJKLMNOPQ", (6, 12, 40, 22, 22, 8, 12, 12, 12, 12, 12, 12, 12, 12, 40, 30, 8)):
        ws.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    audit_record(
        actor=request.user,
        verb="deadlines.export",
        object_type="dashboard",
        summary=f"导出逾期与临期清单（{n}条）",
        new={k: str(v) for k, v in request.GET.items()},
    )
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="overdue-{today:%Y%m%d}.xlsx"'
    return resp


@roles_required(Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON)
def extensions(request):
    pending = selectors.extensions_to_decide(request.user)
    pending = [e for e in pending if is_assigning_office(request.user, e.assignment)]
    return render(request, "deadlines/extensions.html", {"pending": pending})


# --- key proposals --------------------------------------------------------------------------------------


@roles_required(*STAFF)
def key_list(request):
    sessions = sessions_visible_to(request.user)
    session = (
        sessions.filter(pk=request.GET.get("session")).first()
        if (request.GET.get("session") or "").isdigit()
        else None
    )
    today = _today(request)
    props = list(selectors.key_proposals(request.user, session).prefetch_related("assignments__unit"))
    rows = []
    for p in props:
        active = [a for a in p.assignments.all() if a.state != "withdrawn"]
        rows.append((p, [(a, lights.light(a, today)) for a in active]))
    return render(request, "deadlines/key_list.html", {"rows": rows, "sessions": sessions, "session": session})


@roles_required(*STAFF)
def key_detail(request, pk):
    p = access_proposal(request.user, pk)
    if not p.is_key:
        raise Http404
    today = _today(request)
    visible = (
        selectors.assignments_visible_to(request.user)
        .filter(proposal=p)
        .exclude(state="withdrawn")
        .select_related("unit")
    )
    rows = []

    for a in visible:
        contacts = Contact.objects.filter(assignment=a)
        rows.append(
            {
                "a": a,
                "light": lights.light(a, today),
                "contacts": contacts.count(),
                "face": contacts.filter(face_to_face=True).count(),
                "supervisions": Supervision.objects.filter(assignment=a).count(),
            }
        )
    supervisions = Supervision.objects.filter(assignment__in=visible).select_related("assignment__unit", "actor")[:50]
    body = p.session.body
    can_set = (
        request.user.has_role(Role.BODY_STAFF) and user_body(request.user) and user_body(request.user).pk == body.pk
    )
    return render(
        request,
        "deadlines/key_detail.html",
        {
            "p": p,
            "rows": rows,
            "supervisions": supervisions,
            "key_dates": KeyDates.objects.filter(proposal=p).first(),
            "can_set": can_set,
            "replied": sum(1 for r in rows if r["a"].first_reply_on),
            "due_count": sum(1 for r in rows if r["a"].answers_proposer),
        },
    )


@login_required
@require_POST
def key_dates_view(request, pk):
    p = access_proposal(request.user, pk)
    attempt(
        request,
        lambda: services.key_dates_set(
            actor=request.user,
            proposal=p,
            sign_due=_date(request.POST.get("sign_due")),
            opinion_due=_date(request.POST.get("opinion_due")),
            reply_due=_date(request.POST.get("reply_due")),
        ),
        ok="重点件期限已保存，未完成的期限已按新日期调整。",
    )
    return redirect("deadlines:key_detail", pk)


# --- supervision plans ------------------------------------------------------------------------------------


@roles_required(*SUPERVISOR_ROLES)
def plans(request):
    user = request.user
    sessions = sessions_visible_to(user)
    if request.method == "POST":
        session = (
            sessions.filter(pk=request.POST.get("session")).first()
            if (request.POST.get("session") or "").isdigit()
            else None
        )

        def create():
            if session is None:
                raise DomainError("请选择届次会议。")
            checks = request.POST.get("checks") or "2"
            if not checks.isdigit():
                raise DomainError("每阶段检查次数应为数字。")
            start = _date(request.POST.get("start")) or _today(request)
            return services.supervision_plan_create(
                actor=user,
                session=session,
                name=request.POST.get("name", ""),
                phases=services.default_phase_dates(start, body=session.body),
                checks_per_phase=int(checks),
            )

        done = attempt(request, create, ok="督办计划已制定，系统将按计划日期自动检查并督办滞后件。")
        if done:
            return redirect("deadlines:plan_detail", done.value.pk)
    return render(
        request,
        "deadlines/plans.html",
        {"plans": selectors.plans_visible_to(user), "sessions": sessions, "today": _today(request)},
    )


@roles_required(*SUPERVISOR_ROLES)
def plan_detail(request, pk):
    plan = selectors.access_supervision_plan(request.user, pk)
    phases = plan.phases.prefetch_related("checks")
    recent = Supervision.objects.filter(plan_check__phase__plan=plan).select_related(
        "assignment__proposal", "assignment__unit", "plan_check__phase"
    )[:100]
    return render(request, "deadlines/plan_detail.html", {"plan": plan, "phases": phases, "recent": recent})


# --- policies ------------------------------------------------------------------------------------------------


def _policy_bodies(user):
    if user.has_role(Role.SYSADMIN):
        return Org.objects.filter(kind__in=BODY_KINDS).order_by("path")
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    return Org.objects.filter(pk=body.pk) if body else Org.objects.none()


@roles_required(Role.BODY_STAFF, Role.SYSADMIN)
def policies(request):
    bodies = list(_policy_bodies(request.user))
    if request.method == "POST":
        body = next((b for b in bodies if str(b.pk) == request.POST.get("body")), None)
        if body is None:
            raise Http404

        def update():
            values = {}
            for f in Policy.FIELDS:
                raw = (request.POST.get(f) or "").strip()
                if not raw.isdigit():
                    raise DomainError(f"“{Policy._meta.get_field(f).verbose_name}”应填写正整数。")
                values[f] = int(raw)
            services.policy_update(
                actor=request.user, body=body, version=request.POST.get("version") or None, **values
            )

        attempt(request, update, ok=f"{body.name}的办理期限规则已保存，未完成的期限已重新计算。")
        return redirect("deadlines:policies")
    items = []
    for b in bodies:
        pol = services.policy_get(b)
        items.append((b, pol, [(f, Policy._meta.get_field(f).verbose_name, getattr(pol, f)) for f in Policy.FIELDS]))
    return render(request, "deadlines/policies.html", {"items": items})


# --- calendar ------------------------------------------------------------------------------------------------


@roles_required(Role.SYSADMIN, Role.BODY_STAFF, Role.COORDINATOR)
def calendar_years(request):
    years = CalendarYear.objects.order_by("-year")
    this_year = _today(request).year
    missing = [y for y in (this_year, this_year + 1) if not years.filter(year=y, confirmed=True).exists()]
    return render(
        request,
        "deadlines/calendar.html",
        {"years": years, "missing": missing, "can_edit": request.user.has_role(Role.SYSADMIN)},
    )


@roles_required(Role.SYSADMIN, Role.BODY_STAFF, Role.COORDINATOR)
def calendar_year(request, year):
    if not 2000 <= year <= 2100:
        raise Http404
    can_edit = request.user.has_role(Role.SYSADMIN)
    row = CalendarYear.objects.filter(year=year).first()
    text = format_days(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday", "name"))
    error = ""
    if request.method == "POST":
        if not can_edit:
            raise Http404
        text = request.POST.get("days", "")
        done = attempt(
            request,
            lambda: calendar_year_set(
                actor=request.user,
                year=year,
                days=parse_days(text),
                confirmed=bool(request.POST.get("confirmed")),
                source=CalendarSource.MANUAL,
                note=request.POST.get("note", ""),
            ),
            ok=f"{year}年节假日安排已保存，相关未完成的期限已重新计算。",
            flash_error=False,
        )
        if done:
            return redirect("deadlines:calendar_year", year)
        error = done.error
    months = _month_grid(year)
    return render(
        request,
        "deadlines/calendar_year.html",
        {"year": year, "row": row, "text": text, "error": error, "can_edit": can_edit, "months": months},
    )


def _month_grid(year: int):
    import calendar as pycal

    months = []
    for m in range(1, 13):
        weeks = []
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, m):
            weeks.append([(d, d.month == m, cal.is_workday(d), cal.day_name(d)) for d in week])
        months.append((m, weeks))
    return months
