"""The case UI: proposal list, registration, case page and its actions. Thin: parse, call, render."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from banli.errors import NotFound
from banli.orgs.models import Org, OrgKind, Role
from banli.orgs.roles import STAFF
from banli.orgs.search import unit_search
from banli.security.uploads import attachment_response
from banli.web.actions import attempt, once

from .forms import (
    AssignForm,
    AttachmentForm,
    KeyForm,
    ProposalEditForm,
    ProposalFilterForm,
    ProposalRegisterForm,
    ReviewForm,
    WithdrawForm,
)
from .models import (
    AssignmentRole,
    AssignmentState,
    ContactMethod,
    ContactStage,
    Disclosure,
    ProposalStatus,
    Proposer,
    ReplyState,
    ReviewState,
    Session,
)
from .selectors import (
    CASE_ROLES,
    DEFAULT_SORT,
    PROPOSAL_SORTS,
    access_assignment,
    access_proposal,
    filter_sessions_for,
    filter_units_for,
    portal_only,
    proposal_assignments,
    proposal_by_number,
    proposal_history,
    proposal_rows,
    proposals_filtered,
    proposals_visible_to,
    user_body,
)
from .services import (
    assignable_units,
    assignment_create,
    assignment_withdraw,
    attachment_download,
    attachments_add,
    can_withdraw,
    is_body_staff_of,
    next_number,
    proposal_edit,
    proposal_intake,
    proposal_review,
    proposal_set_key,
    review_choices,
)

# --- the proposal list -------------------------------------------------------------------------

SORT_LABELS = {"number": "编号", "title": "标题", "submitted": "提交日期", "session": "届次"}


def _page_numbers(page) -> list[int | None]:
    """Page links around the current page, with the first and last; None marks a gap."""
    last, cur = page.paginator.num_pages, page.number
    wanted = sorted({1, last, *range(max(1, cur - 2), min(last, cur + 2) + 1)})
    out: list[int | None] = []
    for n in wanted:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


@login_required
def proposal_list(request):
    user = request.user
    if not user.has_role(*CASE_ROLES):
        raise PermissionDenied("您的角色不能查看建议提案。")
    if portal_only(user):
        return redirect("portal:home")  # a proposer follows their own proposals on the portal
    form = ProposalFilterForm(request.GET, sessions=filter_sessions_for(user), units=filter_units_for(user))
    filters = form.filters()
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort.lstrip("-") not in PROPOSAL_SORTS:
        sort = DEFAULT_SORT
    qs = proposals_filtered(user, sort=sort, **filters)
    paginator = Paginator(qs.values_list("pk", flat=True), settings.BANLI_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = proposal_rows(list(page.object_list))

    base = request.GET.copy()
    base.pop("page", None)
    sort_links = {}
    for key, label in SORT_LABELS.items():
        q = base.copy()
        q["sort"] = f"-{key}" if sort == key else key
        direction = "asc" if sort == key else "desc" if sort == f"-{key}" else ""
        sort_links[key] = {"url": "?" + q.urlencode(), "label": label, "dir": direction}
    base_qs = base.urlencode()
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "rows": rows,
            "page": page,
            "page_numbers": _page_numbers(page),
            "page_qs": base_qs + ("&" if base_qs else ""),
            "sort": sort,
            "sort_links": sort_links,
            "filtered": bool(filters),
            "can_register": user.has_role(Role.BODY_STAFF),
        },
    )


# --- registration ------------------------------------------------------------------------------


@login_required
def proposal_register_view(request):
    user = request.user
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    if body is None:
        raise PermissionDenied("只有人大/政协工作人员可以登记建议提案。")
    sessions = Session.objects.filter(body=body).order_by("-year", "-id")
    if request.method == "POST":
        form = ProposalRegisterForm(request.POST, request.FILES, sessions=sessions)
        if form.is_valid():
            d = form.cleaned_data
            done = attempt(
                request,
                lambda: proposal_intake(
                    actor=user,
                    session=d["session"],
                    title=d["title"],
                    lead_name=d["lead"],
                    cosigner_names=d["cosigners"],
                    files=d["attachments"],
                    number=d["number"] or None,
                    content=d["content"],
                    channel=d["channel"],
                    group=d["group"],
                    topic=d["topic"],
                    submitted_on=d["submitted_on"],
                    once=request.POST.get("once", ""),
                ),
                ok=lambda p: f"已登记 {p.number}《{p.title}》。",
                form=form,
            )
            if done.repeated:
                return redirect("cases:list")
            if done:
                return redirect(done.value)
        status = 400
    else:
        form = ProposalRegisterForm(sessions=sessions)
        status = 200
    next_numbers = {str(s.pk): next_number(s) for s in sessions[:20]}
    once = request.POST.get("once") if request.method == "POST" else ""
    selected = form["session"].value() or (str(sessions[0].pk) if sessions else "")
    return render(
        request,
        "cases/register.html",
        {
            "form": form,
            "session": sessions.filter(pk=selected).first() if str(selected).isdigit() else None,
            "next_numbers_json": json.dumps(next_numbers),
            "once": once or uuid.uuid4().hex,
            "next_number": next_numbers.get(str(selected), ""),
            "proposers": Proposer.objects.filter(body=body).only("name", "group").order_by("name")[:3000],
            "topics": proposals_visible_to(user)
            .exclude(topic="")
            .values_list("topic", flat=True)
            .distinct()
            .order_by("topic")[:200],
        },
        status=status,
    )


@login_required
def proposal_edit_view(request, pk):
    user = request.user
    p = access_proposal(user, pk)
    if not is_body_staff_of(user, p.session.body):
        raise Http404
    if request.method == "POST":
        form = ProposalEditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            if attempt(
                request,
                lambda: proposal_edit(
                    actor=user,
                    proposal=p,
                    version=d["version"],
                    lead_name=d["lead"],
                    cosigner_names=d["cosigners"],
                    number=d["number"],
                    title=d["title"].strip(),
                    content=d["content"],
                    channel=d["channel"],
                    group=d["group"],
                    topic=d["topic"],
                    submitted_on=d["submitted_on"],
                ),
                ok="登记信息已修改。",
                form=form,
            ):
                return redirect(p)
        status = 400
    else:
        form = ProposalEditForm(
            initial={
                "version": p.version,
                "number": p.number,
                "title": p.title,
                "content": p.content,
                "channel": p.channel,
                "lead": p.lead.name,
                "cosigners": "、".join(c.name for c in p.cosigners.all()),
                "group": p.group,
                "topic": p.topic,
                "submitted_on": p.submitted_on,
            }
        )
        status = 200
    return render(
        request,
        "cases/edit.html",
        {
            "form": form,
            "p": p,
            "proposers": Proposer.objects.filter(body=p.session.body).only("name", "group").order_by("name")[:3000],
        },
        status=status,
    )


# --- the case page -----------------------------------------------------------------------------

STAFF_ROLES = STAFF

VERB_LABELS = {
    "proposal.register": "登记",
    "proposal.update": "修改登记信息",
    "proposal.review": "立案审查",
    "proposal.merge_received": "并案",
    "proposal.set_key": "修改重点标记",
    "assignment.create": "交办",
    "assignment.withdraw": "撤回交办",
    "attachment.add": "上传附件",
    "attachment.download": "下载附件",
}
FIELD_LABELS = {
    "number": "编号",
    "title": "标题",
    "content": "内容",
    "channel": "来源",
    "group": "代表团/界别",
    "topic": "类别",
    "submitted_on": "提交日期",
    "lead": "领衔人",
    "review_state": "立案状态",
    "review_reason": "审查意见",
    "merged_into": "并入",
    "is_key": "重点",
    "key_leader": "领衔督办领导",
    "key_plan": "重点办理计划",
    "is_hard": "重难特件",
    "is_showcase": "典型案例",
    "state": "状态",
    "unit": "承办单位",
    "role": "办理方式",
    "reply_due": "答复期限",
    "sign_due": "签收期限",
    "opinion_due": "会办意见期限",
    # handling plan and reply draft (banli/handling/services.py snapshots)
    "lead_dept": "牵头处室",
    "assist_depts": "协办处室",
    "responsible_leader": "责任领导",
    "responsible_person": "责任人",
    "internal_due": "内部办理期限",
    "text": "正文",
    "result_class": "答复类别",
    "signer": "签发人",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "disclosure": "公开属性",
    "disclosure_reason": "不公开理由",
    "commitments": "承诺事项",
    "reply_state": "答复稿状态",
    "comment": "意见",
    "sent_on": "答复日期",
    "eval_due": "评价期限",
    "closed_on": "办结日期",
    "assigned_on": "交办日期",
    "signed_on": "签收日期",
    "parent": "上级交办",
    "session": "届次",
    "kind": "类型",
    "joint_kind": "提出方式",
    "cosigners": "联名人",
    # contacts
    "on": "日期",
    "stage": "阶段",
    "method": "方式",
    "face_to_face": "见面",
    "participants": "参加人员",
    # publication
    "proposed": "拟公开",
    "proposed_reason": "拟公开理由",
    "decision_reason": "审核意见",
}
VALUE_LABELS = {
    "review_state": dict(ReviewState.choices),
    "state": dict(AssignmentState.choices),
    "role": dict(AssignmentRole.choices),
    "reply_state": dict(ReplyState.choices),
    "stage": dict(ContactStage.choices),
    "method": dict(ContactMethod.choices),
    "disclosure": dict(Disclosure.choices),
}


def _plain_text(key, value) -> str:
    """One history value as text, whatever JSON shape it has (lists and objects included)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):  # a list of rows (commitments: [text, due]) reads row by row
        rows = any(isinstance(v, list | tuple | dict) for v in value)
        return ("；" if rows else "、").join(t for t in (_plain_text(key, v) for v in value) if t)
    if isinstance(value, dict):
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{_plain_text(k, v) or '（空）'}" for k, v in value.items())
    if isinstance(value, str | int):  # hashable and maybe a choice value
        return str(VALUE_LABELS.get(key, {}).get(value, value))
    return str(value)


