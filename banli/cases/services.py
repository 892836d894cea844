"""Writes on proposals and assignments. Each action: permission, guard, write, audit — one transaction."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from banli.audit.services import audit_record
from banli.errors import Conflict, DomainError, NotFound
from banli.formatting import cn_date
from banli.notify.services import notify
from banli.orgs.models import BODY_KINDS, Org, OrgKind, Role
from banli.security.uploads import validate_upload  # type by content, zip bombs, traversal (SPEC §13)
from banli.web.once import claim_once

from . import deadlines
from .lifecycle import ASSIGNMENT, REVIEW
from .models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Attachment,
    Channel,
    JointKind,
    Proposal,
    Proposer,
    ProposerKind,
    ReviewState,
    Session,
)
from .selectors import (
    access_attachment,
    assignment_scope_q,
    can_see_internal,
    proposal_scope_q,
    unit_people,
    user_body,
    user_unit,
)


def today() -> dt.date:
    return timezone.localdate()


# --- permissions -------------------------------------------------------------------------------


def is_body_staff_of(user, body: Org) -> bool:
    return user.has_role(Role.BODY_STAFF) and user_body(user) is not None and user_body(user).pk == body.pk


def _require_body_staff(user, session: Session) -> None:
    if not is_body_staff_of(user, session.body):
        raise NotFound()


def _require_visible(user, proposal: Proposal) -> None:
    if not Proposal.objects.filter(proposal_scope_q(user), pk=proposal.pk).exists():
        raise NotFound()


def _check_version(obj, version: int | None) -> None:
    if version is not None and int(version) != obj.version:
        raise Conflict("该记录已被他人修改，请刷新页面查看最新内容后再提交。您填写的内容未保存，请先复制备份。")


# --- sessions and proposers --------------------------------------------------------------------


def session_create(
    *, actor=None, code: str, name: str, body: Org, year: int, start_date=None, end_date=None
) -> Session:
    if body.kind not in BODY_KINDS:
        raise DomainError(f"“{body.name}”不是人大或政协机构，不能设立届次会议。", field="body")
    if Session.objects.filter(code=code).exists():
        raise DomainError(f"届次代码“{code}”已存在。", field="code")
    with transaction.atomic():
        s = Session.objects.create(
            code=code, name=name, body=body, year=year, start_date=start_date, end_date=end_date
        )
        audit_record(
            actor=actor,
            verb="session.create",
            obj=s,
            new={"code": code, "name": name, "body": body.name, "year": year},
        )
    return s


def proposer_get_or_create(*, body: Org, name: str, kind: str | None = None, group: str = "") -> Proposer:
    name = name.strip()
    p = Proposer.objects.filter(body=body, name=name).first()
    if p:
        return p
    if kind is None:
        collective_words = (
            "委员会",
            "工会",
            "民盟",
            "民建",
            "民进",
            "农工",
            "致公",
            "九三",
            "台盟",
            "民革",
            "团",
            "联合会",
            "界",
            "小组",
            "代表团",
            "妇联",
            "侨联",
            "工商联",
            "科协",
        )
        kind = (
            ProposerKind.COLLECTIVE
            if any(w in name for w in collective_words) and len(name) > 4
            else ProposerKind.INDIVIDUAL
        )
    return Proposer.objects.create(body=body, name=name, kind=kind, group=group)


# --- registration and review -------------------------------------------------------------------


def next_number(session: Session) -> str:
    prefix = str(session.year)
    nums = Proposal.objects.filter(session=session, number__startswith=prefix).values_list("number", flat=True)
    best = 0
    for n in nums:
        tail = n[len(prefix) :]
        if tail.isdigit():
            best = max(best, int(tail))
    return f"{prefix}{best + 1:04d}"


PROPOSAL_FIELDS = ("number", "title", "content", "kind", "channel", "joint_kind", "group", "topic", "submitted_on")


def _extension(name: str) -> str:
    """A file's type for the audit log (its name can carry personal data: 张三身份证.jpg)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in (name or "") else ""
    return ext[:10] or "无扩展名"


