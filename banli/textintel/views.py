"""Thin views over textintel selectors and services."""

from __future__ import annotations

import contextlib
import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from banli.audit.services import audit_record
from banli.cases.models import Session
from banli.cases.selectors import access_proposal, sessions_visible_to, user_body
from banli.formatting import xlsx_row
from banli.orgs.models import Org, Role
from banli.orgs.roles import OFFICES, OVERSEERS
from banli.web.actions import attempt, run_action

from . import selectors, services
from .models import DictTerm, DocKind, RelatedTerm, RelatedTermStatus
from .tasks import enqueue, train_task
from .text import highlight


def _next_url(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default


def _page(request, items, per_page: int = 20):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def _page_qs(request) -> str:
    """The current query string without `page`, ready for “…&page=N”."""
    params = request.GET.copy()
    params.pop("page", None)
    enc = params.urlencode()
    return enc + "&" if enc else ""


# --- search ---------------------------------------------------------------------------------------


@login_required
@require_GET
def search_view(request):
    user = request.user
    q = (request.GET.get("q") or "").strip()[:200]
    kind = request.GET.get("kind") or ""
    sessions = sessions_visible_to(user).select_related("body")
    session = None
    sid = request.GET.get("session") or ""
    if sid.isdigit():
        session = sessions.filter(pk=sid).first()
    result = selectors.search(user, q, kind=kind, session=session) if q else None
    page = None
    rows = []
    if result is not None:
        page = _page(request, result.docs)
        for d in page.object_list:
            rows.append(
                {
                    "doc": d,
                    "title": highlight(d.title, result.terms),
                    "snippet": highlight(d.body, result.terms, width=140),
                }
            )
    return render(
        request,
        "textintel/search.html",
        {
            "q": q,
            "kind": kind,
            "kinds": DocKind.choices,
            "sessions": sessions,
            "session": session,
            "result": result,
            "page": page,
            "rows": rows,
            "page_qs": _page_qs(request),
        },
    )


# --- similar proposals ----------------------------------------------------------------------------


@login_required
@require_GET
def similar_proposal_view(request, pk):
    p = access_proposal(request.user, pk)
    data = (
        selectors.similar_for_proposal(request.user, p)
        if selectors.can_see_similar(request.user)
        else {"same": [], "past": []}
    )
    return render(
        request,
        "textintel/_similar_panel.html",
        {"proposal": p, "data": data, "mode": "case", "allowed": selectors.can_see_similar(request.user)},
    )


@login_required
@require_GET
def similar_text_view(request):
    """The registration form's panel: re-queried as the clerk types the title and content."""
    user = request.user
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    if body is None:
        raise Http404
    session = None
    sid = request.GET.get("session") or ""
    if sid.isdigit():
        session = Session.objects.filter(pk=sid, body=body).first()
    title = (request.GET.get("title") or "")[:300]
    content = (request.GET.get("content") or "")[:5000]
    data = selectors.similar_for_text(user, body=body, session=session, title=title, content=content)
    return render(
        request,
        "textintel/_similar_panel.html",
        {
            "data": data,
            "mode": "form",
            "allowed": True,
            "typed": bool(title.strip() or content.strip()),
        },
    )


@login_required
@require_POST
def merge_view(request):
    """Merge one proposal into a similar one of its session (并案), via proposal_review."""
    user = request.user
    p = access_proposal(user, request.POST.get("proposal"))
    into = access_proposal(user, request.POST.get("into"))
    score = None
    with contextlib.suppress(ValueError):
        score = float(request.POST.get("score") or "")
    return run_action(
        request,
        lambda: services.proposal_merge_duplicate(actor=user, proposal=p, into=into, score=score),
        ok=f"已将第{p.number}号并入第{into.number}号，合并办理。",
        redirect_to=_next_url(request, into.get_absolute_url()),
    )


def _staff_session(request):
    user = request.user
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    if body is None:
        raise Http404
    sessions = Session.objects.filter(body=body).order_by("-year", "-id")
    sid = request.GET.get("session") or ""
    session = sessions.filter(pk=sid).first() if sid.isdigit() else sessions.first()
    if sid and session is None:
        raise Http404
    return sessions, session


@login_required
@require_GET
def merge_suggestions_view(request):
    sessions, session = _staff_session(request)
    pairs = selectors.merge_suggestions(session) if session else []
    return render(
        request,
        "textintel/merge_suggestions.html",
        {
            "sessions": sessions,
            "session": session,
            "page": _page(request, pairs),
            "total": len(pairs),
            "page_qs": _page_qs(request),
        },
    )


# --- clusters -------------------------------------------------------------------------------------


CLUSTER_ROLES = OVERSEERS


def _cluster_session(request):
    user = request.user
    if not user.has_role(*CLUSTER_ROLES):
        raise Http404
    sessions = selectors.sessions_for_clusters(user).order_by("-year", "-id")
    sid = request.GET.get("session") or ""
    session = sessions.filter(pk=sid).first() if sid.isdigit() else sessions.first()
    if sid and session is None:
        raise Http404
    return sessions, session


@login_required
@require_GET
def clusters_view(request):
    sessions, session = _cluster_session(request)
    clusters = selectors.session_clusters(request.user, session) if session else []
    return render(
        request,
        "textintel/clusters.html",
        {
            "sessions": sessions,
            "session": session,
            "clusters": clusters,
            "n": sum(c.size for c in clusters),
            "own_share": not request.user.has_role(Role.BODY_STAFF),
        },
    )


@login_required
@require_GET
def clusters_export_view(request):
    from openpyxl import Workbook

    _sessions, session = _cluster_session(request)
    if session is None:
        raise Http404
    clusters = selectors.session_clusters(request.user, session)
    wb = Workbook()
    ws = wb.active
    ws.title = "主题类案"
    ws.append(xlsx_row(ws, ["类号", "主题（关键词）", "件数", "编号"]))
    for c in clusters:
        ws.append(xlsx_row(ws, [c.label or "—", c.name, c.size, "、".join(p.number for p in c.proposals)]))
    ws2 = wb.create_sheet("类案明细")
    ws2.append(xlsx_row(ws2, ["类号", "主题（关键词）", "编号", "标题", "承办单位"]))
    for c in clusters:
        for p in c.proposals:
            units = "、".join(
                f"{a.unit.name}（{a.get_role_display()}）"
                for a in p.assignments.all()
                if a.state != "withdrawn" and a.parent_id is None
            )
            ws2.append(xlsx_row(ws2, [c.label or "—", c.name, p.number, p.title, units]))
    for sheet, widths in ((ws, (8, 40, 8, 80)), (ws2, (8, 30, 14, 60, 50))):
        for col, w in zip("ABCDE", widths):
            sheet.column_dimensions[col].width = w
    buf = io.BytesIO()
    wb.save(buf)
    audit_record(
        actor=request.user,
        verb="clusters.export",
        obj=session,
        summary=f"导出{session.name}主题类案（{len(clusters)} 类）",
        new={"clusters": len(clusters)},
    )
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    fname = f"clusters-{session.code}-{timezone.localdate():%Y%m%d}.xlsx"
    resp["Content-Disposition"] = f'attachment; filename="{fname}"'
    return resp


# --- unit recommendation --------------------------------------------------------------------------


@login_required
@require_GET
def recommend_view(request, pk):
    user = request.user
    if not user.has_role(*OFFICES):
        raise Http404
    p = access_proposal(user, pk)
    rec = selectors.recommendation_view(user, p)
    if rec and rec["leads"]:
        services.recommendation_log(
            actor=user,
            proposal=p,
            model_id=rec["model_id"],
            leads=[[u.unit.pk, round(u.score, 4)] for u in rec["leads"]],
            cos=[[u.unit.pk, round(u.score, 4)] for u in rec["cos"]],
        )
    return render(request, "textintel/_recommend_panel.html", {"proposal": p, "rec": rec})


@login_required
def accuracy_view(request):
    user = request.user
    if not user.has_role(*OFFICES):
        raise Http404
    if request.method == "POST":

        def trained(res) -> str:
            if isinstance(res, dict):
                return f"已重新训练交办推荐模型（{res['samples']} 件，用时 {res['seconds']:.1f} 秒）。"
            return "已提交后台重新训练交办推荐模型，完成后自动使用新模型。"

        return run_action(request, lambda: enqueue(train_task, user.pk), ok=trained, redirect_to="textintel:accuracy")
    data = selectors.recommendation_accuracy()

    unit_ids = {r.leads[0][0] for r in data["recent"] if r.leads}
    names = dict(Org.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    for r in data["recent"]:
        r.top_name = names.get(r.leads[0][0], "—") if r.leads else "—"
    return render(request, "textintel/accuracy.html", {"d": data, "can_train": True})


# --- user dictionary ------------------------------------------------------------------------------


@login_required
def dictionary_view(request):
    user = request.user
    if not (user.has_role(Role.BODY_STAFF) and user_body(user)):
        raise Http404
    error, word, note = "", "", ""
    if request.method == "POST":
        word, note = request.POST.get("word", ""), request.POST.get("note", "")
        done = attempt(
            request,
            lambda: services.dictterm_add(actor=user, word=word, note=note),
            ok=lambda t: f"已添加“{t.word}”，含该词的文本已重新分词。",
            flash_error=False,
        )
        if done:
            return redirect("textintel:dictionary")
        error = done.error
    q = (request.GET.get("q") or "").strip()
    terms = DictTerm.objects.select_related("created_by").order_by("word")
    if q:
        terms = terms.filter(word__contains=q)
    related = RelatedTerm.objects.select_related("decided_by")
    if q:
        related = related.filter(Q(word_a__contains=q) | Q(word_b__contains=q))
    return render(
        request,
        "textintel/dictionary.html",
        {
            "related_suggested": related.filter(status=RelatedTermStatus.SUGGESTED).order_by("-score", "pk")[:30],
            "related_suggested_count": related.filter(status=RelatedTermStatus.SUGGESTED).count(),
            "related_decided": related.exclude(status=RelatedTermStatus.SUGGESTED).order_by("-decided_at", "pk")[:50],
            "page": _page(request, terms, 50),
            "error": error,
            "word": word,
            "note": note,
            "q": q,
            "page_qs": _page_qs(request),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def dictionary_delete_view(request, pk):
    term = DictTerm.objects.filter(pk=pk).first()
    if term is None:
        raise Http404
    return run_action(
        request,
        lambda: services.dictterm_delete(actor=request.user, term=term),
        ok=f"已删除“{term.word}”。",
        redirect_to="textintel:dictionary",
    )


@login_required
@require_POST
def related_decide_view(request, pk, decision):
    term = RelatedTerm.objects.filter(pk=pk).first()
    if term is None or decision not in services.RELATED_DECISIONS:
        raise Http404
    verb = "确认" if decision == "confirm" else "否决"
    return run_action(
        request,
        lambda: services.related_term_decide(actor=request.user, term=term, decision=decision),
        ok=f"已{verb}相关词“{term.word_a}～{term.word_b}”。",
        redirect_to=_next_url(request, reverse("textintel:dictionary")),
    )
