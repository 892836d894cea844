"""Thin views over banli.handling.services. Actions post from the case page's assignment panel
and redirect back to it; long forms (plan, reply, contact, evaluation) have their own page that
re-renders with everything the user typed when the service refuses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from banli.cases.models import Reply, ReplyState
from banli.cases.selectors import portal_only
from banli.errors import Conflict, DomainError, NotFound
from banli.orgs.models import Org, OrgKind, Role, User

from . import forms as f
from . import selectors as sel
from . import services as svc
from .models import AdjustmentRequest, Commitment, FollowUp, FollowUpState, HandlingPlan, SubmitToken


def _case(a) -> str:
    return reverse("cases:detail", args=[a.proposal_id]) + f"#a{a.pk}"


def _assignment(request, pk):
    try:
        return sel.assignment_get_for(request.user, pk)
    except NotFound:
        raise Http404


def _reply(request, pk) -> Reply:
    r = Reply.objects.filter(pk=pk if str(pk).isdigit() else 0).first()
    if r is None:
        raise Http404
    a = _assignment(request, r.assignment_id)
    if r.state != ReplyState.SENT and not sel.is_unit_member(request.user, a):
        raise Http404
    r.assignment = a
    return r


class AlreadyDone(Exception):
    pass


def _claim(request) -> None:
    """Claim the form's one-time token: a double-clicked or replayed submit acts once."""
    token = (request.POST.get("once") or "").strip()[:64]
    if not token:
        return
    try:
        with transaction.atomic():
            SubmitToken.objects.create(token=token, user=request.user)
    except IntegrityError:
        raise AlreadyDone()


def _run(request, action, ok: str) -> bool:
    """Run `action` with the token claim in one transaction; flash the outcome."""
    try:
        with transaction.atomic():
            _claim(request)
            action()
    except AlreadyDone:
        messages.info(request, "该操作已经提交过，未重复执行。")
        return True
    except DomainError as e:
        messages.error(request, e.message)
        return False
    messages.success(request, ok)
    return True


def _post_action(request, a, action, ok):
    _run(request, action, ok)
    return redirect(_case(a))


# --- panel actions -----------------------------------------------------------------------------


@login_required
@require_POST
def sign(request, pk):
    a = _assignment(request, pk)
    return _post_action(request, a, lambda: svc.assignment_sign(actor=request.user, assignment=a), "已签收。")


@login_required
@require_POST
def adjust(request, pk):
    a = _assignment(request, pk)
    form = f.AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(_case(a))
    d = form.cleaned_data
    return _post_action(
        request,
        a,
        lambda: svc.adjustment_request(
            actor=request.user, assignment=a, reason=d["reason"], suggested_unit=d["suggested_unit"]
        ),
        "已提交调整申请，等待交办机关审批。",
    )


@login_required
@require_POST
def adjust_decide(request, pk):
    req = AdjustmentRequest.objects.filter(pk=pk).first()
    if req is None:
        raise Http404
    a = _assignment(request, req.assignment_id)
    form = f.AdjustDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(_case(a))
    d = form.cleaned_data
    return _post_action(
        request,
        a,
        lambda: svc.adjustment_decide(
            actor=request.user, request=req, approve=d["approve"], unit=d["unit"], note=d["note"]
        ),
        "已同意调整并改交。" if d["approve"] else "已退回，该件回到待签收。",
    )


@login_required
@require_POST
def distribute(request, pk):
    a = _assignment(request, pk)
    return _post_action(request, a, lambda: svc.plan_distribute(actor=request.user, assignment=a), "已分办到处室。")


@login_required
@require_POST
def reply_submit(request, pk):
    r = _reply(request, pk)
    return _post_action(
        request, r.assignment, lambda: svc.reply_submit(actor=request.user, reply=r), "已提交领导签发。"
    )


@login_required
@require_POST
def reply_approve(request, pk):
    r = _reply(request, pk)
    return _post_action(request, r.assignment, lambda: svc.reply_approve(actor=request.user, reply=r), "已签发。")


@login_required
@require_POST
def reply_return(request, pk):
    r = _reply(request, pk)
    return _post_action(
        request,
        r.assignment,
        lambda: svc.reply_return(actor=request.user, reply=r, comment=request.POST.get("comment", "")),
        "已退回修改。",
    )


@login_required
@require_POST
def reply_send(request, pk):
    r = _reply(request, pk)
    reason = request.POST.get("missing_opinion_reason", "")
    return _post_action(
        request,
        r.assignment,
        lambda: svc.reply_send(actor=request.user, reply=r, missing_opinion_reason=reason),
        "已正式答复代表委员。",
    )