def proposal_snapshot(p: Proposal) -> dict:
    d = {f: getattr(p, f) for f in PROPOSAL_FIELDS}
    d |= {"lead": p.lead.name, "review_state": p.review_state, "is_key": p.is_key, "key_leader": p.key_leader}
    return d


def joint_kind_for(lead: Proposer, cosigners) -> str:
    """个人, 联名 or 集体, from the lead and whether anyone co-signs."""
    if lead.kind == ProposerKind.COLLECTIVE:
        return JointKind.COLLECTIVE
    return JointKind.JOINT if cosigners else JointKind.INDIVIDUAL


def proposal_create(
    *,
    actor,
    session: Session,
    title: str,
    lead: Proposer,
    content: str = "",
    number: str | None = None,
    cosigners: Sequence[Proposer] = (),
    channel: str = Channel.PLENARY,
    joint_kind: str | None = None,
    group: str = "",
    topic: str = "",
    submitted_on: dt.date | None = None,
    summary: str = "",
) -> Proposal:
    """Create one proposal: the rules every channel shares, the review lifecycle's start (待审查),
    the number (the next free one unless given; unique in the session) and the audit event.

    The one constructor of a Proposal. The staff registration form (`proposal_register`, via
    `proposal_intake`) and the portal's submission (`banli.portal.services.proposal_submit`) call
    it; the ledger's writer must use it too. The caller checks who may act, holds the transaction
    and adds its own channel's rules (the portal requires content; staff may register a title only)."""
    title = (title or "").strip()
    if not title:
        raise DomainError("请填写标题。", field="title")
    if len(title) > 300:
        raise DomainError("标题不能超过300字。", field="title")
    if lead.body_id != session.body_id:
        raise DomainError("领衔人不属于本届会议所在的人大/政协。", field="lead")
    number = (number or "").strip() or next_number(session)
    if Proposal.objects.filter(session=session, number=number).exists():
        raise DomainError(f"编号 {number} 在本届会议中已被使用。", field="number")
    cosigners = [c for c in cosigners if c.pk != lead.pk]
    p = Proposal.objects.create(
        **REVIEW.start(),
        session=session,
        number=number,
        title=title,
        content=content,
        kind=session.proposal_kind,
        channel=channel,
        lead=lead,
        joint_kind=joint_kind or joint_kind_for(lead, cosigners),
        group=group or lead.group,
        topic=topic,
        submitted_on=submitted_on or today(),
        created_by=actor,
    )
    if cosigners:
        p.cosigners.set(cosigners)
    audit_record(
        actor=actor,
        verb="proposal.register",
        obj=p,
        proposal_id=p.pk,
        summary=summary or f"登记 {number}",
        new={**proposal_snapshot(p), "cosigners": [c.name for c in cosigners], "session": session.code},
    )
    return p


def proposal_register(
    *,
    actor,
    session: Session,
    title: str,
    lead: Proposer,
    content: str = "",
    number: str | None = None,
    cosigners: Sequence[Proposer] = (),
    channel: str = Channel.PLENARY,
    joint_kind: str | None = None,
    group: str = "",
    topic: str = "",
    submitted_on: dt.date | None = None,
) -> Proposal:
    """Register a proposal in a session (body staff). Starts at 待审查 (see `proposal_create`)."""
    _require_body_staff(actor, session)
    with transaction.atomic():
        p = proposal_create(
            actor=actor,
            session=session,
            title=title,
            lead=lead,
            content=content,
            number=number,
            cosigners=cosigners,
            channel=channel,
            joint_kind=joint_kind,
            group=group,
            topic=topic,
            submitted_on=submitted_on,
        )
    return p