def _value_text(key, value) -> str:
    text = _plain_text(key, value)
    if not text:
        return "（空）"
    return text if len(text) <= 60 else text[:60] + "…"


def _history_rows(events, *, proposer_view: bool) -> list:
    """Audit events with a readable label and, for staff, what changed (old → new)."""
    for e in events:
        e.label = e.summary or VERB_LABELS.get(e.verb, e.verb)
        e.changes = []
        if not proposer_view and isinstance(e.old, dict) and isinstance(e.new, dict):
            for k, new in e.new.items():
                old = e.old.get(k)
                if k in e.old and old != new and k != "content":
                    e.changes.append((FIELD_LABELS.get(k, k), _value_text(k, old), _value_text(k, new)))
    return events


def _render_detail(
    request,
    p,
    *,
    status=200,
    review_form=None,
    key_form=None,
    assign_form=None,
    sub_forms=None,
    attach_form=None,
    withdraw_errors=None,
):
    user = request.user
    assignments = proposal_assignments(user, p)
    tops = [a for a in assignments if a.parent_id is None]
    ordered = []
    for a in tops:
        ordered.append(a)
        ordered += [s for s in assignments if s.parent_id == a.pk]
    ordered += [a for a in assignments if a not in ordered]
    withdraw_errors = withdraw_errors or {}
    for a in ordered:
        a.proposal = p
        a.can_withdraw = can_withdraw(user, a)
        a.withdraw_error = withdraw_errors.get(a.pk, "")
        a.is_sub = a.parent_id is not None

    staff = is_body_staff_of(user, p.session.body)
    choices = review_choices(user, p)
    if choices and review_form is None:
        review_form = ReviewForm(choices=choices, initial={"version": p.version})
    if staff and key_form is None and p.review_state not in (ReviewState.NOT_ACCEPTED, ReviewState.MERGED):
        key_form = KeyForm(
            initial={
                "is_key": p.is_key,
                "leader": p.key_leader,
                "plan": p.key_plan,
                "is_hard": p.is_hard,
                "is_showcase": p.is_showcase,
            }
        )

    # A closed case takes no new units; a case already assigned gets the form folded away (追加交办).
    if assign_form is None and p.review_state == ReviewState.ACCEPTED and p.status != ProposalStatus.CLOSED:
        units = assignable_units(user, p)
        if units.exists():
            assign_form = AssignForm(units=units.order_by("path"), src=_units_src(p))
    # A district that was assigned the case may sub-assign it one level down.
    sub_forms = dict(sub_forms or {})
    if p.review_state == ReviewState.ACCEPTED and user.has_role(Role.UNIT_LIAISON):
        for a in ordered:
            if a.pk in sub_forms or a.state in (AssignmentState.WITHDRAWN, AssignmentState.CLOSED):
                continue
            units = assignable_units(user, p, parent=a)
            if units.exists():
                sub_forms[a.pk] = AssignForm(
                    units=units.order_by("path"), initial={"parent": a.pk}, src=_units_src(p, a)
                )
    for a in ordered:
        a.sub_form = sub_forms.get(a.pk)

    visible_ids = set(
        proposals_visible_to(user).filter(Q(merged_into=p) | Q(pk=p.merged_into_id or 0)).values_list("pk", flat=True)
    )
    ctx = {
        "p": p,
        "proposal": p,
        "cosigners": list(p.cosigners.all()),
        "merged_from": list(p.merged_from.all().order_by("number")),
        "visible_ids": visible_ids,
        "assignments": ordered,
        "attachments": list(p.attachments.filter(assignment__isnull=True, reply__isnull=True, contact__isnull=True)),
        "history": _history_rows(proposal_history(user, p), proposer_view=not user.has_role(*STAFF_ROLES)),
        "status_label": ProposalStatus(p.status).label,
        "is_proposer_view": not user.has_role(*STAFF_ROLES),
        "can_edit": staff,
        "review_form": review_form,
        "key_form": key_form,
        "assign_form": assign_form,
        "assign_folded": assign_form is not None and not assign_form.is_bound and p.status != ProposalStatus.TO_ASSIGN,
        "attach_form": attach_form or (AttachmentForm() if staff else None),
        "once": uuid.uuid4().hex,
    }
    return render(request, "cases/detail.html", ctx, status=status)


