"""我的待办 (issue #13): what each role has to do next, as counts with one-click lists.

Each item is one queryset over the user's own scope. The home page shows `qs.count()` (one query per
item) and the item's list page pages through the very same queryset, so a count never disagrees with
its list. Every row links to the page where the action is taken.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from banli.cases.models import (
    DUE_ROLES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    DeptTask,
    Proposal,
    ProposalStatus,
    Reply,
    ReplyState,
    ReviewState,
)
from banli.cases.selectors import status_q, user_body, user_unit
from banli.deadlines.lights import FINISHED, at_risk_q, red_q
from banli.deadlines.models import Extension, ExtensionState, Supervision
from banli.handling.models import AdjustmentRequest, AdjustmentState, HandlingPlan
from banli.orgs.models import OrgKind, Role
from banli.portal import selectors as portal_sel

S = AssignmentState

# An overdue case is due for 督办 when nobody recorded a supervision of it within this many days.
SUPERVISE_EVERY_DAYS = 7


@dataclass(frozen=True)
class Todo:
    key: str
    label: str
    roles: tuple[str, ...]
    kind: str  # "proposal" or "assignment": what a row of the list is
    query: Callable  # (user, today) -> QuerySet
    url: Callable  # (row) -> the page where the action is taken
    hint: str = ""
    staff: bool = True  # rows open staff pages (traffic lights link to the deadlines page)

    def qs(self, user, today: dt.date) -> QuerySet:
        return self.query(user, today)


def _case(a: Assignment) -> str:
    return reverse("cases:detail", args=[a.proposal_id]) + f"#a{a.pk}"


def _proposal(p: Proposal) -> str:
    return reverse("cases:detail", args=[p.pk])


def _assignments() -> QuerySet[Assignment]:
    return Assignment.objects.select_related("proposal", "proposal__session", "unit").order_by(
        "reply_due", "sign_due", "proposal__number", "pk"
    )


def _proposals() -> QuerySet[Proposal]:
    return Proposal.objects.select_related("session", "lead").order_by("submitted_on", "number", "pk")


# --- scopes ---------------------------------------------------------------------------------------


def _body_proposals(user) -> Q:
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    return Q(session__body=body) if body is not None else Q(pk__in=[])


def _watched(user) -> Q:
    """Assignments an office watches over: the body's top-level ones, a coordinator's subtree."""
    q = Q(pk__in=[])
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    if body is not None:
        q |= Q(proposal__session__body=body, parent__isnull=True)
    if user.has_role(Role.COORDINATOR) and user.org_id:
        q |= Q(unit__path__startswith=user.org.path)
    return q


def _decided_by_me(user) -> Q:
    """Assignments whose assigning office the user acts for (the same rule as
    `banli.cases.selectors.acts_for_office`, as a query): they decide adjustments and extensions."""
    q = Q(pk__in=[])
    body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
    if body is not None:
        q |= Q(assigned_by=body) | Q(assigned_by__isnull=True, proposal__session__body=body)
    if user.has_role(Role.COORDINATOR) and user.org_id:
        q |= Q(assigned_by__kind=OrgKind.COORDINATOR, assigned_by__path__in=user.org.ancestor_paths())
    unit = user_unit(user) if user.has_role(Role.UNIT_LIAISON) else None
    if unit is not None:
        q |= Q(assigned_by=unit)
    return q


def _my_unit(user) -> Q:
    unit = user_unit(user) if user.has_role(Role.UNIT_LIAISON, Role.UNIT_LEADER) else None
    return Q(unit=unit) if unit is not None else Q(pk__in=[])


def _replies(*states, **kw) -> Exists:
    return Exists(Reply.objects.filter(assignment=OuterRef("pk"), state__in=states, **kw))


# --- the items ------------------------------------------------------------------------------------


def _to_review(user, today):
    return _proposals().filter(_body_proposals(user), review_state=ReviewState.SUBMITTED)


def _to_assign(user, today):
    return _proposals().filter(_body_proposals(user), status_q(ProposalStatus.TO_ASSIGN))


def _adjust_pending(user, today):
    pending = AdjustmentRequest.objects.filter(assignment=OuterRef("pk"), state=AdjustmentState.PENDING)
    return _assignments().filter(_decided_by_me(user), Exists(pending), state=S.ADJUSTMENT_REQUESTED)


def _extension_pending(user, today):
    pending = Extension.objects.filter(assignment=OuterRef("pk"), state=ExtensionState.PENDING)
    return _assignments().filter(_decided_by_me(user), Exists(pending))


def _due_soon(user, today):
    return _assignments().filter(_watched(user)).filter(at_risk_q(today) & ~red_q(today))


def _overdue(user, today):
    return _assignments().filter(_watched(user)).filter(red_q(today))


def _supervise_due(user, today):
    recent = Supervision.objects.filter(
        assignment=OuterRef("pk"), on__gte=today - dt.timedelta(days=SUPERVISE_EVERY_DAYS)
    )
    scope = Q(unit__path__startswith=user.org.path) if user.org_id else Q(pk__in=[])
    return _assignments().filter(scope).filter(red_q(today)).exclude(Exists(recent))


def _to_sign(user, today):
    return _assignments().filter(_my_unit(user), state=S.PENDING_SIGN)


def _to_plan(user, today):
    distributed = HandlingPlan.objects.filter(assignment=OuterRef("pk"), distributed_at__isnull=False)
    return _assignments().filter(_my_unit(user), state=S.HANDLING, role__in=DUE_ROLES).exclude(Exists(distributed))


def _to_reply(user, today):
    waiting = Q(state__in=(S.HANDLING, S.REHANDLING)) | Q(state=S.IN_REVIEW) & _replies(ReplyState.APPROVED)
    return _assignments().filter(_my_unit(user), waiting, role__in=DUE_ROLES)


def _to_opinion(user, today):
    return _assignments().filter(_my_unit(user), role=AssignmentRole.CO, state=S.HANDLING)


def _returned(user, today):
    return _assignments().filter(_my_unit(user), _replies(ReplyState.DRAFT, return_comment__gt=""))


def _awaiting_evaluation(user, today):
    return _assignments().filter(_my_unit(user), state=S.REPLIED, role__in=DUE_ROLES, parent__isnull=True)


def _to_approve(user, today):
    return _assignments().filter(_my_unit(user), _replies(ReplyState.IN_REVIEW))


def _led_by_me(user, today):
    return _assignments().filter(plan__responsible_leader=user).exclude(state__in=FINISHED)


def _my_tasks(user, today):
    mine = DeptTask.objects.filter(Q(dept=user.org_id) | Q(handler=user), assignment=OuterRef("pk"))
    return _assignments().filter(Exists(mine), state__in=(S.HANDLING, S.REHANDLING, S.IN_REVIEW))


def _proposer_to_evaluate(user, today):
    return portal_sel.assignments_to_evaluate(user).select_related("proposal", "proposal__session", "unit")


def _proposer_replies(user, today):
    return portal_sel.assignments_replied(user).select_related("proposal", "proposal__session", "unit")


def _reply_page(a: Assignment) -> str:
    return reverse("handling:reply", args=[a.pk])


OFFICE = (Role.BODY_STAFF, Role.COORDINATOR)
UNIT_WORK = (Role.UNIT_LIAISON,)

TODOS: tuple[Todo, ...] = (
    Todo("review", "待审查", (Role.BODY_STAFF,), "proposal", _to_review, _proposal, "立案审查"),
    Todo("assign", "待交办", (Role.BODY_STAFF,), "proposal", _to_assign, _proposal, "已立案，尚未交办"),
    Todo(
        "adjust",
        "调整申请待审批",
        OFFICE + (Role.UNIT_LIAISON,),
        "assignment",
        _adjust_pending,
        _case,
        "承办单位申请调整",
    ),
    Todo(
        "extension",
        "延期申请待审批",
        OFFICE + (Role.UNIT_LIAISON,),
        "assignment",
        _extension_pending,
        lambda a: reverse("deadlines:assignment", args=[a.pk]),
        "承办单位申请延期",
    ),
    Todo("due_soon", "即将逾期", OFFICE, "assignment", _due_soon, _case, "3个工作日内到期"),
    Todo("overdue", "已逾期", OFFICE, "assignment", _overdue, _case, "已过期限仍未办理"),
    Todo(
        "supervise",
        "待督办",
        (Role.COORDINATOR,),
        "assignment",
        _supervise_due,
        lambda a: reverse("deadlines:assignment", args=[a.pk]),
        f"已逾期且{SUPERVISE_EVERY_DAYS}天内未督办",
    ),
    Todo("sign", "待签收", UNIT_WORK, "assignment", _to_sign, _case, "签收或申请调整"),
    Todo(
        "plan",
        "待制定方案",
        UNIT_WORK,
        "assignment",
        _to_plan,
        lambda a: reverse("handling:plan", args=[a.pk]),
        "已签收，尚未分办",
    ),
    Todo("reply", "待答复", UNIT_WORK, "assignment", _to_reply, _reply_page, "起草或发出答复"),
    Todo(
        "opinion",
        "会办意见待提交",
        UNIT_WORK,
        "assignment",
        _to_opinion,
        lambda a: reverse("handling:co_opinion", args=[a.pk]),
        "向主办单位提交会办意见",
    ),
    Todo("returned", "被退回", UNIT_WORK, "assignment", _returned, _reply_page, "答复稿被退回修改"),
    Todo("evaluation", "待评价反馈", UNIT_WORK, "assignment", _awaiting_evaluation, _case, "已答复，等待代表委员评价"),
    Todo("approve", "待签发", (Role.UNIT_LEADER,), "assignment", _to_approve, _case, "答复稿待领导签发"),
    Todo("led", "领办件", (Role.UNIT_LEADER,), "assignment", _led_by_me, _case, "由我领办的在办件"),
    Todo("tasks", "分办给我的任务", (Role.HANDLER,), "assignment", _my_tasks, _case, "本处室承办的在办件"),
    Todo(
        "to_evaluate",
        "待评价",
        (Role.PROPOSER,),
        "assignment",
        _proposer_to_evaluate,
        lambda a: reverse("portal:evaluate", args=[a.pk]),
        "请对答复进行评价",
        staff=False,
    ),
    Todo(
        "replies",
        "收到的答复",
        (Role.PROPOSER,),
        "assignment",
        _proposer_replies,
        lambda a: reverse("portal:proposal", args=[a.proposal_id]) + f"#a{a.pk}",
        "承办单位已答复",
        staff=False,
    ),
)
BY_KEY = {t.key: t for t in TODOS}


def todos_for(user) -> list[Todo]:
    """The items the user's roles call for, in the order of TODOS."""
    return [t for t in TODOS if user.has_role(*t.roles)]


def todo_counts(user, today: dt.date | None = None) -> list[tuple[Todo, int]]:
    """(item, count) for each of the user's items: one COUNT query each."""
    today = today or timezone.localdate()
    return [(t, t.qs(user, today).count()) for t in todos_for(user)]


def todo_get(user, key: str) -> Todo | None:
    t = BY_KEY.get(key)
    return t if t is not None and user.has_role(*t.roles) else None