def proposal_update(*, actor, proposal: Proposal, version: int | None, **fields) -> Proposal:
    """Edit a proposal's registration data (body staff), with an optimistic version check."""
    _require_body_staff(actor, proposal.session)
    with transaction.atomic():
        p = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _check_version(p, version)
        old = proposal_snapshot(p)
        cosigners = fields.pop("cosigners", None)
        number = fields.get("number", p.number)
        if number != p.number and Proposal.objects.filter(session=p.session, number=number).exclude(pk=p.pk).exists():
            raise DomainError(f"编号 {number} 在本届会议中已被使用。", field="number")
        for k, v in fields.items():
            if k not in PROPOSAL_FIELDS and k != "lead":
                raise DomainError(f"不能修改字段 {k}。")
            setattr(p, k, v)
        p.version = F("version") + 1
        p.save()
        p.refresh_from_db()
        if cosigners is not None:
            p.cosigners.set([c for c in cosigners if c.pk != p.lead_id])
        audit_record(
            actor=actor,
            verb="proposal.update",
            obj=p,
            proposal_id=p.pk,
            summary="修改登记信息",
            old=old,
            new=proposal_snapshot(p),
        )
    return p


def proposal_review(
    *,
    actor,
    proposal: Proposal,
    decision: str,
    reason: str = "",
    merge_into: Proposal | None = None,
    version: int | None = None,
    once: str | None = None,
) -> Proposal:
    """Review (立案审查): accept, not accept with a reason, or merge into another proposal of the session."""
    _require_body_staff(actor, proposal.session)
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        p = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _check_version(p, version)
        REVIEW.check(p.review_state, decision, action=f"改为“{REVIEW.label(decision)}”")
        active = p.assignments.exclude(state=AssignmentState.WITHDRAWN)
        if decision != ReviewState.ACCEPTED and active.exists():
            raise DomainError("该件已交办，不能再改为不予立案或并案；请先撤回交办。")
        old = {"review_state": p.review_state, "review_reason": p.review_reason}
        if decision == ReviewState.NOT_ACCEPTED and not reason.strip():
            raise DomainError("不予立案须填写理由（将告知提出人）。", field="reason")
        if decision == ReviewState.MERGED:
            if merge_into is None:
                raise DomainError("请选择并入的建议/提案编号。", field="merge_into")
            if merge_into.pk == p.pk or merge_into.session_id != p.session_id:
                raise DomainError("只能并入本届会议的另一件建议/提案。", field="merge_into")
            if merge_into.review_state in (ReviewState.MERGED, ReviewState.NOT_ACCEPTED):
                raise DomainError(
                    f"编号 {merge_into.number} 本身已{merge_into.get_review_state_display()}，不能作为并案主件。",
                    field="merge_into",
                )
            p.merged_into = merge_into
        REVIEW.move(p, decision, action=f"改为“{REVIEW.label(decision)}”")
        p.review_reason = reason.strip()
        p.version = F("version") + 1
        p.save()
        p.refresh_from_db()
        summary = {
            ReviewState.ACCEPTED: "立案",
            ReviewState.NOT_ACCEPTED: "不予立案",
            ReviewState.MERGED: f"并入 {merge_into.number if merge_into else ''}",
        }[decision]
        audit_record(
            actor=actor,
            verb="proposal.review",
            obj=p,
            proposal_id=p.pk,
            summary=summary,
            old=old,
            new={
                "review_state": p.review_state,
                "review_reason": p.review_reason,
                "merged_into": merge_into.number if merge_into else None,
            },
        )
        if merge_into is not None:
            audit_record(
                actor=actor,
                verb="proposal.merge_received",
                obj=merge_into,
                proposal_id=merge_into.pk,
                summary=f"{p.number} 并入本件",
            )
    return p


def proposal_set_key(
    *,
    actor,
    proposal: Proposal,
    is_key: bool,
    leader: str = "",
    plan: str = "",
    is_hard: bool | None = None,
    is_showcase: bool | None = None,
    once: str | None = None,
) -> Proposal:
    """Mark or unmark a key proposal (重点), with the leader who leads or supervises it."""
    _require_body_staff(actor, proposal.session)
    if is_key and not leader.strip():
        raise DomainError("重点建议/提案须填写领衔督办领导。", field="leader")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        p = Proposal.objects.select_for_update().get(pk=proposal.pk)
        old = {
            "is_key": p.is_key,
            "key_leader": p.key_leader,
            "key_plan": p.key_plan,
            "is_hard": p.is_hard,
            "is_showcase": p.is_showcase,
        }
        p.is_key, p.key_leader, p.key_plan = is_key, leader.strip() if is_key else "", plan.strip() if is_key else ""
        if is_hard is not None:
            p.is_hard = is_hard
        if is_showcase is not None:
            p.is_showcase = is_showcase
        p.version = F("version") + 1
        p.save()
        p.refresh_from_db()
        new = {
            "is_key": p.is_key,
            "key_leader": p.key_leader,
            "key_plan": p.key_plan,
            "is_hard": p.is_hard,
            "is_showcase": p.is_showcase,
        }
        audit_record(
            actor=actor,
            verb="proposal.set_key",
            obj=p,
            proposal_id=p.pk,
            summary="设为重点" if is_key else "修改标记",
            old=old,
            new=new,
        )
    return p


