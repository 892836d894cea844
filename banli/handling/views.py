"""Thin views over banli.handling.services. Actions post from the case page's assignment panel
and redirect back to it; long forms (plan, reply, contact, evaluation) have their own page that
re-renders with everything the user typed when the service refuses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from banli.calendar import workdays
from banli.cases.models import ReplyState
from banli.cases.selectors import access_assignment, access_reply, portal_only
from banli.cases.services import attachment_download
from banli.errors import AlreadySubmitted, Conflict, DomainError
from banli.orgs.models import Org, OrgKind, Role, User
from banli.orgs.roles import UNIT_MANAGERS
from banli.security.uploads import attachment_response
from banli.web.actions import attempt, form_error, once, run_action

from . import forms as f
from . import selectors as sel
from . import services as svc
from .models import Commitment, CoOpinion, FollowUpState, HandlingPlan, Handover

# A service's "attachments" refusal belongs beside the form's "files" field.
FORM_FIELDS = {"attachments": "files"}


def _case(a) -> str:
    return reverse("cases:detail", args=[a.proposal_id]) + f"#a{a.pk}"


def _form_errors(form) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs)


# --- panel actions -----------------------------------------------------------------------------


@login_required
@require_POST
def sign(request, pk):
    a = access_assignment(request.user, pk)
    return run_action(
        request,
        lambda: svc.assignment_sign(actor=request.user, assignment=a, once=once(request)),
        ok="已签收。",
        redirect_to=_case(a),
    )


@login_required
@require_POST
def adjust(request, pk):
    a = access_assignment(request.user, pk)
    form = f.AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_case(a))
    d = form.cleaned_data
    return run_action(
        request,
        lambda: svc.adjustment_request(
            actor=request.user,
            assignment=a,
            reason=d["reason"],
            suggested_unit=d["suggested_unit"],
            once=once(request),
        ),
        ok="已提交调整申请，等待交办机关审批。",
        redirect_to=_case(a),
    )


@login_required
@require_POST
def adjust_decide(request, pk):
    req = sel.access_adjustment_request(request.user, pk)
    a = req.assignment
    form = f.AdjustDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_case(a))
    d = form.cleaned_data
    return run_action(
        request,
        lambda: svc.adjustment_decide(
            actor=request.user,
            request=req,
            approve=d["approve"],
            unit=d["unit"],
            note=d["note"],
            once=once(request),
        ),
        ok="已同意调整并改交。" if d["approve"] else "已退回，该件回到待签收。",
        redirect_to=_case(a),
    )


@login_required
@require_POST
def distribute(request, pk):
    a = access_assignment(request.user, pk)
    return run_action(
        request,
        lambda: svc.plan_distribute(actor=request.user, assignment=a, once=once(request)),
        ok="已分办到处室。",
        redirect_to=_case(a),
    )


@login_required
@require_POST
def reply_submit(request, pk):
    r = access_reply(request.user, pk)
    return run_action(
        request,
        lambda: svc.reply_submit(actor=request.user, reply=r, once=once(request)),
        ok="已提交领导签发。",
        redirect_to=_case(r.assignment),
    )


@login_required
@require_POST
def reply_approve(request, pk):
    r = access_reply(request.user, pk)
    return run_action(
        request,
        lambda: svc.reply_approve(actor=request.user, reply=r, once=once(request)),
        ok="已签发。",
        redirect_to=_case(r.assignment),
    )


@login_required
@require_POST
def letter_number_reissue(request, pk):
    r = access_reply(request.user, pk)
    return run_action(
        request,
        lambda: svc.letter_number_reissue(
            actor=request.user, reply=r, reason=request.POST.get("reason", ""), once=once(request)
        ),
        ok="原发文字号已作废，已重新编号。",
        redirect_to=_case(r.assignment),
    )


@login_required
@require_POST
def reply_return(request, pk):
    r = access_reply(request.user, pk)
    return run_action(
        request,
        lambda: svc.reply_return(
            actor=request.user, reply=r, comment=request.POST.get("comment", ""), once=once(request)
        ),
        ok="已退回修改。",
        redirect_to=_case(r.assignment),
    )


@login_required
@require_POST
def reply_send(request, pk):
    r = access_reply(request.user, pk)
    reason = request.POST.get("missing_opinion_reason", "")
    return run_action(
        request,
        lambda: svc.reply_send(actor=request.user, reply=r, missing_opinion_reason=reason, once=once(request)),
        ok="已正式答复代表委员。",
        redirect_to=_case(r.assignment),
    )


@login_required
@require_POST
def progress(request, pk):
    c = sel.access_commitment(request.user, pk)
    done = request.POST.get("done") == "1"
    return run_action(
        request,
        lambda: svc.commitment_progress_add(
            actor=request.user, commitment=c, text=request.POST.get("text", ""), done=done, once=once(request)
        ),
        ok="已记录落实进展。",
        redirect_to=_case(c.reply.assignment),
    )


@login_required
@require_POST
def explain(request, pk):
    c = sel.access_commitment(request.user, pk)
    a = c.reply.assignment
    new_due = None
    if request.POST.get("new_due"):
        fld = f.forms.DateField(required=False)
        try:
            new_due = fld.clean(request.POST["new_due"])
        except f.forms.ValidationError:
            messages.error(request, "调整后的完成时间格式不正确。")
            return redirect(_case(a))
    return run_action(
        request,
        lambda: svc.followup_explain(
            actor=request.user,
            commitment=c,
            explanation=request.POST.get("explanation", ""),
            new_due=new_due,
            once=once(request),
        ),
        ok="已记录承诺事项调整说明。",
        redirect_to=_case(a),
    )


@login_required
@require_POST
def convert(request, pk):
    fu = sel.access_followup(request.user, pk)
    # One row per open commitment: outcome_<id> (done / explained), text_<id>, on_<id>.
    outcomes = {}
    fld = f.forms.DateField(required=False)
    for c in sel.followup_commitments(fu).filter(state="open"):
        try:
            day = fld.clean(request.POST.get(f"on_{c.pk}", ""))
        except f.forms.ValidationError:
            messages.error(request, f"承诺事项“{c.text[:20]}”的落实日期格式不正确。")
            return redirect(_case(fu.assignment))
        outcomes[c.pk] = (request.POST.get(f"outcome_{c.pk}", ""), request.POST.get(f"text_{c.pk}", ""), day)
    return run_action(
        request,
        lambda: svc.followup_convert_to_a(
            actor=request.user, followup=fu, note=request.POST.get("note", ""), outcomes=outcomes, once=once(request)
        ),
        ok="已转为A类。",
        redirect_to=_case(fu.assignment),
    )


# --- form pages --------------------------------------------------------------------------------


def _page(request, template, ctx):
    return render(request, f"handling/{template}", ctx)


@login_required
def plan(request, pk):
    a = access_assignment(request.user, pk)
    if not sel.is_liaison(request.user, a):
        raise Http404
    depts = Org.objects.filter(kind=OrgKind.DEPT, path__startswith=a.unit.path, depth=a.unit.depth + 1).order_by(
        "path"
    )
    people_ids = [u.pk for u in svc._unit_people(a, Role.UNIT_LEADER, Role.UNIT_LIAISON, Role.HANDLER)]
    people = User.objects.filter(pk__in=people_ids).order_by("org__path", "username")
    leaders = people.filter(role_grants__role=Role.UNIT_LEADER)
    existing = HandlingPlan.objects.filter(assignment=a).first()
    kw = dict(depts=depts, leaders=leaders, people=people)
    if request.method == "POST":
        form = f.PlanForm(request.POST, **kw)
        if form.is_valid():
            d = form.cleaned_data
            saved = attempt(
                request,
                lambda: svc.plan_save(
                    actor=request.user,
                    assignment=a,
                    version=d["version"] or 0,
                    lead_dept=d["lead_dept"],
                    assist_depts=list(d["assist_depts"]),
                    responsible_leader=d["responsible_leader"],
                    responsible_person=d["responsible_person"],
                    internal_due=d["internal_due"],
                    text=d["text"],
                    once=once(request),
                ),
                form=form,
                fields=FORM_FIELDS,
            )
            if saved.repeated:
                return redirect(_case(a))
            if saved:
                # The plan is saved either way; distributing is a separate step that may be refused.
                if request.POST.get("distribute") != "1":
                    messages.success(request, "办理方案已保存。")
                else:
                    attempt(
                        request,
                        lambda: svc.plan_distribute(actor=request.user, assignment=a),
                        ok="办理方案已保存并分办。",
                    )
                return redirect(_case(a))
    else:
        initial = {"version": existing.version if existing else 0}
        if existing:
            initial.update(
                lead_dept=existing.lead_dept,
                assist_depts=list(existing.assist_depts.all()),
                responsible_leader=existing.responsible_leader,
                responsible_person=existing.responsible_person,
                internal_due=existing.internal_due,
                text=existing.text,
            )
        form = f.PlanForm(initial=initial, **kw)
    return _page(request, "plan.html", {"a": a, "form": form, "plan": existing})


@login_required
def contact(request, pk):
    a = access_assignment(request.user, pk)
    if not (sel.is_liaison(request.user, a) or sel.is_handler(request.user, a)):
        raise Http404
    if request.method == "POST":
        form = f.ContactForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            if attempt(
                request,
                lambda: svc.contact_add(
                    actor=request.user,
                    assignment=a,
                    on=d["on"],
                    stage=d["stage"],
                    method=d["method"],
                    face_to_face=d["face_to_face"],
                    participants=d["participants"],
                    summary=d["summary"],
                    leader=d["leader"],
                    files=d["files"],
                    once=once(request),
                ),
                ok="沟通情况已记录。",
                form=form,
                fields=FORM_FIELDS,
            ):
                return redirect(_case(a))
    else:
        form = f.ContactForm()
    return _page(request, "contact.html", {"a": a, "form": form})


@login_required
def co_opinion(request, pk):
    a = access_assignment(request.user, pk)
    if not (sel.is_liaison(request.user, a) or sel.is_handler(request.user, a)):
        raise Http404
    form = f.CoOpinionForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: svc.co_opinion_submit(
                actor=request.user, assignment=a, text=form.cleaned_data["text"], once=once(request)
            ),
            ok="会办意见已提交主办单位。",
            form=form,
            fields=FORM_FIELDS,
        )
    ):
        return redirect(_case(a))
    return _page(request, "co_opinion.html", {"a": a, "form": form, "lead": sel.lead_sibling(a)})


@login_required
def points(request, pk):
    a = access_assignment(request.user, pk)
    existing = list(a.proposal.points.all())
    form = f.PointsForm(request.POST or None, initial={"text": "\n".join(p.text for p in existing)})
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: svc.points_save(
                actor=request.user, assignment=a, texts=form.cleaned_data["text"].splitlines(), once=once(request)
            ),
            ok="建议条目已保存。",
            form=form,
            fields=FORM_FIELDS,
        )
    ):
        return redirect(_case(a))
    return _page(request, "points.html", {"a": a, "form": form})


@login_required
def reply_edit(request, pk):
    """Draft the reply, with the co units' opinions side by side. A version conflict keeps
    everything the user typed on the page, next to the newer saved draft."""
    a = access_assignment(request.user, pk)
    if not (sel.is_liaison(request.user, a) or sel.is_handler(request.user, a)):
        raise Http404
    draft = sel.open_reply(a)
    points_ = list(a.proposal.points.all())
    commitments = list(draft.commitments.all()) if draft else []
    decisions = {d.point_id: d for d in draft.point_decisions.all()} if draft else {}
    kw = dict(points=points_, commitments=commitments, decisions=decisions)
    conflict = None
    if request.method == "POST":
        form = f.ReplyForm(request.POST, request.FILES, **kw)
        if form.is_valid():
            d = form.cleaned_data
            try:
                r = svc.reply_save_draft(
                    actor=request.user,
                    assignment=a,
                    version=d["version"] or 0,
                    result_class=d["result_class"],
                    text=d["text"],
                    signer=d["signer"],
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    disclosure=d["disclosure"],
                    disclosure_reason=d["disclosure_reason"],
                    commitments=form.commitment_values(),
                    decisions=form.decision_values(),
                    files=d["files"],
                    once=once(request),
                )
            except Conflict as e:
                # Not through the runner: the page shows the newer saved draft beside what was typed.
                conflict = e.message
                form.add_error(None, e.message)
                draft = sel.open_reply(a)
            except AlreadySubmitted as e:
                messages.info(request, e.message)
                return redirect(_case(a))
            except DomainError as e:
                form_error(form, e, FORM_FIELDS)
            else:
                if request.POST.get("submit") != "1":
                    messages.success(request, "答复稿已保存。")
                    return redirect("handling:reply", pk=a.pk)
                # The draft is saved either way; submitting is a separate step that may be refused.
                try:
                    svc.reply_submit(actor=request.user, reply=r)
                except DomainError as e:
                    messages.warning(request, f"答复稿已保存，但未能提交领导签发：{e.message}")
                    return redirect("handling:reply", pk=a.pk)
                messages.success(request, "答复稿已保存并提交领导签发。")
                return redirect(_case(a))
    else:
        initial = {"version": draft.version if draft else 0}
        if draft:
            initial.update({k: getattr(draft, k) for k in svc.REPLY_FIELDS})
        else:
            initial.update(contact_name=request.user.display_name, contact_phone=request.user.phone)
        form = f.ReplyForm(initial=initial, **kw)
    lead_opinions = []
    if a.role == "lead":
        lead_opinions = list(CoOpinion.objects.filter(lead_assignment=a).select_related("assignment__unit"))
    ctx = {
        "a": a,
        "form": form,
        "draft": draft,
        "conflict": conflict,
        "opinions": lead_opinions,
        "missing": sel.missing_co_opinions(a),
        "can_submit": sel.is_liaison(request.user, a),
        "editable": draft is None or draft.state == ReplyState.DRAFT,
        "previous": list(a.replies.filter(state=ReplyState.SENT).order_by("seq", "id")),
        "evaluations": list(a.evaluations.select_related("proposer").order_by("on", "id")),
        "contacts": list(a.contacts.all()),
    }
    return _page(request, "reply.html", ctx)


@login_required
def reply_correct(request, pk):
    r = access_reply(request.user, pk)
    a = r.assignment
    if not sel.is_leader(request.user, a):
        raise Http404
    form = f.CorrectForm(request.POST or None, initial={"text": r.text})
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: svc.reply_correct(
                actor=request.user,
                reply=r,
                text=form.cleaned_data["text"],
                reason=form.cleaned_data["reason"],
                once=once(request),
            ),
            ok="更正后的答复已发出，原答复保留在历史中。",
            form=form,
            fields=FORM_FIELDS,
        )
    ):
        return redirect(_case(a))
    return _page(request, "correct.html", {"a": a, "r": r, "form": form})


@login_required
def evaluate(request, pk):
    """The proposer's evaluation form (SPEC §4); body staff may enter a paper form for a proposer."""
    a = access_assignment(request.user, pk)
    if portal_only(request.user):
        return redirect("portal:evaluate", pk=a.pk)  # a proposer evaluates on the portal
    on_behalf = sel.body_of(request.user) is not None and sel.body_of(request.user).pk == a.proposal.session.body_id
    me = sel.proposer_for(request.user, a.proposal)
    if me is None and not on_behalf:
        raise Http404
    proposers = list(sel.eligible_proposers(a.proposal)) if on_behalf else []
    form = f.EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        who = None
        if on_behalf and me is None:
            who = next((p for p in proposers if str(p.pk) == request.POST.get("proposer")), None)
            if who is None:
                form.add_error(None, "请选择代为录入评价的代表/委员。")
        if not form.errors and attempt(
            request,
            lambda: svc.evaluation_submit(actor=request.user, assignment=a, proposer=who, once=once(request), **d),
            ok="评价已提交，感谢您的意见。",
            form=form,
            fields=FORM_FIELDS,
        ):
            return redirect(_case(a))
    return _page(
        request,
        "evaluate.html",
        {"a": a, "form": form, "reply": sel.current_reply(a), "proposers": proposers if me is None else [], "me": me},
    )


