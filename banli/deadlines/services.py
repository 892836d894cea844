"""Writes of the deadlines app: policies, key dates, extensions, supervision, reminders (SPEC §5).

Each action: permission check, guard, write, audit — in one transaction; notifications are
written in the same transaction and emailed after commit (see notify.py).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from banli.audit.services import audit_record
from banli.calendar import workdays as cal
from banli.calendar.models import Policy
from banli.cases import deadlines as case_dues
from banli.cases.models import (
    DUE_ROLES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Contact,
    DeptTask,
    Evaluation,
    KeyDates,
    Proposal,
    Session,
)
from banli.cases.selectors import is_assigning_office, office_people, unit_people, user_body
from banli.crashpoints import crash_point
from banli.errors import DomainError, NotFound
from banli.notify.services import notify
from banli.orgs.models import BODY_KINDS, Org, Role
from banli.web.once import claim_once

from . import lights
from .lifecycle import EXTENSION
from .models import (
    DueKind,
    Extension,
    ExtensionState,
    PlanFocus,
    Reminder,
    ReminderKind,
    Supervision,
    SupervisionCheck,
    SupervisionKind,
    SupervisionPhase,
    SupervisionPlan,
)
from .selectors import can_supervise, is_unit_staff, plan_assignments

log = logging.getLogger("banli.deadlines")


def today() -> dt.date:
    return timezone.localdate()


# --- due-date recomputation ------------------------------------------------------------------------


def _fresh_dues(a: Assignment) -> dict:
    """The due dates `a` would get now, for the dates that are still open (others kept)."""
    body = a.proposal.session.body
    new = case_dues.assignment_due_dates(a.assigned_on, role=a.role, body=body, proposal=a.proposal, parent=a.parent)
    out = {}
    if a.state in (AssignmentState.PENDING_SIGN, AssignmentState.ADJUSTMENT_REQUESTED) and a.signed_on is None:
        out["sign_due"] = new["sign_due"]
        out["adjust_due"] = new["adjust_due"]
    if a.first_reply_on is None and a.reply_due_original is None:
        # An approved extension fixed its own date; only never-extended reply dates follow the rules.
        out["reply_due"] = new["reply_due"]
    if a.role == AssignmentRole.CO and a.state in lights.CO_OPEN_STATES:
        out["opinion_due"] = new["opinion_due"]
    dates = [
        d
        for d in (out.get(f) or getattr(a, f) for f in ("sign_due", "reply_due", "opinion_due", "rehandling_due"))
        if d
    ]
    out["due_provisional"] = bool(dates) and cal.any_provisional(a.assigned_on, max(dates))
    return out


def due_dates_recompute(*, actor, assignments=None, reason: str = "") -> int:
    """Recompute the still-open due dates of open assignments after a policy or calendar change.

    Returns how many assignments changed; each change is audited on its case.
    """
    qs = assignments if assignments is not None else Assignment.objects.all()
    qs = qs.exclude(state__in=lights.FINISHED).select_related("proposal", "proposal__session__body", "parent")
    changed = 0
    with transaction.atomic(), cal.rules_memo():
        for a in qs.iterator(chunk_size=500):
            fresh = _fresh_dues(a)
            diff = {f: v for f, v in fresh.items() if getattr(a, f) != v}
            if not diff:
                continue
            old = {f: getattr(a, f) for f in diff}
            Assignment.objects.filter(pk=a.pk).update(**diff, version=F("version") + 1)
            changed += 1
            audit_record(
                actor=actor,
                verb="assignment.due_recompute",
                obj=a,
                proposal_id=a.proposal_id,
                assignment_id=a.pk,
                summary=f"期限重新计算：{reason}"[:300],
                old=old,
                new=diff,
            )
    return changed


def on_calendar_changed(sender, *, actor, reason, **kwargs) -> None:
    """A year's holiday schedule changed (banli.calendar.services): open due dates follow."""
    due_dates_recompute(actor=actor, reason=reason)


# --- policies and key-proposal dates ----------------------------------------------------------------


def _require_body_office(actor, body: Org) -> None:
    if actor.has_role(Role.SYSADMIN):
        return
    mine = user_body(actor) if actor.has_role(Role.BODY_STAFF) else None
    if mine is None or mine.pk != body.pk:
        raise DomainError("只有本机关的人大/政协工作人员或系统管理员可以修改办理期限规则。")