# --- assignment (交办) ---------------------------------------------------------------------------


def check_roles(roles: Iterable[str]) -> None:
    """SPEC §3: at most one lead; co only beside a lead; sole is alone."""
    c = Counter(roles)
    if c[AssignmentRole.LEAD] > 1:
        raise DomainError("只能有一个主办单位。", field="units")
    if c[AssignmentRole.CO] and not c[AssignmentRole.LEAD]:
        raise DomainError("有会办单位时必须指定一个主办单位。", field="units")
    if c[AssignmentRole.SOLE] and sum(c.values()) > 1:
        raise DomainError("承办（单独承办）只能交给一个单位，不能与其他单位同时交办。", field="units")


def assignable_units(actor, proposal: Proposal, parent: Assignment | None = None):
    """The units `actor` may assign this proposal to (empty if they may not assign it at all)."""
    units = Org.objects.filter(kind=OrgKind.UNIT, is_active=True)
    if parent is not None:
        # A district sub-assigns to its own units, one level down.
        unit = user_unit(actor)
        if not (actor.has_role(Role.UNIT_LIAISON) and unit and unit.pk == parent.unit_id):
            return units.none()
        return units.filter(path__startswith=parent.unit.path, depth=parent.unit.depth + 1)
    if is_body_staff_of(actor, proposal.session.body):
        return units
    if (
        actor.has_role(Role.COORDINATOR)
        and actor.org_id
        and Proposal.objects.filter(proposal_scope_q(actor), pk=proposal.pk).exists()
    ):
        return units.filter(path__startswith=actor.org.path)
    return units.none()


def assignment_new(
    *,
    actor,
    proposal: Proposal,
    unit: Org,
    role: str,
    assigned_by: Org,
    on: dt.date,
    parent: Assignment | None = None,
    summary: str = "",
) -> Assignment:
    """Create one assignment: the lifecycle's start (待签收), the due dates of SPEC §3, the audit event.

    The one constructor of an Assignment. `assignment_create` (case page 交办 and a district's
    sub-assignment) checks scope and the role rules and calls it per unit; an approved adjustment
    (改交) calls it for the new unit; the ledger's writer must use it too. The caller holds the
    transaction and has checked the rules."""
    a = Assignment.objects.create(
        **ASSIGNMENT.start(),
        proposal=proposal,
        unit=unit,
        role=role,
        parent=parent,
        assigned_by=assigned_by,
        assigned_on=on,
        **deadlines.assignment_due_dates(on, role=role, body=proposal.session.body, proposal=proposal, parent=parent),
    )
    audit_record(
        actor=actor,
        verb="assignment.create",
        obj=a,
        proposal_id=proposal.pk,
        assignment_id=a.pk,
        summary=summary or f"交办{unit.name}（{a.get_role_display()}）",
        new={
            "unit": unit.name,
            "role": role,
            "state": a.state,
            "assigned_on": on,
            "sign_due": a.sign_due,
            "reply_due": a.reply_due,
            "parent": parent.pk if parent else None,
        },
    )
    return a