@login_required
@require_POST
def progress(request, pk):
    c = Commitment.objects.filter(pk=pk).select_related("reply").first()
    if c is None:
        raise Http404
    a = _assignment(request, c.reply.assignment_id)
    done = request.POST.get("done") == "1"
    return _post_action(
        request,
        a,
        lambda: svc.commitment_progress_add(
            actor=request.user, commitment=c, text=request.POST.get("text", ""), done=done
        ),
        "已记录落实进展。",
    )


@login_required
@require_POST
def explain(request, pk):
    c = Commitment.objects.filter(pk=pk).select_related("reply").first()
    if c is None:
        raise Http404
    a = _assignment(request, c.reply.assignment_id)
    new_due = None
    if request.POST.get("new_due"):
        fld = f.forms.DateField(required=False)
        try:
            new_due = fld.clean(request.POST["new_due"])
        except f.forms.ValidationError:
            messages.error(request, "调整后的完成时间格式不正确。")
            return redirect(_case(a))
    return _post_action(
        request,
        a,
        lambda: svc.followup_explain(
            actor=request.user, commitment=c, explanation=request.POST.get("explanation", ""), new_due=new_due
        ),
        "已记录承诺事项调整说明。",
    )


@login_required
@require_POST
def convert(request, pk):
    fu = FollowUp.objects.filter(pk=pk).first()
    if fu is None:
        raise Http404
    a = _assignment(request, fu.assignment_id)
    return _post_action(
        request,
        a,
        lambda: svc.followup_convert_to_a(actor=request.user, followup=fu, note=request.POST.get("note", "")),
        "已转为A类。",
    )


# --- form pages --------------------------------------------------------------------------------


def _page(request, template, ctx):
    return render(request, f"handling/{template}", ctx)


def _apply_errors(form, e: DomainError):
    field = "files" if e.field == "attachments" else e.field
    if field and field in form.fields:
        form.add_error(field, e.message)
    else:
        form.add_error(None, e.message)


@login_required
def plan(request, pk):
    a = _assignment(request, pk)
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
            try:
                with transaction.atomic():
                    _claim(request)
                    svc.plan_save(
                        actor=request.user,
                        assignment=a,
                        version=d["version"] or 0,
                        lead_dept=d["lead_dept"],
                        assist_depts=list(d["assist_depts"]),
                        responsible_leader=d["responsible_leader"],
                        responsible_person=d["responsible_person"],
                        internal_due=d["internal_due"],
                        text=d["text"],
                    )
                    if request.POST.get("distribute") == "1":
                        svc.plan_distribute(actor=request.user, assignment=a)
            except AlreadyDone:
                return redirect(_case(a))
            except DomainError as e:
                _apply_errors(form, e)
            else:
                messages.success(
                    request, "办理方案已保存" + ("并分办。" if request.POST.get("distribute") == "1" else "。")
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
    a = _assignment(request, pk)
    if not (sel.is_liaison(request.user, a) or sel.is_handler(request.user, a)):
        raise Http404
    if request.method == "POST":
        form = f.ContactForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                with transaction.atomic():
                    _claim(request)
                    svc.contact_add(
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
                    )
            except AlreadyDone:
                return redirect(_case(a))
            except DomainError as e:
                _apply_errors(form, e)
            else:
                messages.success(request, "沟通情况已记录。")
                return redirect(_case(a))
    else:
        form = f.ContactForm()
    return _page(request, "contact.html", {"a": a, "form": form})


@login_required
def co_opinion(request, pk):
    a = _assignment(request, pk)
    if not (sel.is_liaison(request.user, a) or sel.is_handler(request.user, a)):
        raise Http404
    form = f.CoOpinionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                _claim(request)
                svc.co_opinion_submit(actor=request.user, assignment=a, text=form.cleaned_data["text"])
        except AlreadyDone:
            return redirect(_case(a))
        except DomainError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "会办意见已提交主办单位。")
            return redirect(_case(a))
    return _page(request, "co_opinion.html", {"a": a, "form": form, "lead": sel.lead_sibling(a)})


@login_required
def points(request, pk):
    a = _assignment(request, pk)
    existing = list(a.proposal.points.all())
    form = f.PointsForm(request.POST or None, initial={"text": "\n".join(p.text for p in existing)})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                _claim(request)
                svc.points_save(actor=request.user, assignment=a, texts=form.cleaned_data["text"].splitlines())
        except AlreadyDone:
            return redirect(_case(a))
        except DomainError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "建议条目已保存。")
            return redirect(_case(a))
    return _page(request, "points.html", {"a": a, "form": form})