@login_required
def proposal_detail(request, pk):
    p = access_proposal(request.user, pk)
    if portal_only(request.user):
        # The staff page shows internal notes (who entered what on the proposer's behalf, …).
        return redirect("portal:proposal", pk=p.pk)
    return _render_detail(request, p)


@login_required
@require_POST
def proposal_review_view(request, pk):
    user = request.user
    p = access_proposal(user, pk)
    if not is_body_staff_of(user, p.session.body):
        raise Http404
    form = ReviewForm(request.POST, choices=review_choices(user, p))
    if form.is_valid():
        d = form.cleaned_data
        target = None
        if d["decision"] == ReviewState.MERGED:
            try:
                target = proposal_by_number(user, p.session, d["merge_number"])
            except NotFound as e:  # a number typed on the form, not an object in the URL: a field error
                form.add_error("merge_number", e.message)
        if not form.errors and attempt(
            request,
            lambda: proposal_review(
                actor=user,
                proposal=p,
                decision=d["decision"],
                reason=d["reason"],
                merge_into=target,
                version=d["version"],
            ),
            ok=f"审查结果已保存：{ReviewState(d['decision']).label}。",
            form=form,
        ):
            return redirect(p)
    return _render_detail(request, p, status=400, review_form=form)


@login_required
@require_POST
def proposal_key_view(request, pk):
    user = request.user
    p = access_proposal(user, pk)
    if not is_body_staff_of(user, p.session.body):
        raise Http404
    form = KeyForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        if attempt(
            request,
            lambda: proposal_set_key(
                actor=user,
                proposal=p,
                is_key=d["is_key"],
                leader=d["leader"],
                plan=d["plan"],
                is_hard=d["is_hard"],
                is_showcase=d["is_showcase"],
            ),
            ok="重点及标记已保存。",
            form=form,
        ):
            return redirect(p)
    return _render_detail(request, p, status=400, key_form=form)


