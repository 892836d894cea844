"""The handling workflow from 签收 to 办结 (SPEC §4).

Every action: permission check, transition guard, write, audit event (with proposal_id and
assignment_id, so the case page's timeline shows it) and notifications — in one transaction.
A refused action raises DomainError and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from banli.audit.services import audit_record
from banli.calendar import workdays
from banli.cases.lifecycle import ASSIGNMENT, REPLY
from banli.cases.models import (
    FACE_TO_FACE_METHODS,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Attachment,
    Contact,
    ContactMethod,
    ContactStage,
    DeptTask,
    Disclosure,
    Evaluation,
    Proposal,
    Proposer,
    Reply,
    ReplyState,
    ResultClass,
    Verdict,
)
from banli.cases.selectors import can_reach, is_assigning_office, office_people
from banli.cases.services import assignable_units, assignment_new
from banli.crashpoints import crash_point
from banli.errors import Conflict, DomainError, NotFound
from banli.formatting import cn_date
from banli.notify.services import notify
from banli.orgs.models import Org, OrgKind, Role, User
from banli.security.uploads import validate_upload
from banli.web.once import claim_once

from . import selectors as sel
from .lifecycle import ADJUSTMENT, COMMITMENT, FOLLOW_UP
from .models import (
    AdjustmentRequest,
    AdjustmentState,
    Commitment,
    CommitmentProgress,
    CommitmentState,
    CoOpinion,
    FollowUp,
    FollowUpState,
    HandlingPlan,
    HandlingPolicy,
    Handover,
    LetterCounter,
    LetterNumber,
    PointDecision,
    PointDecisionKind,
    ProgressKind,
    SuggestionPoint,
)

S = AssignmentState

# --- the assignment lifecycle (banli.cases.lifecycle.ASSIGNMENT) -------------------------------


def guard(a: Assignment, to: str, action: str) -> None:
    """Refuse a transition the lifecycle does not allow, naming the current state."""
    ASSIGNMENT.check(a.state, to, action=action)


def _move(a: Assignment, to: str, action: str) -> str:
    old, _ = ASSIGNMENT.move(a, to, action=action)
    if to == S.CLOSED:
        a.closed_on = today()
    return old


def _save(a: Assignment) -> None:
    a.version = F("version") + 1
    a.save()
    a.refresh_from_db()


def today() -> dt.date:
    return timezone.localdate()


# --- helpers -----------------------------------------------------------------------------------


def _locked(assignment: Assignment, actor) -> Assignment:
    """Re-read the assignment under lock, within the actor's scope (NotFound otherwise).

    Proposers of proposals merged into this one reach it too (SPEC §3: they evaluate the reply)."""
    a = Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    if a is None or not can_reach(actor, a):
        raise NotFound()
    return a


def _audit(actor, verb: str, a: Assignment, summary: str, obj=None, old=None, new=None) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        obj=obj or a,
        proposal_id=a.proposal_id,
        assignment_id=a.pk,
        summary=summary,
        old=old,
        new=new,
    )


def _case_url(a: Assignment) -> str:
    return reverse("cases:detail", args=[a.proposal_id]) + f"#a{a.pk}"


def _notify(users: Iterable, verb: str, text: str, a: Assignment) -> None:
    users = [u for u in users if u is not None]
    if not users:
        return
    notify(users=users, verb=verb, text=text, url=_case_url(a), proposal=a.proposal, assignment=a)


def _unit_people(a: Assignment, *roles: str) -> list:
    # Users of this unit and its departments, not of its sub-units (a district's bureaus).
    out = []
    for u in (
        User.objects.filter(is_active=True, org__path__startswith=a.unit.path, role_grants__role__in=roles)
        .select_related("org")
        .distinct()
    ):
        if sel.user_unit(u) and sel.user_unit(u).pk == a.unit_id:
            out.append(u)
    return out


def _proposer_users(a: Assignment) -> list:
    return [
        p.user for p in sel.eligible_proposers(a.proposal).select_related("user") if p.user_id and p.user.is_active
    ]


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise DomainError(message)


# --- signing and adjustment --------------------------------------------------------------------


def assignment_sign(*, actor, assignment: Assignment, once: str | None = None) -> Assignment:
    """签收: the unit's liaison accepts the assignment; it moves to 办理中."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(sel.is_liaison(actor, a), "只有本单位联络员可以签收。")
        guard(a, S.HANDLING, "签收")
        old = _move(a, S.HANDLING, "签收")
        a.signed_on = today()
        _save(a)
        late = a.sign_due and a.signed_on > a.sign_due
        _audit(
            actor,
            "assignment.sign",
            a,
            f"签收{'（逾期）' if late else ''}",
            old={"state": old},
            new={"state": a.state, "signed_on": a.signed_on},
        )
    return a


def adjustment_request(
    *,
    actor,
    assignment: Assignment,
    reason: str,
    suggested_unit: Org | None = None,
    once: str | None = None,
) -> AdjustmentRequest:
    """申请调整: the liaison asks the assigning office to re-assign, with a reason, within the window."""
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(sel.is_liaison(actor, a), "只有本单位联络员可以申请调整。")
        guard(a, S.ADJUSTMENT_REQUESTED, "申请调整")
        if not reason:
            raise DomainError("请填写申请调整的理由（如职责不符、建议改交的单位）。", field="reason")
        due = a.adjust_due or workdays.adjust_due(a.assigned_on, body=a.proposal.session.body)
        if today() > due:
            raise DomainError(f"申请调整期限为{due:%Y年%m月%d日}，已过期；请先签收办理，或与交办机关联系。")
        if suggested_unit is not None and suggested_unit.pk == a.unit_id:
            raise DomainError("建议改交的单位不能是本单位。", field="suggested_unit")
        old = _move(a, S.ADJUSTMENT_REQUESTED, "申请调整")
        _save(a)
        req = AdjustmentRequest.objects.create(
            assignment=a, reason=reason, suggested_unit=suggested_unit, requested_by=actor
        )
        hint = f"，建议改交{suggested_unit.name}" if suggested_unit else ""
        _audit(
            actor,
            "adjustment.request",
            a,
            f"申请调整{hint}",
            obj=req,
            old={"state": old},
            new={"state": a.state},
        )
        _notify(
            office_people(a.assigned_by or a.proposal.session.body),
            "adjustment.request",
            f"{a.unit.name}申请调整{a.proposal.number}号{a.proposal.kind_word}：{reason}{hint}，请审批",
            a,
        )
    return req


def adjustment_decide(
    *,
    actor,
    request: AdjustmentRequest,
    approve: bool,
    unit: Org | None = None,
    note: str = "",
    once: str | None = None,
) -> AdjustmentRequest:
    """The assigning office approves (re-assigns to `unit`, same role) or rejects (back to 待签收)."""

    note = (note or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(request.assignment, actor)
        _require(is_assigning_office(actor, a), "只有交办机关可以审批调整申请。")
        req = AdjustmentRequest.objects.select_for_update().get(pk=request.pk)
        ADJUSTMENT.check(req.state, AdjustmentState.APPROVED if approve else AdjustmentState.REJECTED, action="再审批")
        req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), note
        if approve:
            guard(a, S.WITHDRAWN, "改交")
            if unit is None:
                raise DomainError("同意调整须选择改交的承办单位。", field="unit")
            if not assignable_units(actor, a.proposal, a.parent).filter(pk=unit.pk).exists():
                raise DomainError(f"不能改交给“{unit.name}”（不在您可交办的单位范围内）。", field="unit")
            if unit.pk == a.unit_id:
                raise DomainError("改交单位不能是原单位。", field="unit")
            if Assignment.objects.filter(proposal=a.proposal, unit=unit).exclude(state=S.WITHDRAWN).exists():
                raise DomainError(f"“{unit.name}”已在该件的交办单位中。", field="unit")
            old = _move(a, S.WITHDRAWN, "改交")
            _save(a)
            on = today()
            new = assignment_new(
                actor=actor,
                proposal=a.proposal,
                unit=unit,
                role=a.role,
                assigned_by=a.assigned_by,
                on=on,
                parent=a.parent,
                summary=f"交办{unit.name}（{AssignmentRole(a.role).label}，由{a.unit.name}调整）",
            )
            adj = ADJUSTMENT.move(req, AdjustmentState.APPROVED, action="同意")
            req.new_assignment = new
            req.save()
            _audit(
                actor,
                "adjustment.approve",
                a,
                f"同意调整，改交{unit.name}",
                obj=req,
                old={"state": old, "request_state": adj[0]},
                new={"state": a.state, "request_state": adj[1], "new_unit": unit.name},
            )
            _notify(
                _unit_people(new, Role.UNIT_LIAISON),
                "assignment.create",
                f"新交办：{a.proposal.number}《{a.proposal.title}》",
                new,
            )
        else:
            guard(a, S.PENDING_SIGN, "退回待签收")
            if not note:
                raise DomainError("不同意调整须填写理由，以便承办单位办理。", field="note")
            old = _move(a, S.PENDING_SIGN, "退回待签收")
            _save(a)
            adj = ADJUSTMENT.move(req, AdjustmentState.REJECTED, action="不同意")
            req.save()
            _audit(
                actor,
                "adjustment.reject",
                a,
                "不同意调整",
                obj=req,
                old={"state": old, "request_state": adj[0]},
                new={"state": a.state, "request_state": adj[1]},
            )
        _notify(
            [req.requested_by],
            "adjustment.decide",
            f"调整申请{'已同意' if approve else '未同意'}：{a.proposal.number}",
            a,
        )
    return req