def policy_get(body: Org) -> Policy:
    return Policy.objects.filter(body=body).first() or Policy(body=body)


def policy_update(*, actor, body: Org, version: int | None = None, **values) -> Policy:
    """Change a body's deadline rules; open due dates of its cases follow."""
    if body.kind not in BODY_KINDS:
        raise DomainError("办理期限规则按人大、政协分别设置。")
    _require_body_office(actor, body)
    for k, v in values.items():
        if k not in Policy.FIELDS:
            raise DomainError(f"不能修改字段 {k}。")
        if v is None or int(v) < 1 or int(v) > 400:
            raise DomainError(f"“{Policy._meta.get_field(k).verbose_name}”应为 1 至 400 之间的整数。", field=k)
    if values.get("reply_max_months", 99) < values.get("reply_months", 0):
        raise DomainError("延期后最长答复期限不能短于答复期限。", field="reply_max_months")
    with transaction.atomic():
        p = Policy.objects.select_for_update().filter(body=body).first()
        if p is None:
            p = Policy.objects.create(body=body)
        if version is not None and int(version) != p.version:
            raise DomainError("规则已被他人修改，请刷新后再提交。")
        old = {f: getattr(p, f) for f in Policy.FIELDS}
        for k, v in values.items():
            setattr(p, k, int(v))
        merged = {f: getattr(p, f) for f in Policy.FIELDS}
        if merged["reply_max_months"] < merged["reply_months"]:
            raise DomainError("延期后最长答复期限不能短于答复期限。", field="reply_max_months")
        p.version = F("version") + 1
        p.save()
        p.refresh_from_db()
        audit_record(
            actor=actor, verb="policy.update", obj=p, summary=f"修改{body.name}办理期限规则", old=old, new=merged
        )
        due_dates_recompute(
            actor=actor, assignments=Assignment.objects.filter(proposal__session__body=body), reason="办理期限规则变更"
        )
    return p


def key_dates_set(
    *, actor, proposal: Proposal, sign_due=None, opinion_due=None, reply_due=None, once: str | None = None
) -> KeyDates:
    """Give a key proposal its own due dates (empty = the body's rules); its open assignments follow."""
    _require_body_office(actor, proposal.session.body)
    if not proposal.is_key:
        raise DomainError("只有重点建议/提案可以单独设定期限；请先设为重点。")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        kd, _ = KeyDates.objects.get_or_create(proposal=proposal)
        old = {"sign_due": kd.sign_due, "opinion_due": kd.opinion_due, "reply_due": kd.reply_due}
        kd.sign_due, kd.opinion_due, kd.reply_due = sign_due, opinion_due, reply_due
        kd.save()
        new = {"sign_due": sign_due, "opinion_due": opinion_due, "reply_due": reply_due}
        audit_record(
            actor=actor,
            verb="proposal.key_dates",
            obj=proposal,
            proposal_id=proposal.pk,
            summary="设定重点件期限",
            old=old,
            new=new,
        )
        due_dates_recompute(
            actor=actor, assignments=proposal.assignments.filter(parent__isnull=True), reason="重点件期限设定"
        )
    return kd


# --- extensions (延期申请) ----------------------------------------------------------------------------


def extension_request(
    *,
    actor,
    assignment: Assignment,
    reason: str,
    requested_due: dt.date,
    on: dt.date | None = None,
    once: str | None = None,
) -> Extension:
    """The assigned unit asks the assigning office for a later reply due date."""
    if not is_unit_staff(actor, assignment):
        raise NotFound()
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写延期理由（如情况复杂、需跨部门协调等）。", field="reason")
    on = on or today()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("proposal__session__body", "unit", "assigned_by")
            .get(pk=assignment.pk)
        )
        if a.role not in DUE_ROLES or a.first_reply_on is not None or a.state in lights.FINISHED:
            raise DomainError("该交办没有未答复的答复期限，无需申请延期。")
        if Extension.objects.filter(assignment=a, state=ExtensionState.PENDING).exists():
            raise DomainError("已有一份延期申请正在审批，请等待交办机关答复。")
        if requested_due is None or requested_due <= a.reply_due:
            raise DomainError(f"申请延至的日期应晚于当前答复期限 {a.reply_due:%Y-%m-%d}。", field="requested_due")
        limit = cal.reply_max_due(a.assigned_on, body=a.proposal.session.body)
        if requested_due > limit:
            raise DomainError(
                f"延期后的答复期限最晚为 {limit:%Y-%m-%d}（交办"
                f"后{cal.rules_for(a.proposal.session.body).reply_max_months}个月）。",
                field="requested_due",
            )
        ext = Extension.objects.create(
            assignment=a,
            reason=reason,
            old_due=a.reply_due,
            requested_due=requested_due,
            requested_by=actor,
            requested_on=on,
        )
        audit_record(
            actor=actor,
            verb="extension.request",
            obj=ext,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary=f"申请答复延期至{requested_due:%Y-%m-%d}",
            new={"old_due": a.reply_due, "requested_due": requested_due, "reason": reason},
        )
        notify(
            users=office_people(a.assigned_by),
            verb="extension.request",
            assignment=a,
            url=reverse("deadlines:assignment", args=[a.pk]),  # where the office decides
            text=f"{a.unit.name}申请将{a.proposal.number}号{a.proposal.kind_word}的答复期限延至{requested_due:%Y-%m-%d}，请审批。",
            dedupe_key=f"ext-req:{ext.pk}",
        )
    return ext