# --- pages outside a case ----------------------------------------------------------------------


@login_required
def b_ledger(request):
    """The ledger of B-class replies across sessions and years (B类跟踪台账)."""
    qs = sel.followups_visible_to(request.user)
    state = request.GET.get("state", "")
    if state in FollowUpState.values:
        qs = qs.filter(state=state)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(opened_on__year=int(year))
    summary = sel.b_followup_summary(sel.followups_visible_to(request.user))
    from django.db.models import Max
    from django.utils import timezone

    qs = qs.annotate(last_progress=Max("assignment__replies__commitments__progress__on"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    on = timezone.localdate()
    months = {}
    tracked = {}
    # A follow-up tracks the commitments of every sent reply of its case (banli.handling.selectors).
    for c in (
        Commitment.objects.filter(
            reply__assignment_id__in=[fu.assignment_id for fu in page], reply__state=ReplyState.SENT
        )
        .annotate(case_assignment=F("reply__assignment_id"))
        .order_by("reply__seq", "reply_id", "seq", "id")
    ):
        tracked.setdefault(c.case_assignment, []).append(c)
    for fu in page:
        fu.tracked = tracked.get(fu.assignment_id, [])
        # SPEC §5: B-class progress is reported at least yearly (per the body's rules).
        body = fu.assignment.proposal.session.body
        if body.pk not in months:
            months[body.pk] = workdays.rules_for(body).progress_months
        fu.progress_due = workdays.next_workday(workdays.add_months(fu.last_progress or fu.opened_on, months[body.pk]))
        fu.progress_late = fu.state == FollowUpState.OPEN and fu.progress_due < on
    return _page(
        request,
        "b_ledger.html",
        {"page": page, "summary": summary, "states": FollowUpState.choices, "state": state, "year": year},
    )


@login_required
def handover(request):
    """工作移交: pick whose work, preview the cases (and department tasks) that will move, pick the
    receiver from exactly those the service accepts, confirm."""
    unit = sel.unit_of(request.user)
    if not (request.user.has_role(*UNIT_MANAGERS) and unit):
        raise Http404
    people = sel.handover_people(unit)
    data = request.POST if request.method == "POST" else request.GET
    pick = f.HandoverPickForm(data if data.get("from_user") else None, people=people)
    from_user = pick.cleaned_data["from_user"] if pick.is_bound and pick.is_valid() else None
    form = items = None
    receivers = []
    if from_user is not None:
        receivers = sel.handover_receivers(from_user)
        items = sel.handover_items(from_user)
        form = f.HandoverForm(
            request.POST if request.method == "POST" else None,
            initial={"from_user": from_user.pk},
            people=people,
            receivers=receivers,
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            if attempt(
                request,
                lambda: svc.cases_handover(
                    actor=request.user,
                    from_user=d["from_user"],
                    to_user=d["to_user"],
                    note=d["note"],
                    once=once(request),
                ),
                ok=lambda h: (
                    f"已将{h.from_user}的 {h.assignment_count} 件在办件移交给{h.to_user}"
                    + (f"（含处室任务 {h.task_count} 个）" if h.task_count else "")
                    + "。"
                ),
                form=form,
                fields=FORM_FIELDS,
            ):
                return redirect("handling:handover")
    history = Handover.objects.filter(org__path__startswith=unit.path).select_related("from_user", "to_user", "by")[
        :50
    ]
    return _page(
        request,
        "handover.html",
        {
            "pick": pick,
            "form": form,
            "from_user": from_user,
            "items": items,
            "receivers": receivers,
            "rule": sel.handover_receiver_rule(from_user) if from_user else "",
            "history": history,
            "unit": unit,
        },
    )


@login_required
def policy(request):
    body = sel.body_of(request.user)
    if body is None:
        raise Http404
    pol = sel.policy_for(body)
    form = f.PolicyForm(request.POST or None, initial={"contact_before_reply": pol.contact_before_reply})
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(
            request,
            lambda: svc.policy_set(
                actor=request.user,
                body=body,
                contact_before_reply=form.cleaned_data["contact_before_reply"],
                once=once(request),
            ),
            ok="办理规则已保存。",
        )
    ):
        return redirect("handling:policy")
    return _page(request, "policy.html", {"form": form, "body": body})


@login_required
def attachment(request, pk):
    """Download an attachment of a contact or reply: the cases app's scoped, audited download
    (proposers get only the files of sent replies)."""

    att = attachment_download(actor=request.user, attachment_id=pk)
    if att.assignment_id is None:  # proposal files are served by the case page's own route
        raise Http404
    return attachment_response(att)
