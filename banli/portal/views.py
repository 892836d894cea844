"""Views of the proposer portal, the disclosure review and the public site. Thin: parse, call, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from banli.cases.models import ReplyState, ResultClass, Session
from banli.cases.selectors import access_reply
from banli.cases.services import attachment_download, split_names
from banli.handling.services import evaluation_submit
from banli.orgs.models import Org, OrgKind
from banli.orgs.roles import UNIT_WRITERS
from banli.reports.services import reply_letter_render
from banli.security.uploads import attachment_response
from banli.textintel.text import highlight as hl
from banli.web.actions import attempt, run_action

from . import selectors as sel
from . import services
from .forms import AnswerForm, EvaluationForm, MessageForm, ProposeForm, SubmitForm
from .models import PrivateReason, PublicationState
from .redact import highlight

PAGE_SIZE = 20


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


# --- proposer portal ---------------------------------------------------------------------------


@login_required
@require_GET
def home(request):
    me = sel.own_proposer(request.user)
    page = _page(request, sel.portal_proposals(request.user))
    todo = {
        "to_evaluate": sel.assignments_to_evaluate(request.user).count(),
        "replies": sel.assignments_replied(request.user).count(),
    }
    return render(request, "portal/home.html", {"me": me, "page": page, "todo": todo})


# 我的待办 of a deputy or member, on the portal: the same querysets as its counts on the home page.
PORTAL_TODOS = {
    "to_evaluate": ("待评价", sel.assignments_to_evaluate),
    "replies": ("收到的答复", sel.assignments_replied),
}


@login_required
@require_GET
def todo(request, key):
    if key not in PORTAL_TODOS:
        raise Http404
    label, query = PORTAL_TODOS[key]
    page = _page(request, query(request.user).select_related("proposal", "proposal__session", "unit"))
    return render(request, "portal/todo.html", {"key": key, "label": label, "page": page})


@login_required
@require_GET
def proposal(request, pk):
    p = sel.portal_proposal_get(request.user, pk)
    panels = sel.unit_panels(request.user, p)
    merged_from = list(p.merged_from.all().select_related("lead"))
    return render(
        request,
        "portal/proposal.html",
        {
            "p": p,
            "panels": panels,
            "merged_from": merged_from,
            "me": sel.proposer_for(request.user, p),
            "message_form": MessageForm(),
        },
    )


@login_required
def evaluate(request, pk):
    a = sel.portal_assignment_get(request.user, pk)
    replies = sel.sent_replies(a)
    form = EvaluationForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: evaluation_submit(actor=request.user, assignment=a, **form.service_kwargs()),
            ok=f"已提交对{a.unit.name}的评价，谢谢！",
            form=form,
        )
    ):
        return redirect(reverse("portal:proposal", args=[a.proposal_id]) + f"#a{a.pk}")
    return render(
        request,
        "portal/evaluate.html",
        {"a": a, "p": a.proposal, "reply": replies[-1] if replies else None, "form": form},
    )


@login_required
@require_POST
def message_send(request, pk):
    a = sel.portal_assignment_get(request.user, pk)
    form = MessageForm(request.POST)
    target = reverse("portal:proposal", args=[a.proposal_id]) + f"#a{a.pk}"
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(target)
    return run_action(
        request,
        lambda: services.message_send(actor=request.user, assignment=a, text=form.cleaned_data["text"]),
        ok=f"留言已发送给{a.unit.name}，回复将显示在这里。",
        redirect_to=target,
    )


@login_required
@require_GET
def reply_letter(request, pk):
    """The reply letter addressed to the proposer (.docx), through the reports app's renderer."""

    reply = access_reply(request.user, pk)
    if reply.state != ReplyState.SENT:
        raise Http404
    sel.portal_assignment_get(request.user, reply.assignment_id)  # the portal shows only the proposer's own
    content, name = reply_letter_render(actor=request.user, reply=reply)
    resp = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    resp["Content-Disposition"] = _attachment_header(name)
    return resp


@login_required
@require_GET
def attachment(request, pk):
    """A file of a sent reply (e.g. the signed scan), scoped and audited by the cases app."""

    att = attachment_download(actor=request.user, attachment_id=pk)
    if att.reply_id is None or att.reply.state != ReplyState.SENT:
        raise Http404
    sel.portal_assignment_get(request.user, att.reply.assignment_id)

    return attachment_response(att)