def extension_decide(
    *,
    actor,
    extension: Extension,
    approve: bool,
    note: str = "",
    granted_due: dt.date | None = None,
    on: dt.date | None = None,
    once: str | None = None,
) -> Extension:
    """The assigning office approves (possibly a shorter date) or refuses an extension request."""
    a = extension.assignment
    if not is_assigning_office(actor, a):
        raise NotFound()
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError("不同意延期时请写明理由，以便承办单位知悉。", field="note")
    on = on or today()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        ext = Extension.objects.select_for_update().get(pk=extension.pk)
        target = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
        EXTENSION.check(ext.state, target, action="再审批")
        a = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("proposal__session__body", "unit")
            .get(pk=ext.assignment_id)
        )
        if approve:
            granted = granted_due or ext.requested_due
            limit = cal.reply_max_due(a.assigned_on, body=a.proposal.session.body)
            if granted <= a.reply_due or granted > limit:
                raise DomainError(
                    f"批准的日期应晚于 {a.reply_due:%Y-%m-%d} 且不晚于 {limit:%Y-%m-%d}。", field="granted_due"
                )
            if a.first_reply_on is not None:
                raise DomainError("该件已答复，无需延期。")
            old = {"reply_due": a.reply_due}
            a.reply_due_original = a.reply_due_original or a.reply_due
            a.reply_due = granted
            a.due_provisional = cal.any_provisional(a.assigned_on, granted)
            a.version = F("version") + 1
            a.save(update_fields=["reply_due", "reply_due_original", "due_provisional", "version"])
            ext.granted_due = granted
        ext_old, ext_new = EXTENSION.move(ext, target, action="审批")
        ext.decided_by, ext.decided_on, ext.decision_note = actor, on, note
        ext.save()
        verdict = f"同意延期至{ext.granted_due:%Y-%m-%d}" if approve else "不同意延期"
        audit_record(
            actor=actor,
            verb="extension.decide",
            obj=ext,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary=verdict[:300],
            old={"state": ext_old, **({"reply_due": old["reply_due"]} if approve else {})},
            new={"state": ext_new, "granted_due": ext.granted_due, "note": note},
        )
        notify(
            users=[ext.requested_by, *unit_people(a.unit, Role.UNIT_LIAISON)],
            verb="extension.decide",
            assignment=a,
            text=f"{a.proposal.number}号延期申请：{verdict}",
            dedupe_key=f"ext-dec:{ext.pk}",
        )
    return ext


def extension_cancel(*, actor, extension: Extension, once: str | None = None) -> Extension:
    if extension.requested_by_id != actor.pk:
        raise NotFound()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        ext = Extension.objects.select_for_update().get(pk=extension.pk)
        ext_old, ext_new = EXTENSION.move(ext, ExtensionState.CANCELLED, action="撤回")
        ext.save(update_fields=["state"])
        audit_record(
            actor=actor,
            verb="extension.cancel",
            obj=ext,
            proposal_id=ext.assignment.proposal_id,
            assignment_id=ext.assignment_id,
            summary="撤回延期申请",
            old={"state": ext_old},
            new={"state": ext_new},
        )
    return ext


# --- supervision (督办 / 催办) -------------------------------------------------------------------------