@login_required
def reply_edit(request, pk):
    """Draft the reply, with the co units' opinions side by side. A version conflict keeps
    everything the user typed on the page, next to the newer saved draft."""
    a = _assignment(request, pk)
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
                with transaction.atomic():
                    _claim(request)
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
                    )
            except AlreadyDone:
                return redirect(_case(a))
            except Conflict as e:
                conflict = e.message
                form.add_error(None, e.message)
                draft = sel.open_reply(a)
            except DomainError as e:
                _apply_errors(form, e)
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
        from .models import CoOpinion

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
    r = _reply(request, pk)
    a = r.assignment
    if not sel.is_leader(request.user, a):
        raise Http404
    form = f.CorrectForm(request.POST or None, initial={"text": r.text})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                _claim(request)
                svc.reply_correct(
                    actor=request.user, reply=r, text=form.cleaned_data["text"], reason=form.cleaned_data["reason"]
                )
        except AlreadyDone:
            return redirect(_case(a))
        except DomainError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, "更正后的答复已发出，原答复保留在历史中。")
            return redirect(_case(a))
    return _page(request, "correct.html", {"a": a, "r": r, "form": form})


@login_required
def evaluate(request, pk):
    """The proposer's evaluation form (SPEC §4); body staff may enter a paper form for a proposer."""
    a = _assignment(request, pk)
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
        if not form.errors:
            try:
                with transaction.atomic():
                    _claim(request)
                    svc.evaluation_submit(actor=request.user, assignment=a, proposer=who, **d)
            except AlreadyDone:
                return redirect(_case(a))
            except DomainError as e:
                _apply_errors(form, e)
            else:
                messages.success(request, "评价已提交，感谢您的意见。")
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

    from banli.cases import deadlines

    qs = qs.annotate(last_progress=Max("reply__commitments__progress__on"))
    page = Paginator(qs.prefetch_related("reply__commitments"), 50).get_page(request.GET.get("page"))
    on = timezone.localdate()
    months = {}
    for fu in page:
        # SPEC §5: B-class progress is reported at least yearly (per the body's rules).
        body = fu.assignment.proposal.session.body
        if body.pk not in months:
            months[body.pk] = deadlines.rules_for(body).progress_months
        fu.progress_due = deadlines.next_workday(
            deadlines.add_months(fu.last_progress or fu.opened_on, months[body.pk])
        )
        fu.progress_late = fu.state == FollowUpState.OPEN and fu.progress_due < on
    return _page(
        request,
        "b_ledger.html",
        {"page": page, "summary": summary, "states": FollowUpState.choices, "state": state, "year": year},
    )


@login_required
def handover(request):
    unit = sel.unit_of(request.user)
    if not (request.user.has_role(Role.UNIT_LIAISON, Role.UNIT_LEADER) and unit):
        raise Http404
    people_ids = [
        u.pk
        for u in User.objects.filter(org__path__startswith=unit.path, is_active=True).select_related("org")
        if sel.user_unit(u)
        and sel.user_unit(u).pk == unit.pk
        and u.has_role(Role.HANDLER, Role.UNIT_LIAISON, Role.UNIT_LEADER)
    ]
    people = User.objects.filter(pk__in=people_ids).select_related("org").order_by("org__path", "username")
    form = f.HandoverForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                _claim(request)
                h = svc.cases_handover(
                    actor=request.user, from_user=d["from_user"], to_user=d["to_user"], note=d["note"]
                )
        except AlreadyDone:
            return redirect("handling:handover")
        except DomainError as e:
            _apply_errors(form, e)
        else:
            messages.success(request, f"已将{h.from_user}的 {h.assignment_count} 件在办件移交给{h.to_user}。")
            return redirect("handling:handover")
    from .models import Handover

    history = Handover.objects.filter(org__path__startswith=unit.path).select_related("from_user", "to_user", "by")[
        :50
    ]
    return _page(request, "handover.html", {"form": form, "history": history, "unit": unit})


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
        and _run(
            request,
            lambda: svc.policy_set(
                actor=request.user, body=body, contact_before_reply=form.cleaned_data["contact_before_reply"]
            ),
            "办理规则已保存。",
        )
    ):
        return redirect("handling:policy")
    return _page(request, "policy.html", {"form": form, "body": body})


@login_required
def attachment(request, pk):
    """Download an attachment of a contact or reply: the cases app's scoped, audited download
    (proposers get only the files of sent replies)."""
    from banli.cases.services import attachment_download
    from banli.security.uploads import attachment_response

    try:
        att = attachment_download(actor=request.user, attachment_id=pk)
    except NotFound:
        raise Http404
    if att.assignment_id is None:  # proposal files are served by the case page's own route
        raise Http404
    return attachment_response(att)