def assignment_create(
    *,
    actor,
    proposal: Proposal,
    units: Sequence[tuple[Org, str]],
    assigned_on: dt.date | None = None,
    parent: Assignment | None = None,
    once: str | None = None,
) -> list[Assignment]:
    """Assign (交办) an accepted proposal to units, each with a role; or sub-assign under `parent`."""
    if parent is None:
        _require_visible(actor, proposal)
    else:
        if not Assignment.objects.filter(assignment_scope_q(actor), pk=parent.pk).exists():
            raise NotFound()
    allowed = assignable_units(actor, proposal, parent)
    if not allowed.exists():
        raise DomainError("您无权交办该件。")
    if not units:
        raise DomainError("请至少选择一个承办单位。", field="units")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        p = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if p.review_state != ReviewState.ACCEPTED:
            raise DomainError(f"该件为“{p.get_review_state_display()}”，立案后才能交办。")
        if parent is not None and parent.state in (AssignmentState.WITHDRAWN, AssignmentState.CLOSED):
            raise DomainError("上级交办已撤回或办结，不能再分解交办。")
        siblings = p.assignments.exclude(state=AssignmentState.WITHDRAWN).filter(parent=parent)
        existing_units = set(siblings.values_list("unit_id", flat=True))
        allowed_ids = set(allowed.filter(pk__in=[u.pk for u, _ in units]).values_list("pk", flat=True))
        seen = set()
        for unit, role in units:
            if role not in AssignmentRole.values:
                raise DomainError(f"办理方式“{role}”无效，应为主办、会办、分办或承办。", field="units")
            if unit.pk not in allowed_ids:
                raise DomainError(f"不能交办给“{unit.name}”（不在您可交办的单位范围内）。", field="units")
            if unit.pk in existing_units or unit.pk in seen:
                raise DomainError(f"“{unit.name}”已在交办单位中。", field="units")
            if parent is not None and unit.pk == parent.unit_id:
                raise DomainError("不能分解交办给本单位自己。", field="units")
            seen.add(unit.pk)
        check_roles(list(siblings.values_list("role", flat=True)) + [r for _, r in units])
        on = assigned_on or today()
        _check_assigned_on(on, p, parent)
        assigning_org = (
            parent.unit
            if parent is not None
            else (user_body(actor) if is_body_staff_of(actor, p.session.body) else actor.org)
        )
        created = [
            assignment_new(
                actor=actor, proposal=p, unit=unit, role=role, assigned_by=assigning_org, on=on, parent=parent
            )
            for unit, role in units
        ]
        for a in created:
            _notify_assigned(a)
    return created


def _notify_assigned(a: Assignment) -> None:
    """The unit's liaisons hear of a new case (交办 promises “单位将收到签收通知”), opening the case
    page where 签收 and 申请调整 are."""
    word = a.proposal.kind_word
    if a.role == AssignmentRole.CO:
        what = f"会办请求：{a.proposal.number}号{word}《{a.proposal.title}》"
        then = f"，请签收并于{cn_date(a.opinion_due)}前向主办单位提交会办意见" if a.opinion_due else "，请签收"
    else:
        what = f"新交办（{a.get_role_display()}）：{a.proposal.number}号{word}《{a.proposal.title}》"
        then = f"，请于{cn_date(a.sign_due)}前签收" if a.sign_due else "，请签收"
    notify(
        users=unit_people(a.unit, Role.UNIT_LIAISON),
        verb="assignment.create",
        text=what + then,
        url=reverse("cases:detail", args=[a.proposal_id]) + f"#a{a.pk}",
        assignment=a,
        dedupe_key=f"assigned:{a.pk}",
    )


def _check_assigned_on(on: dt.date, p: Proposal, parent: Assignment | None) -> None:
    """交办日期 against the case's own dates: not before the proposal was submitted, and a
    sub-assignment not before the assignment it is split from. (The form refuses a future date.)"""
    if p.submitted_on and on < p.submitted_on:
        raise DomainError(f"交办日期不能早于提交日期（{cn_date(p.submitted_on)}）。", field="assigned_on")
    if parent is not None and on < parent.assigned_on:
        raise DomainError(f"交办日期不能早于上级交办日期（{cn_date(parent.assigned_on)}）。", field="assigned_on")


