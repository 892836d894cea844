"""Reads for deadlines and supervision, always through the case scope selectors."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from banli.cases.models import Assignment, AssignmentState, Proposal
from banli.cases.selectors import (
    access_through_assignment,
    assignment_scope_q,
    assignments_visible_to,
    parse_id,
    proposals_visible_to,
    unit_people,
    user_body,
)
from banli.errors import NotFound
from banli.orgs.models import Org, OrgKind, Role
from banli.orgs.roles import OFFICES, OVERSEERS, UNIT_MANAGERS

from . import lights
from .models import Extension, ExtensionState, Supervision, SupervisionPlan

SUPERVISOR_ROLES = OFFICES
DASHBOARD_ROLES = OVERSEERS


def can_supervise(user, assignment: Assignment) -> bool:
    """Body staff and coordinators may remind and supervise the assignments in their scope."""
    if not user.has_role(*SUPERVISOR_ROLES):
        return False
    q = Q(pk__in=[])
    if user.has_role(Role.BODY_STAFF):
        body = user_body(user)
        if body is not None:
            q |= Q(proposal__session__body=body)
    if user.has_role(Role.COORDINATOR) and user.org_id:
        q |= Q(unit__path__startswith=user.org.path)
    return Assignment.objects.filter(q, pk=assignment.pk).exists()


def is_unit_staff(user, assignment: Assignment) -> bool:
    """The assigned unit's liaison or leader (who request extensions)."""
    if not user.has_role(*UNIT_MANAGERS):
        return False
    return unit_people(assignment.unit, Role.UNIT_LIAISON, Role.UNIT_LEADER).filter(pk=user.pk).exists()


def dashboard_assignments(
    user, *, today: dt.date, status: str = "risk", session=None, unit=None, due_kind: str = "", key_only: bool = False
) -> QuerySet[Assignment]:
    """Assignments in `user`'s scope filtered by light status (SQL over the stored due dates).

    status: "red" overdue, "yellow" at risk only, "risk" (red + yellow), "late" did something
    late in the past, "open" every open assignment.
    """
    qs = assignments_visible_to(user).exclude(state=AssignmentState.WITHDRAWN)
    if status == "red":
        qs = qs.filter(lights.red_q(today))
    elif status == "yellow":
        qs = qs.filter(lights.yellow_q(today))
    elif status == "late":
        qs = qs.filter(lights.late_history_q())
    elif status == "open":
        qs = qs.exclude(state=AssignmentState.CLOSED)
    else:
        qs = qs.filter(lights.at_risk_q(today))
    if due_kind in lights.DUE_FIELDS:
        oq = lights.open_q()[due_kind]
        qs = qs.filter(oq)
    if session is not None:
        qs = qs.filter(proposal__session=session)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if key_only:
        qs = qs.filter(proposal__is_key=True)
    return qs.select_related("proposal", "proposal__session", "unit", "assigned_by").order_by(
        "reply_due", "proposal__number", "id"
    )


def dashboard_units(user) -> QuerySet[Org]:
    ids = assignments_visible_to(user).values("unit_id")
    return Org.objects.filter(pk__in=ids).order_by("path")


def extensions_to_decide(user) -> QuerySet[Extension]:
    """Pending extension requests whose assigning office `user` acts for."""
    pending = Extension.objects.filter(state=ExtensionState.PENDING).select_related(
        "assignment", "assignment__proposal", "assignment__unit", "assignment__assigned_by", "requested_by"
    )
    pending = pending.filter(assignment__in=assignments_visible_to(user).values("pk"))
    return pending


def key_proposals(user, session=None) -> QuerySet[Proposal]:
    qs = proposals_visible_to(user).filter(is_key=True)
    if session is not None:
        qs = qs.filter(session=session)
    return qs.select_related("session", "lead").order_by("-session__year", "number")


def plans_visible_to(user) -> QuerySet[SupervisionPlan]:
    if not user.has_role(*SUPERVISOR_ROLES) or not user.org_id:
        return SupervisionPlan.objects.none()
    q = Q(pk__in=[])
    if user.has_role(Role.BODY_STAFF) and user_body(user):
        q |= Q(org=user_body(user))
    if user.has_role(Role.COORDINATOR):
        q |= Q(org__path__startswith=user.org.path)
    return SupervisionPlan.objects.filter(q).select_related("session", "org")


def access_supervision_plan(user, pk) -> SupervisionPlan:
    """A supervision plan of the user's own office; NotFound for missing and foreign alike."""
    plan = plans_visible_to(user).filter(pk=parse_id(pk)).first()
    if plan is None:
        raise NotFound()
    return plan


def access_extension(user, pk) -> Extension:
    """An extension request: for the unit that asked and the offices over the assignment."""
    return access_through_assignment(Extension, user, pk)


def access_supervision(user, pk) -> Supervision:
    """A supervision record (督办) of an assignment: the supervising offices and the unit."""
    return access_through_assignment(Supervision, user, pk)


def plan_assignments(plan: SupervisionPlan) -> QuerySet[Assignment]:
    """The open assignments a plan supervises: its session, within its office's reach."""
    qs = Assignment.objects.filter(proposal__session=plan.session).exclude(state__in=lights.FINISHED)
    if plan.org.kind == OrgKind.COORDINATOR:
        qs = qs.filter(unit__path__startswith=plan.org.path)
    return qs.select_related("proposal", "unit")


__all__ = ["assignment_scope_q"]