@login_required
@require_POST
def proposal_assign_view(request, pk):
    user = request.user
    p = access_proposal(user, pk)
    parent = None
    parent_id = request.POST.get("parent") or ""
    if parent_id:
        parent = access_assignment(user, parent_id)
        if parent.proposal_id != p.pk:
            raise Http404
    units = assignable_units(user, p, parent)
    if not units.exists():
        raise Http404
    form = AssignForm(request.POST, units=units.order_by("path"), src=_units_src(p, parent))
    if form.is_valid() and attempt(
        request,
        lambda: assignment_create(
            actor=user,
            proposal=p,
            units=form.units_with_roles(),
            assigned_on=form.cleaned_data["assigned_on"],
            parent=parent,
        ),
        ok=lambda made: "已交办：" + "、".join(f"{a.unit.name}（{a.get_role_display()}）" for a in made) + "。",
        form=form,
    ):
        return redirect(p)
    if parent is not None:
        return _render_detail(request, p, status=400, sub_forms={parent.pk: form})
    return _render_detail(request, p, status=400, assign_form=form)


@login_required
@require_POST
def assignment_withdraw_view(request, pk):
    user = request.user
    a = access_assignment(user, pk)
    # Only the office that assigned it may withdraw; a signed assignment gets the service's message.
    if not assignable_units(user, a.proposal, a.parent).filter(pk=a.unit_id).exists():
        raise Http404
    p = access_proposal(user, a.proposal_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        done = attempt(
            request,
            lambda: assignment_withdraw(actor=user, assignment=a, reason=form.cleaned_data["reason"]),
            ok=f"已撤回对“{a.unit.name}”的交办。",
            form=form,
        )
        if done:
            return redirect(p)
        error = done.error
    else:
        error = form.errors["reason"][0]
    return _render_detail(request, p, status=400, withdraw_errors={a.pk: error})


# --- attachments -------------------------------------------------------------------------------


@login_required
@require_POST
def attachment_upload_view(request, pk):
    user = request.user
    p = access_proposal(user, pk)
    if not is_body_staff_of(user, p.session.body):
        raise Http404
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid() and attempt(
        request,
        lambda: attachments_add(actor=user, proposal=p, files=form.cleaned_data["files"], once=once(request)),
        ok=lambda added: f"已上传 {len(added)} 个附件。",
        form=form,
    ):
        return redirect(p)
    return _render_detail(request, p, status=400, attach_form=form)


@login_required
def attachment_view(request, pk):
    return attachment_response(attachment_download(actor=request.user, attachment_id=pk))


def _units_src(p, parent=None) -> str:
    """The unit picker's search URL for assigning `p` (under `parent`)."""
    url = reverse("cases:unit_search") + f"?proposal={p.pk}"
    return url + (f"&parent={parent.pk}" if parent is not None else "")


@login_required
@require_GET
def unit_search_view(request):
    """The unit picker's answer (JSON): units matching `q` by full name, short name, alias or pinyin
    initials. With `proposal` (and `parent`), only those the user may assign it to; without, any
    active unit (a suggestion in 申请调整, the new unit when deciding one — the services check)."""
    user = request.user
    if request.GET.get("proposal"):
        p = access_proposal(user, request.GET["proposal"])
        parent = None
        if request.GET.get("parent"):
            parent = access_assignment(user, request.GET["parent"])
            if parent.proposal_id != p.pk:
                raise Http404
        units = assignable_units(user, p, parent)
    else:
        units = Org.objects.filter(kind=OrgKind.UNIT, is_active=True)
    found = unit_search(units, request.GET.get("q", ""))
    rows = [{"id": o.pk, "name": o.name, "hint": o.short_name if o.short_name != o.name else ""} for o in found]
    return JsonResponse({"units": rows})