def assignment_withdraw(*, actor, assignment: Assignment, reason: str, once: str | None = None) -> Assignment:
    """Withdraw an assignment that has not been signed yet (nothing is deleted)."""
    p = assignment.proposal
    if not assignable_units(actor, p, assignment.parent).filter(pk=assignment.unit_id).exists():
        raise NotFound()
    if not reason.strip():
        raise DomainError("撤回交办须填写理由。", field="reason")
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        a = Assignment.objects.select_for_update().get(pk=assignment.pk)
        # Withdrawal follows the assignment lifecycle like every other move (unsigned assignments only).
        hint = "" if a.state == AssignmentState.WITHDRAWN else "（单位已签收，不能撤回；请走调整流程）"
        ASSIGNMENT.check(a.state, AssignmentState.WITHDRAWN, action=f"撤回交办{hint}")
        remaining = p.assignments.exclude(state=AssignmentState.WITHDRAWN).filter(parent=a.parent).exclude(pk=a.pk)
        check_roles(remaining.values_list("role", flat=True))
        old_state, new_state = ASSIGNMENT.move(a, AssignmentState.WITHDRAWN, action="撤回交办")
        a.version = F("version") + 1
        a.save()
        audit_record(
            actor=actor,
            verb="assignment.withdraw",
            obj=a,
            proposal_id=p.pk,
            assignment_id=a.pk,
            # The reason is kept (it is stored nowhere else and the case history shows it); it is the
            # office's own note on the assignment, masked for personal data, and the auditor's page
            # does not show it (banli.audit.redact.LEGACY_FREE_TEXT_VERBS).
            summary=f"撤回交办：{reason.strip()}",
            old={"state": old_state},
            new={"state": new_state},
        )
    a.refresh_from_db()
    return a


# --- registration from the form ----------------------------------------------------------------

NAME_SEPARATORS = re.compile(r"[、，,；;\s]+")


def split_names(text: str) -> list[str]:
    """Co-signer names as typed: separated by 、 ， , ； or spaces; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for n in NAME_SEPARATORS.split(text or ""):
        n = n.strip()
        if n:
            seen.setdefault(n, None)
    return list(seen)


def proposal_intake(
    *,
    actor,
    session: Session,
    title: str,
    lead_name: str,
    cosigner_names: Sequence[str] = (),
    files: Sequence = (),
    once: str = "",
    **fields,
) -> Proposal:
    """Register a proposal as typed on the registration form, all or nothing.

    Proposers named but not yet known to the body are created; attachments are stored. Any
    refusal (duplicate number, oversize file …) leaves no proposal, proposer or attachment row.
    `once` is the form's one-time token: a double-clicked or replayed submit registers once
    (the second raises AlreadySubmitted).
    """
    _require_body_staff(actor, session)
    lead_name = (lead_name or "").strip()
    if not lead_name:
        raise DomainError("请填写领衔人。", field="lead")
    for f in files:
        _check_upload(f)
    try:
        with transaction.atomic(durable=True):
            claim_once(actor, once)
            lead = proposer_get_or_create(body=session.body, name=lead_name)
            cosigners = [proposer_get_or_create(body=session.body, name=n) for n in cosigner_names if n != lead_name]
            p = proposal_register(actor=actor, session=session, title=title, lead=lead, cosigners=cosigners, **fields)
            for f in files:
                attachment_add(actor=actor, proposal=p, file=f)
    except IntegrityError:
        # Two clerks took the same number at the same moment.
        raise DomainError("编号已被同时登记的另一件占用，请重新提交。", field="number")
    return p


def proposal_edit(
    *,
    actor,
    proposal: Proposal,
    version: int | None,
    lead_name: str,
    cosigner_names: Sequence[str] = (),
    once: str | None = None,
    **fields,
) -> Proposal:
    """Correct a proposal's registration data as typed on the edit form, all or nothing
    (new proposer names are created; a stale form is refused by the version check)."""
    _require_body_staff(actor, proposal.session)
    lead_name = (lead_name or "").strip()
    if not lead_name:
        raise DomainError("请填写领衔人。", field="lead")
    if "title" in fields and not (fields["title"] or "").strip():
        raise DomainError("请填写标题。", field="title")
    body = proposal.session.body
    try:
        with transaction.atomic(durable=True):
            claim_once(actor, once)
            lead = proposer_get_or_create(body=body, name=lead_name)
            cosigners = [proposer_get_or_create(body=body, name=n) for n in cosigner_names if n != lead_name]
            if not (fields.get("number") or "").strip():
                fields.pop("number", None)
            fields["group"] = (fields.get("group") or "").strip() or lead.group
            fields["joint_kind"] = joint_kind_for(lead, cosigners)
            return proposal_update(
                actor=actor, proposal=proposal, version=version, lead=lead, cosigners=cosigners, **fields
            )
    except IntegrityError:
        raise DomainError("编号已被同时登记的另一件占用，请换一个编号。", field="number")


# --- attachments -------------------------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _check_upload(file) -> None:
    size = getattr(file, "size", None) or 0
    name = getattr(file, "name", "") or ""
    if size <= 0:
        raise DomainError(f"附件“{name}”是空文件。", field="attachments")
    if size > MAX_ATTACHMENT_BYTES:
        raise DomainError(f"附件“{name}”超过 20 MB，请压缩或拆分后上传。", field="attachments")


def _clean_filename(name: str) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "附件"


def can_add_attachment(actor, proposal: Proposal, assignment: Assignment | None = None) -> bool:
    if assignment is None:
        return is_body_staff_of(actor, proposal.session.body)
    return can_see_internal(actor, assignment)


def attachment_add(
    *, actor, proposal: Proposal, file, assignment: Assignment | None = None, reply=None, contact=None
) -> Attachment:
    """Store an uploaded file with a case (20 MB at most). Proposal-level files: body staff;
    files of an assignment's work: those who see its internal work."""
    _require_visible(actor, proposal)
    owner = (
        assignment
        or (reply.assignment if reply is not None else None)
        or (contact.assignment if contact is not None else None)
    )
    if owner is not None and owner.proposal_id != proposal.pk:
        raise NotFound()
    if not can_add_attachment(actor, proposal, owner):
        raise DomainError("您无权为该件上传附件。")
    _check_upload(file)

    name, content_type = validate_upload(file)
    with transaction.atomic():
        att = Attachment(
            proposal=proposal,
            assignment=assignment,
            reply=reply,
            contact=contact,
            name=name,
            size=file.size,
            content_type=content_type,
            uploaded_by=actor,
        )
        att.file.save(name, file, save=False)
        att.save()
        audit_record(
            actor=actor,
            verb="attachment.add",
            obj=att,
            proposal_id=proposal.pk,
            assignment_id=owner.pk if owner else None,
            summary=f"上传附件（{_extension(name)}）",
            new={"type": _extension(name), "size": att.size},
        )
    return att