# --- plan and distribution ---------------------------------------------------------------------

PLAN_STATES = (S.HANDLING, S.OPINION_SENT, S.IN_REVIEW, S.REPLIED, S.REHANDLING, S.FOLLOW_UP)


def _unit_depts(a: Assignment):
    return Org.objects.filter(kind=OrgKind.DEPT, path__startswith=a.unit.path, depth=a.unit.depth + 1)


def plan_save(
    *,
    actor,
    assignment: Assignment,
    version: int | None,
    lead_dept: Org | None,
    assist_depts: Sequence[Org] = (),
    responsible_leader: User | None = None,
    responsible_person: User | None = None,
    internal_due: dt.date | None = None,
    text: str = "",
    once: str | None = None,
) -> HandlingPlan:
    """Save the 办理方案/责任清单 (liaison), with a version check against concurrent edits."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(sel.is_liaison(actor, a), "只有本单位联络员可以制定办理方案。")
        if a.state not in PLAN_STATES:
            raise DomainError(f"该件当前为“{a.get_state_display()}”，签收后才能制定办理方案。")
        depts = set(_unit_depts(a).values_list("pk", flat=True))
        if lead_dept is None:
            raise DomainError("请选择牵头处室。", field="lead_dept")
        if lead_dept.pk not in depts or any(d.pk not in depts for d in assist_depts):
            raise DomainError("牵头处室和协办处室须为本单位的处室。", field="lead_dept")
        people = {u.pk for u in _unit_people(a, Role.UNIT_LEADER, Role.UNIT_LIAISON, Role.HANDLER)}
        if responsible_leader is not None and (
            responsible_leader.pk not in people or not responsible_leader.has_role(Role.UNIT_LEADER)
        ):
            raise DomainError("责任领导须为本单位领导。", field="responsible_leader")
        if responsible_person is not None and responsible_person.pk not in people:
            raise DomainError("责任人须为本单位人员。", field="responsible_person")
        if internal_due and internal_due < today() and _plan_due(a) != internal_due:
            raise DomainError(f"内部期限不能早于今天（{cn_date(today())}）。", field="internal_due")
        if internal_due and a.reply_due and internal_due > (a.rehandling_due or a.reply_due):
            raise DomainError(
                f"内部期限不能晚于答复期限（{(a.rehandling_due or a.reply_due):%Y年%m月%d日}）。", field="internal_due"
            )
        plan = HandlingPlan.objects.select_for_update().filter(assignment=a).first()
        if plan is None:
            if version not in (None, 0, "", "0"):
                raise Conflict("办理方案已被他人删除或重建，请刷新页面。")
            plan = HandlingPlan(assignment=a)
            old = None
        else:
            if version is not None and str(version) != str(plan.version):
                raise Conflict(
                    "办理方案已被他人修改，请刷新页面查看最新内容；您填写的内容已保留在下方，请核对后再保存。"
                )
            old = _plan_snapshot(plan)
            plan.version = plan.version + 1
        plan.lead_dept, plan.responsible_leader, plan.responsible_person = (
            lead_dept,
            responsible_leader,
            responsible_person,
        )
        plan.internal_due, plan.text, plan.updated_by = internal_due, (text or "").strip(), actor
        plan.save()
        plan.assist_depts.set([d for d in assist_depts if d.pk != lead_dept.pk])
        _audit(
            actor,
            "plan.save",
            a,
            "制定办理方案" if old is None else "修改办理方案",
            obj=plan,
            old=old,
            new=_plan_snapshot(plan),
        )
    return plan


def _plan_due(a: Assignment) -> dt.date | None:
    # A saved plan keeps its internal due date even once that day has passed.
    return HandlingPlan.objects.filter(assignment=a).values_list("internal_due", flat=True).first()


def _plan_snapshot(plan: HandlingPlan) -> dict:
    return {
        "lead_dept": plan.lead_dept.name if plan.lead_dept_id else None,
        "assist_depts": sorted(d.name for d in plan.assist_depts.all()) if plan.pk else [],
        "responsible_leader": str(plan.responsible_leader) if plan.responsible_leader_id else None,
        "responsible_person": str(plan.responsible_person) if plan.responsible_person_id else None,
        "internal_due": plan.internal_due,
        "text": plan.text,
    }


def plan_distribute(*, actor, assignment: Assignment, once: str | None = None) -> list[DeptTask]:
    """分办: create a task for the lead and each assisting department; their handlers then see the case."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(sel.is_liaison(actor, a), "只有本单位联络员可以分办。")
        if a.state not in PLAN_STATES:
            raise DomainError(f"该件当前为“{a.get_state_display()}”，不能分办。")
        plan = HandlingPlan.objects.filter(assignment=a).select_related("lead_dept", "responsible_person").first()
        if plan is None or plan.lead_dept_id is None:
            raise DomainError("请先制定办理方案并确定牵头处室，再分办。")
        made = []
        depts = [(plan.lead_dept, True)] + [(d, False) for d in plan.assist_depts.all()]
        handlers = {}
        for u in _unit_people(a, Role.HANDLER):
            handlers.setdefault(u.org_id, []).append(u)
        for dept, is_lead in depts:
            rp = plan.responsible_person
            handler = (
                rp
                if rp is not None and rp.org_id == dept.pk
                else (handlers.get(dept.pk, [None])[0] if len(handlers.get(dept.pk, [])) == 1 else None)
            )
            task, created = DeptTask.objects.get_or_create(
                assignment=a, dept=dept, defaults={"is_lead": is_lead, "handler": handler, "due": plan.internal_due}
            )
            if not created:
                task.is_lead, task.due = is_lead, plan.internal_due
                if task.handler_id is None:
                    task.handler = handler
                task.save()
            made.append(task)
        DeptTask.objects.filter(assignment=a).exclude(dept=plan.lead_dept).update(is_lead=False)
        plan.distributed_at = timezone.now()
        plan.save(update_fields=["distributed_at", "updated_at"])
        names = "、".join(f"{t.dept.name}{'（牵头）' if t.is_lead else ''}" for t in made)
        _audit(actor, "plan.distribute", a, f"分办至{names}", new={"depts": [t.dept.name for t in made]})
        notify_users = [u for t in made for u in ([t.handler] if t.handler else handlers.get(t.dept_id, []))]
        _notify(notify_users, "plan.distribute", f"分办任务：{a.proposal.number}《{a.proposal.title}》", a)
    return made


# --- contacts ----------------------------------------------------------------------------------

CONTACT_STATES = PLAN_STATES + (S.CLOSED,)


def _validated(files) -> list[tuple]:
    """Check every upload by content before anything is written (banli.security.uploads)."""

    out = []
    for f in files or ():
        name, content_type = validate_upload(f)
        f.seek(0)
        out.append((f, name, content_type))
    return out


def _attach(checked, *, a: Assignment, actor, reply=None, contact=None) -> list[Attachment]:
    out = []
    for f, name, content_type in checked:
        out.append(
            Attachment.objects.create(
                proposal_id=a.proposal_id,
                assignment=a,
                reply=reply,
                contact=contact,
                file=f,
                name=name[:200],
                size=f.size or 0,
                content_type=content_type[:100],
                uploaded_by=actor,
            )
        )
    return out