def _attachment_header(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(name)}"


@login_required
def submit(request):
    me = sel.own_proposer(request.user)
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = attempt(
            request,
            lambda: services.proposal_submit(
                actor=request.user,
                title=d["title"],
                content=d["content"],
                topic=d["topic"],
                cosigner_names=split_names(d["cosigners"]),
            ),
            ok=lambda p: f"已提交，编号 {p.number}。人大/政协工作人员审查后会告知您结果。",
            form=form,
        )
        if done:
            return redirect("portal:proposal", pk=done.value.pk)
    return render(request, "portal/submit.html", {"form": form, "me": me})


# --- messages, for the handling unit -----------------------------------------------------------


@login_required
@require_GET
def unit_messages(request):
    page = _page(request, sel.unit_messages(request.user))
    can_answer = request.user.has_role(*UNIT_WRITERS)
    return render(request, "portal/unit_messages.html", {"page": page, "form": AnswerForm(), "can_answer": can_answer})


@login_required
@require_POST
def message_answer(request, pk):
    m = sel.unit_message_get(request.user, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.message_answer(
                actor=request.user, message=m, text=form.cleaned_data["text"], stage=form.cleaned_data["stage"]
            ),
            ok=f"已回复{m.proposer.name}，并记入沟通记录。",
        )
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("portal:unit_messages") + f"#m{m.pk}")


# --- disclosure review -------------------------------------------------------------------------


@login_required
@require_GET
def disclosure_list(request):
    state = request.GET.get("state") or PublicationState.PENDING
    if state not in PublicationState.values:
        state = PublicationState.PENDING
    qs = sel.disclosure_replies(request.user).filter(pub_state=state).order_by("sent_on", "pk")
    page = _page(request, qs)
    for r in page:
        pub = _reply_publication(r)
        r.pub = pub
        r.due = pub.publish_on if pub else (services.publish_due(r.sent_on) if r.sent_on else None)
        r.proposed = (pub.proposed if pub else r.disclosure) or ""
    return render(
        request,
        "portal/disclosure_list.html",
        {
            "page": page,
            "state": state,
            "states": PublicationState.choices,
            "counts": sel.disclosure_counts(request.user),
            "today": services.today(),
        },
    )


def _reply_publication(reply):
    try:
        return reply.publication
    except Exception:  # RelatedObjectDoesNotExist: no decision yet
        return None


@login_required
@require_GET
def disclosure_detail(request, pk):
    r = sel.disclosure_reply_get(request.user, pk)
    pub = _reply_publication(r)
    a = r.assignment
    if pub and pub.state == PublicationState.PUBLISHED:
        text, spans = pub.redacted_text, pub.redactions
    else:
        preview, span_objs = services.redaction_preview(r)
        text = preview
        spans = [{"kind": s.kind, "label": s.label, "original": s.original} for s in span_objs]
    return render(
        request,
        "portal/disclosure_detail.html",
        {
            "r": r,
            "a": a,
            "p": a.proposal,
            "pub": pub,
            "text": text,
            "highlighted": highlight(text),
            "spans": spans,
            "due": pub.publish_on if pub else (services.publish_due(r.sent_on) if r.sent_on else None),
            "proposed": (pub.proposed if pub else r.disclosure) or "",
            "proposed_reason": (pub.proposed_reason if pub else r.disclosure_reason) or "",
            "can_review": sel.can_review_disclosure(request.user, a),
            "can_propose": sel.can_propose_disclosure(request.user, a)
            and (pub is None or pub.state in (PublicationState.PENDING, PublicationState.PRIVATE)),
            "propose_form": ProposeForm(),
            "reasons": PrivateReason.choices,
        },
    )


def _disclosure_action(request, pk, action):
    r = sel.disclosure_reply_get(request.user, pk)
    return run_action(
        request, lambda: action(r), ok=lambda msg: msg, redirect_to=reverse("portal:disclosure_detail", args=[r.pk])
    )