def attachments_add(*, actor, proposal: Proposal, files: Sequence, once: str | None = None) -> list[Attachment]:
    """Upload files to a proposal from the case page, all or none (`attachment_add` each)."""
    with transaction.atomic(durable=True):
        claim_once(actor, once)
        return [attachment_add(actor=actor, proposal=proposal, file=f) for f in files]


def attachment_download(*, actor, attachment_id) -> Attachment:
    """The attachment if `actor` may download it (NotFound otherwise), with the download audited."""
    att = access_attachment(actor, attachment_id)
    with transaction.atomic():
        audit_record(
            actor=actor,
            verb="attachment.download",
            obj=att,
            proposal_id=att.proposal_id,
            assignment_id=att.assignment_id,
            summary=f"下载附件（{_extension(att.name)}）",
        )
    return att


# --- what the case page offers -----------------------------------------------------------------


def review_choices(actor, proposal: Proposal) -> set[str]:
    """Review decisions `actor` may take on this proposal now (empty: show no review form)."""
    if not is_body_staff_of(actor, proposal.session.body):
        return set()
    choices = set(REVIEW.transitions.get(proposal.review_state, set()))
    if (
        proposal.review_state == ReviewState.ACCEPTED
        and proposal.assignments.exclude(state=AssignmentState.WITHDRAWN).exists()
    ):
        choices -= {ReviewState.MERGED, ReviewState.NOT_ACCEPTED}
    return choices


def can_withdraw(actor, assignment: Assignment) -> bool:
    if not ASSIGNMENT.allows(assignment.state, AssignmentState.WITHDRAWN):
        return False
    return assignable_units(actor, assignment.proposal, assignment.parent).filter(pk=assignment.unit_id).exists()