def _unit_recipients(a: Assignment, *, leaders: bool = False):
    roles = (Role.UNIT_LIAISON, Role.UNIT_LEADER) if leaders else (Role.UNIT_LIAISON,)
    people = list(unit_people(a.unit, *roles))
    # Handlers given the case by the unit's plan hear about reply deadlines too.
    people += [t.handler for t in a.tasks.select_related("handler") if t.handler_id]
    return people


def reminder_send(
    *, actor, assignment: Assignment, message: str, on: dt.date | None = None, once: str | None = None
) -> list[Reminder]:
    """A manual reminder (催办) from the supervising office to the unit's liaison and leader."""
    if not can_supervise(actor, assignment):
        raise NotFound()
    message = (message or "").strip()
    if not message:
        raise DomainError("请填写催办内容。", field="message")
    on = on or today()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = Assignment.objects.select_related("proposal", "unit").get(pk=assignment.pk)
        if a.state in lights.FINISHED:
            raise DomainError("该交办已办结或撤回，无需催办。")
        people = _unit_recipients(a, leaders=True)
        if not people:
            raise DomainError(f"{a.unit.name}尚未设置联络员或领导账号，无法在系统内催办，请电话联系。")
        rows = [
            Reminder.objects.create(
                assignment=a, kind=ReminderKind.MANUAL, recipient=u, message=message, sender=actor, sent_on=on
            )
            for u in dict.fromkeys(people)
        ]
        audit_record(
            actor=actor,
            verb="assignment.remind",
            obj=a,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary=f"催办{a.unit.name}",
            new={"message": message, "recipients": [u.username for u in dict.fromkeys(people)]},
        )
        notify(
            users=people,
            verb="remind.manual",
            assignment=a,
            text=f"【催办】{a.proposal.number}号{a.proposal.kind_word}：{message}",
            dedupe_key=f"remind-manual:{rows[0].pk}",
        )
    return rows


def supervision_record(
    *,
    actor,
    assignment: Assignment,
    kind: str,
    note: str,
    leader: str = "",
    on: dt.date | None = None,
    once: str | None = None,
) -> Supervision:
    """Record a supervision action (常规督办 / 重点督办 / 领导督办) and tell the unit."""
    if not can_supervise(actor, assignment):
        raise NotFound()
    if kind not in SupervisionKind.values:
        raise DomainError("请选择督办方式：常规督办、重点督办或领导督办。", field="kind")
    note, leader = (note or "").strip(), (leader or "").strip()
    if not note:
        raise DomainError("请填写督办内容。", field="note")
    if kind == SupervisionKind.LEADER and not leader:
        raise DomainError("领导督办须填写督办领导姓名。", field="leader")
    on = on or today()
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = Assignment.objects.select_related("proposal", "unit").get(pk=assignment.pk)
        org = user_body(actor) if actor.has_role(Role.BODY_STAFF) and user_body(actor) else actor.org
        s = Supervision.objects.create(assignment=a, kind=kind, on=on, leader=leader, note=note, actor=actor, org=org)
        label = SupervisionKind(kind).label
        audit_record(
            actor=actor,
            verb="assignment.supervise",
            obj=s,
            proposal_id=a.proposal_id,
            assignment_id=a.pk,
            summary=label,
            new={"kind": kind, "leader": leader, "note": note},
        )
        notify(
            users=_unit_recipients(a, leaders=True),
            verb="supervise",
            assignment=a,
            text=f"【{label}】{a.proposal.number}号{a.proposal.kind_word}：{note}",
            dedupe_key=f"supervise:{s.pk}",
        )
    return s


DEFAULT_PHASES = (
    ("签收与方案", PlanFocus.SIGN_PLAN),
    ("办理与沟通", PlanFocus.HANDLING),
    ("答复与反馈", PlanFocus.REPLY),
)


def default_phase_dates(start: dt.date, *, body=None) -> list[tuple[str, str, dt.date, dt.date]]:
    """Three phases over the reply period that starts on `start` (seed 001: 三个阶段，每阶段两次督办)."""
    sign_end = cal.add_workdays(start, 15)
    reply_end = cal.reply_due(start, body=body)
    mid = sign_end + (reply_end - sign_end) / 2
    return [
        ("签收与方案", PlanFocus.SIGN_PLAN, start, sign_end),
        ("办理与沟通", PlanFocus.HANDLING, sign_end + dt.timedelta(days=1), mid),
        ("答复与反馈", PlanFocus.REPLY, mid + dt.timedelta(days=1), reply_end),
    ]