def contact_add(
    *,
    actor,
    assignment: Assignment,
    on: dt.date,
    stage: str,
    method: str,
    face_to_face: bool | None = None,
    participants: str = "",
    summary: str = "",
    leader: str = "",
    files: Sequence = (),
    once: str | None = None,
) -> Contact:
    """Record a communication (沟通) with the proposer at any stage (liaison, or a handler of the case)."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        return contact_add_nested(
            actor=actor,
            assignment=assignment,
            on=on,
            stage=stage,
            method=method,
            face_to_face=face_to_face,
            participants=participants,
            summary=summary,
            leader=leader,
            files=files,
        )


def contact_add_nested(
    *,
    actor,
    assignment: Assignment,
    on: dt.date,
    stage: str,
    method: str,
    face_to_face: bool | None = None,
    participants: str = "",
    summary: str = "",
    leader: str = "",
    files: Sequence = (),
) -> Contact:
    """`contact_add` inside the caller's transaction (no durable block, no form token): for a service
    that records a contact as part of its own action (the portal's answer to a message)."""
    checked = _validated(files)
    with transaction.atomic():
        a = _locked(assignment, actor)
        _require(
            sel.is_liaison(actor, a) or sel.is_handler(actor, a), "只有本单位联络员或分办到的承办人可以记录沟通情况。"
        )
        if a.state not in CONTACT_STATES:
            raise DomainError(f"该件当前为“{a.get_state_display()}”，签收后才能记录沟通情况。")
        if stage not in ContactStage.values:
            raise DomainError("请选择沟通阶段（办前、办中或办后）。", field="stage")
        if method not in ContactMethod.values:
            raise DomainError("请选择沟通方式。", field="method")
        if on is None or on > today():
            raise DomainError("沟通日期不能晚于今天。", field="on")
        _check_contact_date(a, on, stage)
        if not (summary or "").strip():
            raise DomainError("请填写沟通情况摘要。", field="summary")
        if method == ContactMethod.FACE_TALK and not leader.strip() and sel.lead_unsatisfied_count(a) >= 2:
            raise DomainError("二次不满意后的面商须由单位领导带队，请填写带队领导。", field="leader")
        if method in FACE_TO_FACE_METHODS:
            f2f = True
        elif method == ContactMethod.OTHER:
            f2f = bool(face_to_face)
        else:
            f2f = False
        c = Contact.objects.create(
            assignment=a,
            on=on,
            stage=stage,
            method=method,
            face_to_face=f2f,
            participants=participants.strip()[:300],
            summary=summary.strip(),
            leader=leader.strip()[:50],
            created_by=actor,
        )
        _attach(checked, a=a, actor=actor, contact=c)
        _audit(
            actor,
            "contact.add",
            a,
            f"{c.get_stage_display()}沟通（{c.get_method_display()}{'，见面' if f2f else ''}）",
            obj=c,
            new={"on": on, "stage": stage, "method": method, "face_to_face": f2f, "participants": c.participants},
        )
    return c


def _check_contact_date(a: Assignment, on: dt.date, stage: str) -> None:
    """A contact's date against the case's own dates: nothing before the assignment (it would count
    as 办前 and feed 沟通率); 办后 only once a reply was sent, and not dated before it."""
    if on < a.assigned_on:
        raise DomainError(f"沟通日期不能早于交办日期（{cn_date(a.assigned_on)}）。", field="on")
    if stage == ContactStage.AFTER:
        if a.first_reply_on is None:
            raise DomainError("尚未答复，不能记录办后沟通；答复前的沟通请选择“办前”或“办中”。", field="stage")
        if on < a.first_reply_on:
            raise DomainError(f"办后沟通日期不能早于答复日期（{cn_date(a.first_reply_on)}）。", field="on")


# --- co-handling opinions ----------------------------------------------------------------------


def co_opinion_submit(*, actor, assignment: Assignment, text: str, once: str | None = None) -> CoOpinion:
    """A co unit sends its 会办意见 to the lead unit; the co assignment is done once the lead has replied
    (a co unit still open when the lead's reply is sent ends then, its opinion recorded as 未提交)."""
    text = (text or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(a.role == AssignmentRole.CO, "只有会办单位提交会办意见。")
        _require(
            sel.is_liaison(actor, a) or sel.is_handler(actor, a), "只有本单位联络员或分办到的承办人可以提交会办意见。"
        )
        guard(a, S.OPINION_SENT, "提交会办意见")
        if not text:
            raise DomainError("请填写会办意见。", field="text")
        lead = sel.lead_sibling(a)
        o = CoOpinion.objects.create(
            assignment=a, lead_assignment=lead, text=text, submitted_by=actor, submitted_on=today()
        )
        old = _move(a, S.OPINION_SENT, "提交会办意见")
        _save(a)
        late = a.opinion_due and o.submitted_on > a.opinion_due
        _audit(
            actor,
            "co_opinion.submit",
            a,
            f"向主办单位{lead.unit.name if lead else ''}提交会办意见{'（逾期）' if late else ''}",
            obj=o,
            old={"state": old},
            new={"state": a.state},
        )
        if lead is not None:
            _audit(actor, "co_opinion.receive", lead, f"收到会办单位{a.unit.name}的会办意见", obj=o)
            _notify(
                _unit_people(lead, Role.UNIT_LIAISON),
                "co_opinion.submit",
                f"{a.unit.name}提交了会办意见：{a.proposal.number}",
                lead,
            )
            if lead.first_reply_on:
                _close(actor, a, "主办单位已答复，会办办结")
    return o


def _close(actor, a: Assignment, why: str) -> None:
    guard(a, S.CLOSED, "办结")
    old = _move(a, S.CLOSED, "办结")
    _save(a)
    _audit(
        actor,
        "assignment.close",
        a,
        f"办结（{why}）",
        old={"state": old},
        new={"state": a.state, "closed_on": a.closed_on},
    )


# --- suggestion points -------------------------------------------------------------------------


def points_save(
    *, actor, assignment: Assignment, texts: Sequence[str], once: str | None = None
) -> list[SuggestionPoint]:
    """Split the proposal into its points (建议条目); refused once a reply has decided on them."""
    texts = [t.strip() for t in texts if t and t.strip()]
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(
            sel.is_liaison(actor, a)
            or sel.is_handler(actor, a)
            or (sel.body_of(actor) and sel.body_of(actor).pk == a.proposal.session.body_id),
            "只有本单位联络员、承办人或人大/政协工作人员可以拆分建议条目。",
        )
        p = Proposal.objects.select_for_update().get(pk=a.proposal_id)
        existing = list(SuggestionPoint.objects.filter(proposal=p))
        if PointDecision.objects.filter(point__proposal=p).exists():
            raise DomainError("已有答复对建议条目作出采纳意见，不能再修改条目。")
        old = [x.text for x in existing]
        SuggestionPoint.objects.filter(proposal=p).delete()
        made = [SuggestionPoint.objects.create(proposal=p, seq=i, text=t) for i, t in enumerate(texts, 1)]
        _audit(actor, "points.save", a, f"拆分建议条目 {len(made)} 条", old={"points": old}, new={"points": texts})
    return made


# --- replies -----------------------------------------------------------------------------------

REPLY_FIELDS = ("result_class", "text", "signer", "contact_name", "contact_phone", "disclosure", "disclosure_reason")


def _reply_snapshot(r: Reply) -> dict:
    d = {f: getattr(r, f) for f in REPLY_FIELDS}
    d["commitments"] = [(c.text, c.due) for c in r.commitments.all()] if r.pk else []
    return d


def reply_save_draft(
    *,
    actor,
    assignment: Assignment,
    version: int | None,
    result_class: str = "",
    text: str = "",
    signer: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    disclosure: str = "",
    disclosure_reason: str = "",
    commitments: Sequence[tuple[str, dt.date | None]] | None = None,
    decisions: dict | None = None,
    files: Sequence = (),
    once: str | None = None,
) -> Reply:
    """Create or update the reply draft. `version` is the draft version the editor loaded (0 = new):
    if someone saved in between, Conflict is raised and nothing is written."""
    checked = _validated(files)
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(a.answers_proposer, "会办单位不直接答复代表委员，请提交会办意见。")
        _require(
            sel.is_liaison(actor, a) or sel.is_handler(actor, a), "只有本单位联络员或分办到的承办人可以起草答复。"
        )
        if a.state == S.IN_REVIEW:
            raise DomainError("答复稿已提交审核，不能修改；如需修改请由领导退回。")
        if a.state not in (S.HANDLING, S.REHANDLING):
            raise DomainError(f"该件当前为“{a.get_state_display()}”，不能修改答复稿。")
        r = (
            Reply.objects.select_for_update()
            .filter(assignment=a, state__in=[ReplyState.DRAFT, ReplyState.IN_REVIEW, ReplyState.APPROVED])
            .order_by("-id")
            .first()
        )
        loaded = int(version or 0)
        if r is not None and r.state != ReplyState.DRAFT:
            raise DomainError("答复稿已提交审核，不能修改；如需修改请由领导退回。")
        if (r is None and loaded != 0) or (r is not None and loaded != r.version):
            who = f"（{r.created_by}等）" if r is not None and r.created_by else ""
            raise Conflict(
                f"答复稿已被他人{who}修改并保存，您看到的是旧版本。您的内容未保存，已保留在下方；请对照最新稿合并后再保存。"
            )
        if result_class and result_class not in ResultClass.values:
            raise DomainError("答复类别应为 A、B、C 或 D。", field="result_class")
        if disclosure and disclosure not in (Disclosure.PUBLIC, Disclosure.PRIVATE):
            raise DomainError("公开属性应为公开或不公开。", field="disclosure")
        old = _reply_snapshot(r) if r is not None else None
        if r is None:
            seq = Reply.objects.filter(assignment=a, state=ReplyState.SENT, correction_of__isnull=True).count() + 1
            r = Reply(assignment=a, seq=seq, created_by=actor)
        else:
            r.version = r.version + 1
        r.result_class, r.text, r.signer = result_class, (text or "").strip(), (signer or "").strip()
        r.contact_name, r.contact_phone = (contact_name or "").strip(), (contact_phone or "").strip()
        r.disclosure, r.disclosure_reason = disclosure, (disclosure_reason or "").strip()
        r.save()
        if commitments is not None:
            kept = set(r.commitments.values_list("due", flat=True))
            r.commitments.all().delete()
            for i, (ctext, due) in enumerate([c for c in commitments if (c[0] or "").strip()], 1):
                if due is None:
                    raise DomainError(f"第{i}项承诺事项须填写完成时间。", field="commitments")
                if due < today() and due not in kept:
                    # A commitment is future work; a date already saved on the draft may stay.
                    raise DomainError(
                        f"第{i}项承诺事项的完成时间不能早于今天（{cn_date(today())}）。", field="commitments"
                    )
                Commitment.objects.create(reply=r, seq=i, text=ctext.strip(), due=due)
        if decisions is not None:
            points = {p.pk: p for p in SuggestionPoint.objects.filter(proposal_id=a.proposal_id)}
            r.point_decisions.all().delete()
            for pid, (decision, measure) in decisions.items():
                if not decision:
                    continue
                if int(pid) not in points or decision not in PointDecisionKind.values:
                    raise DomainError("建议条目的采纳情况无效。", field="decisions")
                PointDecision.objects.create(
                    reply=r, point=points[int(pid)], decision=decision, measure=(measure or "").strip()
                )
        _attach(checked, a=a, actor=actor, reply=r)
        _audit(
            actor,
            "reply.save_draft",
            a,
            f"{'保存' if old else '起草'}第{r.seq}次答复稿（第{r.version}稿）",
            obj=r,
            old=old,
            new=_reply_snapshot(r),
        )
    return r


def _check_reply_complete(a: Assignment, r: Reply) -> None:
    problems = []
    if not r.text:
        problems.append("答复内容")
    if not r.result_class:
        problems.append("答复类别")
    if not r.contact_name or not r.contact_phone:
        problems.append("联系人及电话")
    if not r.disclosure:
        problems.append("公开属性")
    if problems:
        raise DomainError(f"答复稿还缺少：{'、'.join(problems)}。请补充后再提交。")
    if r.disclosure == Disclosure.PRIVATE and not r.disclosure_reason:
        raise DomainError(
            "不公开须说明理由（国家秘密、工作秘密、敏感信息、个人隐私或其他）。", field="disclosure_reason"
        )
    if r.result_class == ResultClass.B and not r.commitments.exists():
        raise DomainError("B类答复须列明承诺事项及完成时间。", field="commitments")
    # The lead (or sole) unit answers every point; a separate unit marks the points it handled.
    points = (
        SuggestionPoint.objects.filter(proposal_id=a.proposal_id).count()
        if a.role in (AssignmentRole.LEAD, AssignmentRole.SOLE)
        else 0
    )
    if points and r.point_decisions.count() < points:
        raise DomainError(f"该件已拆分为 {points} 条建议，请对每一条标明采纳、部分采纳或未采纳。", field="decisions")
    policy = sel.policy_for(a.proposal.session.body)
    if policy.contact_before_reply and not sel.has_before_contact(a):
        raise DomainError("本届会议实行“先沟通再办件”：提交答复前须至少记录一次办前沟通。")
    if a.state == S.REHANDLING and sel.needs_face_talk(a):
        raise DomainError(
            "代表/委员第二次评价不满意：须先由单位领导带队面商，并记录面商情况（沟通方式选“面商”，填写带队领导），再提交答复。"
        )


def reply_submit(*, actor, reply: Reply, once: str | None = None) -> Reply:
    """The liaison submits the compiled draft for the unit leader's sign-off (送审)."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(reply.assignment, actor)
        _require(sel.is_liaison(actor, a), "只有本单位联络员可以提交领导签发。")
        r = Reply.objects.select_for_update().get(pk=reply.pk, assignment=a)
        REPLY.check(r.state, ReplyState.IN_REVIEW, action="再次提交")
        guard(a, S.IN_REVIEW, "提交答复审核")
        _check_reply_complete(a, r)
        old = _move(a, S.IN_REVIEW, "提交答复审核")
        _save(a)
        reply_old, reply_new = REPLY.move(r, ReplyState.IN_REVIEW, action="提交")
        r.submitted_at, r.return_comment = timezone.now(), ""
        r.save()
        _audit(
            actor,
            "reply.submit",
            a,
            f"第{r.seq}次答复稿提交领导签发",
            obj=r,
            old={"state": old, "reply_state": reply_old},
            new={"state": a.state, "reply_state": reply_new},
        )
        _notify(
            _unit_people(a, Role.UNIT_LEADER),
            "reply.submit",
            f"待签发答复：{a.proposal.number}《{a.proposal.title}》",
            a,
        )
    return r


def reply_approve(*, actor, reply: Reply, once: str | None = None) -> Reply:
    """签发: a unit leader approves the reply for dispatch."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(reply.assignment, actor)
        _require(sel.is_leader(actor, a), "只有本单位领导可以签发答复。")
        r = Reply.objects.select_for_update().get(pk=reply.pk, assignment=a)
        reply_old, _ = REPLY.move(r, ReplyState.APPROVED, action="签发")
        r.approved_by, r.approved_at = actor, timezone.now()
        if not r.signer:
            r.signer = actor.display_name
        r.save()
        number = _letter_number_issue(actor, r, a)
        _audit(
            actor,
            "reply.approve",
            a,
            f"签发第{r.seq}次答复（签发人：{r.signer}，发文字号：{number}）",
            obj=r,
            old={"reply_state": reply_old},
            new={"reply_state": r.state, "signer": r.signer, "letter_number": str(number)},
        )
        _notify(
            _unit_people(a, Role.UNIT_LIAISON), "reply.approve", f"答复已签发，可以正式答复：{a.proposal.number}", a
        )
    return r


def _letter_number_issue(actor, r: Reply, a: Assignment) -> LetterNumber:
    """Give `r` the next 发文字号 of its unit's sequence for this year. Runs inside the caller's
    transaction: the counter row is locked until it commits, so two leaders signing at once get
    consecutive numbers, and a refused or failed sign-off rolls its number back (no gap)."""
    unit, prefix, year = a.unit, sel.letter_prefix(a.unit), today().year
    if not LetterCounter.objects.filter(unit=unit, prefix=prefix, year=year).exists():
        try:
            with transaction.atomic():  # a savepoint: a concurrent first sign-off may create it too
                LetterCounter.objects.create(
                    unit=unit, prefix=prefix, year=year, last=sel.max_letter_seq(unit, prefix, year)
                )
        except IntegrityError:
            pass
    counter = LetterCounter.objects.select_for_update().get(unit=unit, prefix=prefix, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return LetterNumber.objects.create(reply=r, unit=unit, prefix=prefix, year=year, seq=counter.last, issued_by=actor)


def letter_number_reissue(*, actor, reply: Reply, reason: str, once: str | None = None) -> LetterNumber:
    """A wrong 发文字号 is voided with its reason and the reply gets the next number of the
    sequence; both are audited. Only the unit's leader, only for a signed reply."""
    reason = (reason or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(reply.assignment, actor)
        _require(sel.is_leader(actor, a), "只有本单位领导可以作废并重新编发文字号。")
        r = Reply.objects.select_for_update().get(pk=reply.pk, assignment=a)
        if not reason:
            raise DomainError("请填写作废原因，如“编号重复”“代字有误”。", field="reason")
        old = LetterNumber.objects.select_for_update().filter(reply=r, voided_at__isnull=True).first()
        if old is None:
            raise DomainError("该答复尚未签发，没有可作废的发文字号。")
        old.voided_at, old.voided_by, old.void_reason = timezone.now(), actor, reason[:200]
        old.save(update_fields=["voided_at", "voided_by", "void_reason"])
        _audit(
            actor,
            "reply.letter_number_void",
            a,
            f"作废发文字号 {old}：{reason}",
            obj=r,
            old={"letter_number": str(old)},
        )
        new = _letter_number_issue(actor, r, a)
        _audit(
            actor,
            "reply.letter_number_reissue",
            a,
            f"重新编发文字号 {new}（原 {old} 已作废）",
            obj=r,
            old={"letter_number": str(old)},
            new={"letter_number": str(new), "reason": reason},
        )
    return new


def reply_return(*, actor, reply: Reply, comment: str, once: str | None = None) -> Reply:
    """The leader returns the draft with comments; the unit revises it."""
    comment = (comment or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(reply.assignment, actor)
        _require(sel.is_leader(actor, a), "只有本单位领导可以退回答复稿。")
        r = Reply.objects.select_for_update().get(pk=reply.pk, assignment=a)
        REPLY.check(r.state, ReplyState.DRAFT, action="退回")
        if not comment:
            raise DomainError("退回须填写修改意见。", field="comment")
        back = S.REHANDLING if Reply.objects.filter(assignment=a, state=ReplyState.SENT).exists() else S.HANDLING
        guard(a, back, "退回修改")
        old = _move(a, back, "退回修改")
        _save(a)
        reply_old, reply_new = REPLY.move(r, ReplyState.DRAFT, action="退回")
        r.return_comment, r.approved_by, r.approved_at = comment, None, None
        r.version = r.version + 1
        r.save()
        _audit(
            actor,
            "reply.return",
            a,
            f"退回第{r.seq}次答复稿",
            obj=r,
            old={"state": old, "reply_state": reply_old},
            new={"state": a.state, "reply_state": reply_new},
        )
        _notify(
            [r.created_by] + _unit_people(a, Role.UNIT_LIAISON),
            "reply.return",
            f"答复稿被退回修改：{a.proposal.number}",
            a,
        )
    return r


def reply_send(*, actor, reply: Reply, missing_opinion_reason: str = "", once: str | None = None) -> Reply:
    """Send the signed-off reply to the proposer. From now on it is immutable."""
    missing_opinion_reason = (missing_opinion_reason or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(reply.assignment, actor)
        _require(sel.is_liaison(actor, a) or sel.is_leader(actor, a), "只有本单位联络员或领导可以正式答复。")
        r = Reply.objects.select_for_update().get(pk=reply.pk, assignment=a)
        REPLY.check(r.state, ReplyState.SENT, action="正式答复（须经领导签发）")
        guard(a, S.REPLIED, "正式答复")
        missing = sel.missing_co_opinions(a)
        if missing and not missing_opinion_reason:
            names = "、".join(m.unit.name for m in missing)
            raise DomainError(
                f"尚未收到会办单位（{names}）的会办意见。如确需先行答复，请填写原因。", field="missing_opinion_reason"
            )
        on = today()
        old = {"state": a.state, "result_class": a.result_class, "reply_state": r.state}
        _move(a, S.REPLIED, "正式答复")
        if a.first_reply_on is None:
            a.first_reply_on = on
        a.result_class = r.result_class
        a.eval_due = _eval_due(on, a)
        _save(a)
        REPLY.move(r, ReplyState.SENT, action="正式答复")
        r.sent_on = on
        r.missing_opinion_reason = missing_opinion_reason if missing else ""
        r.save()
        extra = f"；未收到{'、'.join(m.unit.name for m in missing)}会办意见，已说明原因" if missing else ""
        _audit(
            actor,
            "reply.send",
            a,
            f"正式答复（第{r.seq}次，{r.result_class}类）{extra}",
            obj=r,
            old=old,
            new={
                "state": a.state,
                "result_class": a.result_class,
                "reply_state": r.state,
                "sent_on": on,
                "eval_due": a.eval_due,
            },
        )
        if r.result_class == ResultClass.B:
            _followup_open_or_join(actor, a, r, on)
        if a.role == AssignmentRole.LEAD:
            _close_co_units(actor, a)
        if a.parent_id:
            # A sub-assigned unit answers the unit above it, which answers the proposer (SPEC §3).
            _after_evaluation(actor, a, f"已报送{a.parent.unit.name}")
            _notify(
                _unit_people(a.parent, Role.UNIT_LIAISON),
                "reply.send",
                f"{a.unit.name}已报送对{a.proposal.number}的办理答复",
                a.parent,
            )
        else:
            _notify(
                _proposer_users(a),
                "reply.send",
                f"{a.unit.name}已答复您的{a.proposal.kind_word}{a.proposal.number}，请评价",
                a,
            )
        crash_point("reply.send.before_commit")  # sent, audited and notified, not committed
    return r


CO_OPEN = (S.PENDING_SIGN, S.ADJUSTMENT_REQUESTED, S.HANDLING)


def _close_co_units(actor, lead: Assignment) -> None:
    """The lead unit's reply is sent: every co unit beside it ends. One that sent its opinion is
    done; one that did not is closed with its opinion recorded as 未提交 (the lead gave the
    reason for replying without it), so it is never overdue afterwards."""
    for co in sel.co_siblings(lead).filter(state__in=(S.OPINION_SENT, *CO_OPEN)).select_for_update():
        if co.state == S.OPINION_SENT:
            _close(actor, co, "主办单位已答复，会办办结")
        else:
            _close(actor, co, f"主办单位{lead.unit.name}已答复，会办意见未提交")
            _notify(
                _unit_people(co, Role.UNIT_LIAISON),
                "assignment.close",
                f"{lead.unit.name}已答复{co.proposal.number}，贵单位会办意见记为未提交，会办办结",
                co,
            )


def _followup_open_or_join(actor, a: Assignment, r: Reply, on: dt.date) -> FollowUp:
    """A B reply is followed up: the case's follow-up if it has one (the new commitments join it,
    and it is open again if it had ended), a new one otherwise. One follow-up per case, so the B
    ledger lists the case once."""
    n = r.commitments.count()
    f = FollowUp.objects.select_for_update().filter(assignment=a).order_by("opened_on", "id").first()
    if f is None:
        f = FollowUp.objects.create(assignment=a, reply=r, original_class=ResultClass.B, opened_on=on)
        _audit(actor, "followup.open", a, f"B类答复纳入跟踪落实（{n}项承诺）", obj=f)
        return f
    old = {"state": f.state, "reply": f.reply_id}
    if f.state != FollowUpState.OPEN:
        FOLLOW_UP.move(f, FollowUpState.OPEN, action="重新纳入跟踪")
        f.closed_on = None
    f.reply = r
    f.save()
    _audit(
        actor,
        "followup.join",
        a,
        f"第{r.seq}次答复（B类）的{n}项承诺并入B类跟踪（{'重新跟踪' if old['state'] != f.state else '继续跟踪'}）",
        obj=f,
        old=old,
        new={"state": f.state, "reply": r.pk},
    )
    return f


def _eval_due(on: dt.date, a: Assignment) -> dt.date:
    return workdays.eval_due(on, body=a.proposal.session.body)


def _rehandling_due(on: dt.date, a: Assignment) -> dt.date:
    return workdays.rehandling_due(on, body=a.proposal.session.body)


def reply_correct(*, actor, reply: Reply, text: str, reason: str, once: str | None = None) -> Reply:
    """A sent reply is never changed: a correction is a new sent version that keeps its reason."""
    text, reason = (text or "").strip(), (reason or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(reply.assignment, actor)
        _require(sel.is_leader(actor, a), "只有本单位领导可以签发更正后的答复。")
        r = Reply.objects.select_for_update().get(pk=reply.pk, assignment=a)
        if r.state != ReplyState.SENT:
            raise DomainError("只能更正已正式答复的答复。")
        if r.corrections.exists():
            raise DomainError("该答复已有更正版本，请更正最新版本。")
        if not reason:
            raise DomainError("请填写更正理由。", field="reason")
        if not text or text == r.text:
            raise DomainError("请填写更正后的答复内容。", field="text")
        new = Reply.objects.create(
            assignment=a,
            seq=r.seq,
            **REPLY.start(ReplyState.SENT),
            result_class=r.result_class,
            text=text,
            signer=actor.display_name,
            contact_name=r.contact_name,
            contact_phone=r.contact_phone,
            disclosure=r.disclosure,
            disclosure_reason=r.disclosure_reason,
            sent_on=today(),
            correction_of=r,
            correction_reason=reason,
            created_by=actor,
            approved_by=actor,
            approved_at=timezone.now(),
        )
        number = _letter_number_issue(actor, new, a)
        _audit(
            actor,
            "reply.correct",
            a,
            f"更正第{r.seq}次答复（发文字号：{number}）",
            obj=new,
            old={"text": r.text},
            new={"text": text, "letter_number": str(number)},
        )
        _notify(_proposer_users(a), "reply.correct", f"{a.unit.name}更正了对{a.proposal.number}的答复", a)
    return new


# --- evaluation --------------------------------------------------------------------------------

# The evaluation form's rules (SPEC §4), once for the proposer's portal form and the staff's
# paper-form entry: the overall verdict, the attitude and the result are required; the four
# factual questions may be left blank (a paper form often is); 不满意 needs a reason.
EVALUATION_REQUIRED = ("verdict", "attitude", "result")
HEARD_VIA = ("走访", "电话", "其他", "未联系")
ADDRESSES = ("针对", "基本针对", "未针对")
EVALUATION_COMMENT_MAX = 2000


def evaluation_submit(
    *,
    actor,
    assignment: Assignment,
    verdict: str,
    attitude: str = "",
    result: str = "",
    visited: bool | None = None,
    heard_via: str = "",
    addresses: str = "",
    leader_replied: bool | None = None,
    comment: str = "",
    proposer: Proposer | None = None,
    once: str | None = None,
) -> Evaluation:
    """The proposer evaluates one unit's current reply (SPEC §4). Body staff may enter a paper
    evaluation form on behalf of a named proposer. The lead proposer's verdict moves the case:
    不满意 → 重新办理 (1 month); otherwise 办结, or B类跟踪 while commitments are open."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(assignment, actor)
        _require(a.answers_proposer, "会办单位不直接答复，无需评价。")
        _require(a.parent_id is None, "该单位的答复报送上级承办单位，由上级承办单位答复后再评价。")
        body = sel.body_of(actor)
        if proposer is not None and body is not None and body.pk == a.proposal.session.body_id:
            if not sel.eligible_proposers(a.proposal).filter(pk=proposer.pk).exists():
                raise DomainError("所选代表/委员不是该件的提出人。", field="proposer")
            who = proposer
        else:
            who = sel.proposer_for(actor, a.proposal)
            _require(who is not None, "只有该件的领衔人、联名人或并案提出人可以评价。")
        cur = sel.current_reply(a)
        if cur is None:
            raise DomainError("该单位尚未答复，答复后才能评价。")
        if a.state not in (S.REPLIED, S.FOLLOW_UP, S.CLOSED):
            raise DomainError(f"该件当前为“{a.get_state_display()}”，不能评价。")
        root = cur.correction_of or cur
        if Evaluation.objects.filter(
            assignment=a, proposer=who, reply__in=[root, cur] + list(root.corrections.all())
        ).exists():
            raise DomainError(f"{who.name}已评价过本次答复。")
        on = today()
        if a.eval_due and on > a.eval_due:
            raise DomainError(f"评价期限（{a.eval_due:%Y年%m月%d日}）已过。")
        if verdict not in Verdict.values:
            raise DomainError("请选择总体评价：满意、基本满意或不满意。", field="verdict")
        for v, name, label in ((attitude, "attitude", "办理态度"), (result, "result", "办理结果")):
            if not v:
                raise DomainError(f"请评价{label}。", field=name)
            if v not in Verdict.values:
                raise DomainError("评价选项无效。", field=name)
        if heard_via and heard_via not in HEARD_VIA:
            raise DomainError("听取意见的方式无效。", field="heard_via")
        if addresses and addresses not in ADDRESSES:
            raise DomainError("“答复是否针对所提问题”的选项无效。", field="addresses")
        comment = (comment or "").strip()
        if len(comment) > EVALUATION_COMMENT_MAX:
            raise DomainError(f"意见不能超过{EVALUATION_COMMENT_MAX}字。", field="comment")
        if verdict == Verdict.UNSATISFIED and not comment:
            raise DomainError("评价为不满意时，请写明不满意的原因，以便承办单位重新办理。", field="comment")
        is_lead = who.pk == a.proposal.lead_id
        if is_lead and a.state != S.REPLIED:
            raise DomainError(f"该件当前为“{a.get_state_display()}”，不能评价。")
        e = Evaluation.objects.create(
            assignment=a,
            reply=cur,
            proposer=who,
            attitude=attitude,
            result=result,
            visited=visited,
            heard_via=heard_via,
            addresses=addresses,
            leader_replied=leader_replied,
            verdict=verdict,
            comment=comment,
            on=on,
            created_by=actor,
        )
        by = "" if who.user_id == actor.pk else f"（{actor.display_name}代录）"
        _audit(
            actor,
            "evaluation.submit",
            a,
            f"{'领衔人' if is_lead else '代表委员'}评价：{e.get_verdict_display()}{by}",
            obj=e,
            new={"verdict": verdict, "attitude": attitude, "result": result, "proposer": who.name},
        )
        if is_lead:
            if verdict == Verdict.UNSATISFIED:
                old = _move(a, S.REHANDLING, "重新办理")
                a.rehandling_due = _rehandling_due(on, a)
                _save(a)
                n = sel.lead_unsatisfied_count(a)
                extra = "；第二次不满意，须由单位领导带队面商" if n >= 2 else ""
                _audit(
                    actor,
                    "assignment.rehandle",
                    a,
                    f"评价不满意，重新办理，期限{a.rehandling_due:%Y年%m月%d日}{extra}",
                    old={"state": old},
                    new={"state": a.state, "rehandling_due": a.rehandling_due},
                )
                _notify(
                    _unit_people(a, Role.UNIT_LIAISON, Role.UNIT_LEADER),
                    "evaluation.unsatisfied",
                    f"{who.name}对{a.proposal.number}的答复不满意，请重新办理",
                    a,
                )
            else:
                _after_evaluation(actor, a, "已评价")
                _notify(
                    _unit_people(a, Role.UNIT_LIAISON),
                    "evaluation.submit",
                    f"{who.name}评价{a.proposal.number}：{e.get_verdict_display()}",
                    a,
                )
        else:
            _notify(
                _unit_people(a, Role.UNIT_LIAISON),
                "evaluation.submit",
                f"{who.name}评价{a.proposal.number}：{e.get_verdict_display()}",
                a,
            )
    return e


def _after_evaluation(actor, a: Assignment, why: str) -> None:
    """Evaluated (or the window passed): close, unless a B-class follow-up is still open."""
    if sel.open_followups(a).exists():
        old = _move(a, S.FOLLOW_UP, "转入B类跟踪")
        _save(a)
        _audit(
            actor,
            "assignment.follow_up",
            a,
            f"{why}，B类承诺事项跟踪落实中",
            old={"state": old},
            new={"state": a.state},
        )
    else:
        _close(actor, a, why)


def assignment_close_due(*, on: dt.date | None = None, actor=None) -> list[Assignment]:
    """Close replied assignments whose evaluation window passed with no evaluation by the lead
    proposer: recorded as 未评价, never guessed. Safe to run repeatedly (cron / worker)."""
    on = on or today()
    done = []
    # Co units left open beside a lead that already replied (recorded before the lead's reply
    # ended them) end the same way now.
    leads = set()
    stale = Assignment.objects.filter(
        role=AssignmentRole.CO,
        state__in=(S.OPINION_SENT, *CO_OPEN),
        proposal__assignments__role=AssignmentRole.LEAD,
        proposal__assignments__first_reply_on__isnull=False,
    ).distinct()
    for co in stale:
        lead = sel.lead_sibling(co)
        if lead is not None and lead.first_reply_on is not None:
            leads.add(lead.pk)
    for pk in sorted(leads):
        with transaction.atomic():
            _close_co_units(actor, Assignment.objects.select_for_update().select_related("unit").get(pk=pk))
    ids = list(Assignment.objects.filter(state=S.REPLIED, eval_due__lt=on).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            a = Assignment.objects.select_for_update().filter(pk=pk, state=S.REPLIED, eval_due__lt=on).first()
            if a is None:
                continue
            _audit(actor, "evaluation.none", a, f"评价期限（{a.eval_due:%Y年%m月%d日}）已过，记为未评价")
            _after_evaluation(actor, a, "未评价")
            done.append(a)
        crash_point("close_due.closed")  # between two committed closings
    return done


# --- B-class follow-up -------------------------------------------------------------------------


def _locked_commitment(commitment: Commitment, actor) -> tuple[Assignment, Commitment, FollowUp]:
    a = _locked(commitment.reply.assignment, actor)
    c = Commitment.objects.select_for_update().get(pk=commitment.pk)
    # A case has one follow-up; every sent reply's commitments belong to it.
    f = (
        FollowUp.objects.select_for_update().filter(assignment=a).order_by("opened_on", "id").first()
        if c.reply.state == ReplyState.SENT
        else None
    )
    if f is None:
        raise DomainError("该承诺所在答复未纳入B类跟踪。")
    return a, c, f


def commitment_progress_add(
    *, actor, commitment: Commitment, text: str, done: bool = False, once: str | None = None
) -> CommitmentProgress:
    """Record progress on a commitment (at least yearly); `done` marks it kept."""
    text = (text or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a, c, f = _locked_commitment(commitment, actor)
        _require(sel.is_liaison(actor, a) or sel.is_handler(actor, a), "只有本单位联络员或承办人可以报送落实进展。")
        if f.state != FollowUpState.OPEN or c.state != CommitmentState.OPEN:
            raise DomainError("该承诺事项已结束跟踪。")
        if not text:
            raise DomainError("请填写落实进展。", field="text")
        on = today()
        p = CommitmentProgress.objects.create(
            commitment=c, kind=ProgressKind.DONE if done else ProgressKind.PROGRESS, on=on, text=text, created_by=actor
        )
        if done:
            COMMITMENT.move(c, CommitmentState.DONE, action="标记已落实")
            c.closed_on = on
            c.save()
        _audit(actor, "followup.progress", a, f"承诺事项（#{c.pk}）{'已落实' if done else '进展'}", obj=p)
    return p


DONE, EXPLAINED = "done", "explained"


# Days before a commitment's date when the unit is told that its B-class progress is due.
COMMITMENT_NOTICE_DAYS = 7


def commitment_due_notify(*, today: dt.date | None = None) -> int:
    """B类进展到期: tell the unit's liaisons (and the handlers given the case) once per commitment and
    due date when an open commitment of a B reply is due within COMMITMENT_NOTICE_DAYS or overdue.

    Idempotent: the notification's dedupe key is the commitment and its date, so a rerun (or a
    second worker) sends nothing twice and a commitment whose date was moved is announced again."""
    today = today or timezone.localdate()
    limit = today + dt.timedelta(days=COMMITMENT_NOTICE_DAYS)
    sent = 0
    due = (
        Commitment.objects.filter(state=CommitmentState.OPEN, due__lte=limit)
        .exclude(reply__assignment__state__in=(S.CLOSED, S.WITHDRAWN))
        .select_related("reply__assignment__proposal", "reply__assignment__unit")
    )
    for c in due:
        a = c.reply.assignment
        when = "已到期" if c.due < today else f"将于{cn_date(c.due)}到期"
        with transaction.atomic():
            people = _unit_people(a, Role.UNIT_LIAISON) + [t.handler for t in a.tasks.all() if t.handler_id]
            sent += len(
                notify(
                    users=people,
                    verb="commitment.due",
                    text=f"B类承诺事项{when}：{a.proposal.number}号{a.proposal.kind_word}“{c.text[:40]}”，请填报落实进展",
                    url=_case_url(a),
                    assignment=a,
                    dedupe_key=f"commitment-due:{c.pk}:{c.due:%Y%m%d}",
                )
            )
    return sent


def followup_convert_to_a(
    *, actor, followup: FollowUp, note: str, outcomes: dict | None = None, once: str | None = None
) -> FollowUp:
    """The problem is solved: the case becomes class A (the B reply keeps its class in history).

    Each open commitment gets its own outcome, `outcomes[commitment id] = (kind, text, on)`: 已落实
    ("done") with its own note and date (today when not given), or explained ("explained") as
    not kept. At least one commitment of the follow-up must have been kept."""
    note = (note or "").strip()
    outcomes = outcomes or {}
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = _locked(followup.assignment, actor)
        _require(sel.is_liaison(actor, a), "只有本单位联络员可以申报B类转A类。")
        f = FollowUp.objects.select_for_update().get(pk=followup.pk)
        FOLLOW_UP.check(f.state, FollowUpState.CONVERTED, action="转A类")
        if not note:
            raise DomainError("请说明问题已解决的情况。", field="note")
        on = today()
        commitments = list(sel.followup_commitments(f).select_for_update())
        plan = []
        for i, c in enumerate(commitments, 1):
            if c.state != CommitmentState.OPEN:
                continue
            kind, text, when = (tuple(outcomes.get(c.pk) or ()) + ("", "", None))[:3]
            text = (text or "").strip()
            name = f"第{i}项承诺事项（{c.text[:20]}）"
            if kind not in (DONE, EXPLAINED):
                raise DomainError(f"请为{name}选择“已落实”或“不能落实（说明原因）”。", field="outcomes")
            if not text:
                raise DomainError(
                    f"请填写{name}的{'落实情况' if kind == DONE else '不能落实的原因'}。", field="outcomes"
                )
            when = when or on
            if kind == DONE and when > on:
                raise DomainError(f"{name}的落实日期不能晚于今天（{cn_date(on)}）。", field="outcomes")
            if kind == DONE and when < f.opened_on:
                raise DomainError(
                    f"{name}的落实日期不能早于纳入跟踪的日期（{cn_date(f.opened_on)}）。", field="outcomes"
                )
            plan.append((c, kind, text, when if kind == DONE else on))
        kept = any(c.state == CommitmentState.DONE for c in commitments) or any(k == DONE for _, k, _, _ in plan)
        if not kept:
            raise DomainError("没有已落实的承诺事项，不能转为A类；不能落实的请报送调整说明。", field="outcomes")
        for c, kind, text, when in plan:
            if kind == DONE:
                COMMITMENT.move(c, CommitmentState.DONE, action="标记已落实")
                progress = ProgressKind.DONE
            else:
                COMMITMENT.move(c, CommitmentState.DROPPED, action="说明不能落实")
                progress = ProgressKind.DROP
            c.closed_on = when
            c.save()
            CommitmentProgress.objects.create(commitment=c, kind=progress, on=when, text=text, created_by=actor)
            _audit(
                actor,
                "followup.progress" if kind == DONE else "followup.explain",
                a,
                f"承诺事项（#{c.pk}）{'已落实' if kind == DONE else '不能落实'}",
                obj=c,
                new={"state": c.state, "closed_on": when},
            )
        f_old, f_new = FOLLOW_UP.move(f, FollowUpState.CONVERTED, action="转A类")
        f.closed_on, f.note = on, note
        f.save()
        old = {"result_class": a.result_class, "state": a.state, "followup_state": f_old}
        a.result_class = ResultClass.A
        _save(a)
        _audit(
            actor,
            "followup.convert",
            a,
            "B类转A类",
            obj=f,
            old=old,
            new={"result_class": "A", "original_class": f.original_class, "followup_state": f_new},
        )
        if a.state == S.FOLLOW_UP and not sel.open_followups(a).exists():
            _close(actor, a, "B类已转A类")
        _notify(
            _proposer_users(a), "followup.convert", f"{a.unit.name}：{a.proposal.number}所提问题已解决（B类转A类）", a
        )
    return f


def followup_explain(
    *, actor, commitment: Commitment, explanation: str, new_due: dt.date | None = None, once: str | None = None
) -> Commitment:
    """A commitment that cannot be kept as promised is explained: either re-dated (stays open) or
    dropped. When no commitment is left open, the follow-up ends as 已说明."""
    explanation = (explanation or "").strip()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a, c, f = _locked_commitment(commitment, actor)
        _require(sel.is_liaison(actor, a), "只有本单位联络员可以报送承诺事项调整说明。")
        if f.state != FollowUpState.OPEN or c.state != CommitmentState.OPEN:
            raise DomainError("该承诺事项已结束跟踪。")
        if not explanation:
            raise DomainError("请说明承诺事项不能按期落实或需要调整的原因。", field="explanation")
        on = today()
        if new_due is not None:
            if new_due <= on:
                raise DomainError("调整后的完成时间须晚于今天。", field="new_due")
            CommitmentProgress.objects.create(
                commitment=c,
                kind=ProgressKind.CHANGE,
                on=on,
                text=explanation,
                old_due=c.due,
                new_due=new_due,
                created_by=actor,
            )
            old_due, c.due = c.due, new_due
            c.save()
            _audit(
                actor,
                "followup.explain",
                a,
                f"承诺事项（#{c.pk}）调整完成时间至{new_due:%Y年%m月%d日}",
                obj=c,
                old={"due": old_due},
                new={"due": new_due},
            )
        else:
            CommitmentProgress.objects.create(
                commitment=c, kind=ProgressKind.DROP, on=on, text=explanation, created_by=actor
            )
            c_old, _ = COMMITMENT.move(c, CommitmentState.DROPPED, action="说明不能落实")
            c.closed_on = on
            c.save()
            _audit(
                actor,
                "followup.explain",
                a,
                f"承诺事项（#{c.pk}）不能落实",
                obj=c,
                old={"state": c_old},
                new={"state": c.state},
            )
            if not sel.followup_commitments(f).filter(state=CommitmentState.OPEN).exists():
                f_old, f_new = FOLLOW_UP.move(f, FollowUpState.EXPLAINED, action="结束跟踪")
                f.closed_on, f.note = on, explanation
                f.save()
                _audit(
                    actor,
                    "followup.close",
                    a,
                    "B类跟踪结束（已说明）",
                    obj=f,
                    old={"state": f_old},
                    new={"state": f_new},
                )
                if a.state == S.FOLLOW_UP and not sel.open_followups(a).exists():
                    _close(actor, a, "B类承诺已说明")
    return c


# --- handover and policy -----------------------------------------------------------------------


def cases_handover(*, actor, from_user: User, to_user: User, note: str = "", once: str | None = None) -> Handover:
    """Hand one person's open cases (``sel.handover_items``) to a receiver ``sel.handover_receivers``
    accepts, in one step. Their department tasks and plan roles name the receiver; a department task
    moves to the receiver's department (with the plan's departments) when the receiver works in
    another one. Nothing is copied: the case keeps its whole history, so the receiver sees everything
    that was done; each moved case's history records the handover. The returned Handover carries
    ``task_count``, the department tasks moved."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        unit = sel.unit_of(actor)
        _require(
            actor.has_role(Role.UNIT_LIAISON, Role.UNIT_LEADER) and unit is not None,
            "只有单位联络员或领导可以办理工作移交。",
        )
        if sel.user_unit(from_user) is None or sel.user_unit(from_user).pk != unit.pk:
            raise NotFound()
        if from_user.pk == to_user.pk:
            raise DomainError("移交人和接收人不能是同一人。", field="to_user")
        if to_user.pk not in {u.pk for u in sel.handover_receivers(from_user)}:
            if not to_user.is_active:
                raise DomainError(f"{to_user}的账号已停用，不能接收移交。", field="to_user")
            raise DomainError(
                f"{to_user}不能接收{from_user}的工作：{sel.handover_receiver_rule(from_user)}。", field="to_user"
            )
        items = sel.handover_items(from_user, lock=True)
        if not items.count:
            raise DomainError(f"{from_user}没有在办件需要移交。", field="from_user")
        plans = {p.assignment_id: p for p in items.plans}
        for p in (
            HandlingPlan.objects.select_for_update()
            .filter(assignment__in=[t.assignment_id for t in items.tasks])
            .exclude(pk__in=[p.pk for p in items.plans])
        ):
            plans[p.assignment_id] = p
        before = {aid: _plan_snapshot(p) for aid, p in plans.items()}
        changed_plans: set[int] = set()
        moved: dict[int, list[str]] = {}
        new_dept = to_user.org if to_user.org and to_user.org.kind == OrgKind.DEPT else None
        for t in items.tasks:
            old_dept = t.dept
            t.handler = to_user
            if (
                new_dept is not None
                and to_user.has_role(Role.HANDLER)
                and t.dept_id != new_dept.pk
                and not DeptTask.objects.filter(assignment_id=t.assignment_id, dept=new_dept).exists()
            ):
                t.dept = new_dept
                p = plans.get(t.assignment_id)
                if p is not None:
                    if p.lead_dept_id == old_dept.pk:
                        p.lead_dept = new_dept
                    elif p.assist_depts.filter(pk=old_dept.pk).exists():
                        p.assist_depts.remove(old_dept)
                        p.assist_depts.add(new_dept)
                    changed_plans.add(t.assignment_id)
                moved.setdefault(t.assignment_id, []).append(f"处室任务由{old_dept.name}转到{new_dept.name}")
            t.save(update_fields=["handler", "dept"])
        for p in items.plans:
            if p.responsible_person_id == from_user.pk:
                p.responsible_person = to_user
            if p.responsible_leader_id == from_user.pk:
                p.responsible_leader = to_user
            changed_plans.add(p.assignment_id)
        for aid in changed_plans:
            p = plans[aid]
            p.version = p.version + 1
            p.save()
        h = Handover.objects.create(
            from_user=from_user,
            to_user=to_user,
            org=from_user.org,
            by=actor,
            assignment_count=items.count,
            note=(note or "").strip(),
        )
        h.task_count = len(items.tasks)
        audit_record(
            actor=actor,
            verb="handover",
            obj=h,
            summary=f"{from_user}的 {items.count} 件在办件移交给{to_user}",
            new={
                "from": from_user.username,
                "to": to_user.username,
                "assignments": [a.pk for a in items.assignments],
                "tasks": [t.pk for t in items.tasks],
            },
        )
        for a in items.assignments:
            extra = "；".join(moved.get(a.pk, []))
            _audit(
                actor,
                "assignment.handover",
                a,
                f"工作移交：{from_user} → {to_user}（{items.reasons[a.pk]}）" + (f"；{extra}" if extra else ""),
                obj=h,
                old={"person": str(from_user), **({"plan": before[a.pk]} if a.pk in changed_plans else {})},
                new={
                    "person": str(to_user),
                    **({"plan": _plan_snapshot(plans[a.pk])} if a.pk in changed_plans else {}),
                },
            )
        notify(
            users=[to_user],
            verb="handover",
            text=f"{from_user}的 {items.count} 件在办件已移交给您，办理记录随件保留",
            url=reverse("cases:list"),
        )
        if from_user.is_active:
            notify(
                users=[from_user],
                verb="handover",
                text=f"您的 {items.count} 件在办件已移交给{to_user}（经办：{actor}）",
                url=reverse("cases:list"),
            )
    return h


def policy_set(*, actor, body: Org, contact_before_reply: bool, once: str | None = None) -> HandlingPolicy:
    """Body staff set their body's handling policy (先沟通再办件)."""
    b = sel.body_of(actor)
    _require(b is not None and b.pk == body.pk, "只有本人大/政协的工作人员可以设置办理规则。")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        pol, _ = HandlingPolicy.objects.select_for_update().get_or_create(body=body)
        old = {"contact_before_reply": pol.contact_before_reply}
        pol.contact_before_reply, pol.updated_by = bool(contact_before_reply), actor
        pol.save()
        audit_record(
            actor=actor,
            verb="handling.policy",
            obj=pol,
            summary=f"先沟通再办件：{'开启' if pol.contact_before_reply else '关闭'}",
            old=old,
            new={"contact_before_reply": pol.contact_before_reply},
        )
    return pol
