"""Views of official documents, exports and the archive; thin over banli.reports.services."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from banli.cases.selectors import user_unit
from banli.errors import NotFound
from banli.orgs.roles import UNIT_MANAGERS
from banli.stats import scope as report_scope
from banli.web.actions import attempt

from . import services
from .services import TEXT_FIELDS

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
LETTER_TYPES = {"docx": DOCX, "pdf": "application/pdf", "ofd": "application/ofd"}
TEXT_LABELS = {
    "title": "标题",
    "intro": "开篇",
    "practices": "二、主要做法",
    "showcases": "三、典型案例（补充说明）",
    "problems": "四、存在问题和改进措施",
    "other": "五、其他说明事项（补充）",
}


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    resp["Cache-Control"] = "no-store"
    return resp


def _one_session(request):
    ids = [s for s in request.GET.getlist("session") if s][:1]
    sessions, org = report_scope.resolve(request.user, session_ids=ids, org_id=request.GET.get("org"))
    if not sessions:
        first = report_scope.sessions_for(request.user).first()
        if first is None:
            raise NotFound()
        sessions = [first]
    return sessions[0], org


def _q(session, org) -> str:
    pairs = [("session", session.pk)] + ([("org", org.pk)] if org is not None else [])
    return urlencode(pairs)


@login_required
@require_http_methods(["GET", "POST"])
def summary(request):
    """Edit the summary's editable parts for (org, session), preview the generated text, download."""
    session, org = _one_session(request)
    saved = services.summary_texts(org=org, session=session)
    error = None
    values = {k: getattr(saved, k) if saved else "" for k in TEXT_FIELDS}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in TEXT_FIELDS}
        done = attempt(
            request,
            lambda: services.summary_text_save(
                actor=request.user, session=session, org=org, version=request.POST.get("version") or 0, **values
            ),
            ok="已保存。",
            flash_error=False,
        )
        if done:
            return redirect(reverse("reports:summary") + "?" + _q(session, org))
        error = done.error
    preview = services.summary_build(actor=request.user, session=session, org=org)
    return render(
        request,
        "reports/summary.html",
        {
            "session": session,
            "org": org,
            "fields": [(k, TEXT_LABELS[k], values[k]) for k in TEXT_FIELDS],
            "version": saved.version if saved else 0,
            "error": error,
            "preview": preview,
            "all_sessions": report_scope.sessions_for(request.user),
            "orgs": report_scope.orgs_for(request.user),
            "whole_body": report_scope.scope_of(request.user).whole_body,
            "query": _q(session, org),
            "may_doc_settings": request.user.has_role(*UNIT_MANAGERS),
        },
    )


@login_required
def summary_docx(request):
    session, org = _one_session(request)
    content, name = services.summary_render(actor=request.user, session=session, org=org)
    return _download(content, name, DOCX)


@login_required
def reply_letter(request, pk, fmt: str = "docx"):
    reply = services.reply_get(request.user, pk)
    content, name = services.reply_letter_render(
        actor=request.user, reply=reply, addressee_id=request.GET.get("to"), fmt=fmt
    )
    resp = _download(content, name, LETTER_TYPES[fmt])
    if fmt == "pdf" and request.GET.get("inline"):  # the leader's preview beside the 签发 button
        resp["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    return resp


@login_required
def reply_letter_pdf(request, pk):
    return reply_letter(request, pk, fmt="pdf")


@login_required
def reply_letter_ofd(request, pk):
    return reply_letter(request, pk, fmt="ofd")


@login_required
def responsibility(request):
    session, org = _one_session(request)
    content = services.responsibility_export(actor=request.user, sessions=[session], org=org)
    return _download(content, f"责任清单_{session.code}" + (f"_{org.name}" if org else "") + ".xlsx", XLSX)


@login_required
def ledger(request):
    session, org = _one_session(request)
    content = services.ledger_export_scoped(actor=request.user, session=session, org=org)
    return _download(content, f"台账_{session.code}" + (f"_{org.name}" if org else "") + ".xlsx", XLSX)


@login_required
def b_ledger(request):
    session, org = _one_session(request)
    content = services.b_ledger_export(actor=request.user, sessions=[session], org=org)
    return _download(content, f"B类跟踪台账_{session.code}" + (f"_{org.name}" if org else "") + ".xlsx", XLSX)


@login_required
def archive(request):
    session, org = _one_session(request)
    done = attempt(request, lambda: services.archive_export(actor=request.user, session=session, org=org))
    if not done:
        return redirect(reverse("reports:summary") + "?" + _q(session, org))
    content, name = done.value
    return _download(content, name, ZIP)


@login_required
@require_http_methods(["GET", "POST"])
def doc_settings(request):
    """A unit's 发文机关标志, 发文字号代字 and 抄送 for its reply letters (liaison or leader)."""

    unit = user_unit(request.user) if request.user.has_role(*UNIT_MANAGERS) else None
    if unit is None:
        raise NotFound()
    current = services._doc_settings(unit)
    values = {"issuer": current.issuer, "letter_prefix": current.letter_prefix, "cc": current.cc}
    error = None
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        done = attempt(
            request,
            lambda: services.unit_doc_settings_save(actor=request.user, unit=unit, **values),
            ok="公文设置已保存。",
            flash_error=False,
        )
        if done:
            return redirect("reports:doc_settings")
        error = done.error
    return render(
        request,
        "reports/doc_settings.html",
        {
            "unit": unit,
            "values": values,
            "error": error,
            "default_prefix": services.default_prefix(unit),
        },
    )