def supervision_plan_create(
    *,
    actor,
    session: Session,
    name: str,
    phases,
    checks_per_phase: int = 2,
    once: str | None = None,
) -> SupervisionPlan:
    """A phased plan; each phase gets `checks_per_phase` checks spread to its end, run by the scan."""
    if not actor.has_role(Role.BODY_STAFF, Role.COORDINATOR):
        raise DomainError("只有人大/政协工作人员或督查协调人员可以制定督办计划。")
    if actor.has_role(Role.BODY_STAFF) and user_body(actor) is not None:
        if user_body(actor).pk != session.body_id and not actor.has_role(Role.COORDINATOR):
            raise NotFound()
        org = user_body(actor) if user_body(actor).pk == session.body_id else actor.org
    else:
        org = actor.org
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写计划名称。", field="name")
    phases = list(phases)
    if not phases:
        raise DomainError("督办计划至少需要一个阶段。")
    if not 1 <= checks_per_phase <= 10:
        raise DomainError("每阶段检查次数应为 1 至 10 次。")
    for i, (pname, focus, start, end) in enumerate(phases, start=1):
        if focus not in PlanFocus.values:
            raise DomainError(f"第{i}阶段检查内容无效。")
        if not start or not end or end < start:
            raise DomainError(f"第{i}阶段（{pname}）的结束日期不能早于开始日期。")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        plan = SupervisionPlan.objects.create(session=session, org=org, name=name, created_by=actor)
        for i, (pname, focus, start, end) in enumerate(phases, start=1):
            ph = SupervisionPhase.objects.create(plan=plan, seq=i, name=pname, focus=focus, start_on=start, end_on=end)
            span = (end - start).days
            for k in range(1, checks_per_phase + 1):
                day = cal.next_workday(start + dt.timedelta(days=round(span * k / checks_per_phase)))
                SupervisionCheck.objects.create(phase=ph, seq=k, scheduled_on=min(day, cal.next_workday(end)))
        audit_record(
            actor=actor,
            verb="supervision_plan.create",
            obj=plan,
            summary=f"制定督办计划《{name}》（{len(phases)}个阶段，每阶段{checks_per_phase}次检查）",
            new={"session": session.code, "phases": [(p[0], p[1], p[2], p[3]) for p in phases]},
        )
    return plan


def _lagging(a: Assignment, focus: str) -> str:
    """Why `a` is behind for a plan phase's focus ('' when it is not)."""
    if focus == PlanFocus.SIGN_PLAN:
        return "尚未签收" if a.state in (AssignmentState.PENDING_SIGN, AssignmentState.ADJUSTMENT_REQUESTED) else ""
    if focus == PlanFocus.HANDLING:
        if a.state == AssignmentState.PENDING_SIGN:
            return "尚未签收"
        if a.role in DUE_ROLES and a.first_reply_on is None and not Contact.objects.filter(assignment=a).exists():
            return "尚无与代表委员的沟通记录"
        if a.role == AssignmentRole.CO and a.state in lights.CO_OPEN_STATES:
            return "尚未提交会办意见"
        return ""
    if a.role in DUE_ROLES and a.first_reply_on is None:
        return "尚未答复"
    if a.role == AssignmentRole.CO and a.state in lights.CO_OPEN_STATES:
        return "尚未提交会办意见"
    return ""


def plan_checks_run(*, today: dt.date) -> int:
    """Run every plan check due by `today` exactly once (claimed by a conditional UPDATE)."""
    ran = 0
    for check in SupervisionCheck.objects.filter(scheduled_on__lte=today, run_at__isnull=True).select_related(
        "phase__plan__session", "phase__plan__org"
    ):
        with transaction.atomic():
            if SupervisionCheck.objects.filter(pk=check.pk, run_at__isnull=True).update(run_at=timezone.now()) != 1:
                continue  # another scan took it
            phase, plan = check.phase, check.phase.plan
            checked = lagging = 0
            for a in plan_assignments(plan):
                checked += 1
                why = _lagging(a, phase.focus)
                if not why:
                    continue
                lagging += 1
                try:
                    with transaction.atomic():
                        s = Supervision.objects.create(
                            assignment=a,
                            kind=SupervisionKind.REGULAR,
                            on=today,
                            plan_check=check,
                            org=plan.org,
                            note=f"{plan.name}·第{phase.seq}阶段（{phase.name}）第{check.seq}次检查：{why}",
                        )
                except IntegrityError:
                    continue
                audit_record(
                    actor=None,
                    verb="assignment.supervise",
                    obj=s,
                    proposal_id=a.proposal_id,
                    assignment_id=a.pk,
                    summary=s.note[:300],
                )
                notify(
                    users=_unit_recipients(a, leaders=False),
                    verb="supervise.plan",
                    assignment=a,
                    text=f"【督办检查】{a.proposal.number}号{a.proposal.kind_word}：{s.note}",
                    dedupe_key=f"plan-check:{check.pk}:{a.pk}",
                )
            SupervisionCheck.objects.filter(pk=check.pk).update(checked=checked, lagging=lagging)
            if lagging:
                notify(
                    users=office_people(plan.org),
                    verb="supervise.plan_summary",
                    url=f"/deadlines/plans/{plan.pk}/",
                    text=f"《{plan.name}》第{phase.seq}阶段第{check.seq}次检查：检查{checked}件，滞后{lagging}件。",
                    dedupe_key=f"plan-summary:{check.pk}",
                )
            ran += 1
    return ran