@login_required
@require_POST
def disclosure_propose(request, pk):
    def act(r):
        decision = request.POST.get("decision", "")
        reason = services.private_reason(request.POST.get("reason_kind", ""), request.POST.get("reason_detail", ""))
        services.publication_propose(
            actor=request.user, reply=r, decision=decision, reason=reason, version=request.POST.get("version")
        )
        return "已提交单位的公开意见，等待审核。"

    return _disclosure_action(request, pk, act)


@login_required
@require_POST
def disclosure_decide(request, pk):
    def act(r):
        decision = request.POST.get("decision", "")
        reason = request.POST.get("reason", "")
        if decision == PublicationState.PRIVATE:
            reason = services.private_reason(
                request.POST.get("reason_kind", ""), request.POST.get("reason_detail", "")
            )
        pub = services.publication_decide(
            actor=request.user,
            reply=r,
            decision=decision,
            redacted_text=request.POST.get("redacted_text"),
            reason=reason,
            version=request.POST.get("version"),
        )
        if pub.state == PublicationState.PUBLISHED:
            return f"已公开，隐去{len(pub.redactions)}处个人信息。公开地址：{reverse('public:reply', args=[pub.pk])}"
        return "已决定不公开。"

    return _disclosure_action(request, pk, act)


@login_required
@require_POST
def disclosure_withdraw(request, pk):
    def act(r):
        services.publication_withdraw(
            actor=request.user, reply=r, reason=request.POST.get("reason", ""), version=request.POST.get("version")
        )
        return "已撤回公开，公众不能再访问该答复。"

    return _disclosure_action(request, pk, act)


# --- the public site (no login) ----------------------------------------------------------------


def _filters(request) -> dict:
    """Public list filters from the query string; unknown values are ignored, not errors."""
    out = {
        "session": None,
        "unit": None,
        "topic": "",
        "result_class": "",
        "q": (request.GET.get("q") or "").strip()[:100],
    }
    code = request.GET.get("session") or ""
    if code:
        out["session"] = Session.objects.filter(code=code).first()
    unit = request.GET.get("unit") or ""
    if unit.isdigit():
        out["unit"] = Org.objects.filter(pk=int(unit), kind=OrgKind.UNIT).first()
    topic = (request.GET.get("topic") or "").strip()[:50]
    out["topic"] = topic
    cls = request.GET.get("class") or ""
    out["result_class"] = cls if cls in ResultClass.values else ""
    return out


@require_GET
def public_home(request):
    sessions = sel.public_sessions()
    latest = sel.public_rows(sel.public_list()[0][:8])
    return render(request, "public/home.html", {"sessions": sessions, "latest": latest})


@require_GET
def public_replies(request):
    f = _filters(request)
    qs, terms = sel.public_list(**f)
    page = _page(request, qs)
    page.object_list = sel.public_rows(page.object_list)
    if terms:
        from django.utils.safestring import mark_safe

        for pub in page:
            pub.snippet = mark_safe(hl(pub.redacted_text, terms, width=120))
    return render(
        request,
        "public/replies.html",
        {
            "page": page,
            "f": f,
            "terms": terms,
            "sessions": Session.objects.order_by("-year", "-id"),
            "units": sel.public_units(),
            "topics": sel.public_topics(),
            "classes": ResultClass.choices,
            "query": _query_without_page(request),
        },
    )


@require_GET
def public_reply(request, pk):
    pub = sel.public_get(pk)
    return render(
        request,
        "public/reply.html",
        {
            "pub": pub,
            "a": pub.reply.assignment,
            "p": pub.reply.assignment.proposal,
            "highlighted": highlight(pub.redacted_text),
        },
    )


@require_GET
def public_reply_document(request, pk):
    from .documents import public_letter

    pub = sel.public_get(pk)
    content, name = public_letter(pub)
    resp = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    resp["Content-Disposition"] = _attachment_header(name)
    return resp


@require_GET
def public_session(request, code):
    session = Session.objects.filter(code=code).select_related("body").first()
    if session is None:
        raise Http404
    stats = sel.public_stats(session)
    latest, _ = sel.public_list(session=session)
    counts = {s.pk: s.published_count for s in sel.public_sessions()}
    return render(
        request,
        "public/session.html",
        {
            "session": session,
            "stats": stats,
            "latest": sel.public_rows(latest[:10]),
            "published_count": counts.get(session.pk, 0),
            "list_url": reverse("public:replies") + "?" + urlencode({"session": session.code}),
        },
    )