# --- automatic reminders (banli remind) --------------------------------------------------------------


# Overdue reminders go out for due dates passed within this many days; older ones (e.g. a whole
# archive imported from a ledger) stay on the dashboard instead of flooding every inbox at once.
OVERDUE_LOOKBACK_DAYS = 60


def _reminder_kind(due: dt.date, today: dt.date, before_workdays: int) -> str | None:
    if today > due:
        return ReminderKind.OVERDUE if (today - due).days <= OVERDUE_LOOKBACK_DAYS else None
    if today == due:
        return ReminderKind.ON_DAY
    if cal.workdays_between(today, due) <= before_workdays:
        return ReminderKind.BEFORE
    return None


TEXTS = {
    ReminderKind.BEFORE: "【即将到期】{num}号{word}的{due}期限为{date}，还剩{left}个工作日，请抓紧办理。",
    ReminderKind.ON_DAY: "【今日到期】{num}号{word}的{due}期限为今天（{date}），请及时办理。",
    ReminderKind.OVERDUE: "【已逾期】{num}号{word}（{unit}）的{due}期限{date}已过，请尽快办理并说明情况。",
}


class _Batch:
    """What one chunk of the scan needs, loaded in a few queries instead of several per case."""

    def __init__(self, assignments: list[Assignment], people_cache: dict):
        ids = [a.pk for a in assignments]
        self.claimed = set(
            Reminder.objects.filter(assignment__in=ids)
            .exclude(kind=ReminderKind.MANUAL)
            .values_list("assignment_id", "due_kind", "due_date", "kind", "recipient_id")
        )
        self.evaluated = set(Evaluation.objects.filter(assignment__in=ids).values_list("assignment_id", flat=True))

        self.handlers: dict[int, list] = {}
        for t in DeptTask.objects.filter(assignment__in=ids, handler__isnull=False).select_related("handler"):
            self.handlers.setdefault(t.assignment_id, []).append(t.handler)
        self.people = people_cache

    def recipients(self, a: Assignment, due_kind: str, kind: str) -> list:
        if due_kind == DueKind.EVALUATION:
            return [a.proposal.lead.user] if a.proposal.lead.user_id else []
        # Overdue cases reach the unit's leader too; the assigning office gets one daily digest
        # instead of a message per case (see _overdue_digest).
        leaders = kind == ReminderKind.OVERDUE
        key = (a.unit_id, leaders)
        if key not in self.people:
            roles = (Role.UNIT_LIAISON, Role.UNIT_LEADER) if leaders else (Role.UNIT_LIAISON,)
            self.people[key] = list(unit_people(a.unit, *roles))
        return self.people[key] + self.handlers.get(a.pk, [])


def _claim_and_send(a: Assignment, due_kind: str, due: dt.date, kind: str, today: dt.date, batch: _Batch) -> int:
    sent = 0
    for user in dict.fromkeys(batch.recipients(a, due_kind, kind)):
        if user is None or not user.is_active or (a.pk, due_kind, due, kind, user.pk) in batch.claimed:
            continue
        try:
            # The claim: only the scan whose INSERT wins the unique constraint sends this one.
            with transaction.atomic():
                Reminder.objects.create(
                    assignment=a, kind=kind, due_kind=due_kind, due_date=due, recipient=user, sent_on=today
                )
                text = TEXTS[kind].format(
                    num=a.proposal.number,
                    word=a.proposal.kind_word,
                    unit=a.unit.name,
                    due=DueKind(due_kind).label,
                    date=f"{due:%Y-%m-%d}",
                    left=cal.workdays_between(today, due),
                )
                if a.due_provisional:
                    text += "（该期限涉及尚未公布的节假日安排，为暂定日期）"
                notify(
                    users=[user],
                    verb=f"remind.{kind}",
                    assignment=a,
                    text=text,
                    dedupe_key=f"remind:{a.pk}:{due_kind}:{due}:{kind}",
                )
                crash_point("remind.claim")  # claimed and notified, not committed
        except IntegrityError:
            continue
        sent += 1
        crash_point("remind.sent")  # between two committed reminders
    return sent


def remind_scan(*, today: dt.date | None = None, chunk: int = 500) -> dict:
    """Send every reminder due on `today` (before / on / overdue), each exactly once, and run plan checks.

    Safe to run repeatedly and concurrently: each (assignment, due, kind, recipient) is claimed by
    inserting its Reminder row under a unique constraint.
    """
    today = today or timezone.localdate()
    counts = {"assignments": 0, "sent": 0, "checks": 0}
    rules_cache: dict[int, cal.Rules] = {}
    people_cache: dict = {}
    horizon = cal.add_workdays(today, 10)
    oldest = today - dt.timedelta(days=OVERDUE_LOOKBACK_DAYS)
    q = Q(pk__in=[])
    for kind, oq in lights.open_q().items():
        field = lights.DUE_FIELDS[kind]
        q |= oq & Q(**{f"{field}__lte": horizon, f"{field}__gte": oldest})
    evq = Q(
        role__in=DUE_ROLES,
        state=AssignmentState.REPLIED,
        eval_due__isnull=False,
        eval_due__lte=horizon,
        eval_due__gte=today,
    )
    ids = list(Assignment.objects.filter(q | evq).order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), chunk):
        assignments = list(
            Assignment.objects.filter(pk__in=ids[i : i + chunk]).select_related(
                "proposal", "proposal__session__body", "proposal__lead__user", "unit", "assigned_by"
            )
        )
        batch = _Batch(assignments, people_cache)
        for a in assignments:
            body = a.proposal.session.body
            rules = rules_cache.setdefault(body.pk, cal.rules_for(body))
            dues = list(lights.open_dues(a))
            if (
                a.role in DUE_ROLES
                and a.state == AssignmentState.REPLIED
                and a.eval_due
                and a.pk not in batch.evaluated
            ):
                dues.append((DueKind.EVALUATION, a.eval_due))
            touched = False
            for due_kind, due in dues:
                kind = _reminder_kind(due, today, rules.remind_before_workdays)
                if kind is None or (due_kind == DueKind.EVALUATION and kind == ReminderKind.OVERDUE):
                    continue
                n = _claim_and_send(a, due_kind, due, kind, today, batch)
                counts["sent"] += n
                touched = touched or bool(n)
            counts["assignments"] += touched
    counts["digests"] = _overdue_digest(today)
    counts["checks"] = plan_checks_run(today=today)
    return counts


def _overdue_digest(today: dt.date) -> int:
    """One message a day to each assigning office: the cases that became overdue today.

    Counted from the claimed Reminder rows, so concurrent scans agree; deduplicated per office and day.
    """
    rows = (
        Reminder.objects.filter(kind=ReminderKind.OVERDUE, sent_on=today)
        .values_list("assignment__assigned_by", "due_kind", "assignment")
        .distinct()
    )
    per_office: dict[int, dict[str, set]] = {}
    for org_id, due_kind, a_id in rows:
        if org_id:
            per_office.setdefault(org_id, {}).setdefault(due_kind, set()).add(a_id)
    sent = 0
    for org in Org.objects.filter(pk__in=per_office):
        kinds = per_office[org.pk]
        total = len(set().union(*kinds.values()))
        detail = "、".join(f"{DueKind(k).label}{len(v)}件" for k, v in sorted(kinds.items()))
        sent += len(
            notify(
                users=office_people(org),
                verb="remind.overdue_digest",
                url="/deadlines/?status=red",
                text=f"【逾期汇总】{today:%Y-%m-%d} 新增逾期 {total} 件（{detail}），请在“逾期与临期”中查看并督办。",
                dedupe_key=f"overdue-digest:{org.pk}:{today}",
            )
        )
    return sent
