"""Reads of cases, always through the user's scope (SPEC §2).

Every list, detail, export and download of a case starts from `proposals_visible_to`
or `assignments_visible_to`; "does not exist" and "not yours" raise the same NotFound.
"""
from __future__ import annotations

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When

from banli.errors import NotFound
from banli.orgs.models import BODY_KINDS, Org, OrgKind, Role

from .models import (
    DUE_ROLES,
    Assignment,
    AssignmentState,
    Proposal,
    ProposalStatus,
    ReviewState,
    Session,
)

CASE_ROLES = (
    Role.BODY_STAFF,
    Role.COORDINATOR,
    Role.UNIT_LIAISON,
    Role.UNIT_LEADER,
    Role.HANDLER,
    Role.PROPOSER,
)


def user_body(user) -> Org | None:
    """The 人大/政协 office a body_staff user works for."""
    return user.org.nearest(*BODY_KINDS) if user.org_id else None


def user_unit(user) -> Org | None:
    """The handling unit of a liaison, leader or handler (a dept's enclosing unit)."""
    return user.org.nearest(OrgKind.UNIT) if user.org_id else None


def _scope_cache(user) -> dict:
    cache = getattr(user, "_banli_scope", None)
    if cache is None:
        cache = {}
        if user.has_role(Role.BODY_STAFF):
            cache["body"] = user_body(user)
        if user.has_role(Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER):
            cache["unit"] = user_unit(user)
        user._banli_scope = cache
    return cache


def assignment_scope_q(user, prefix: str = "") -> Q:
    """Q over Assignment (with `prefix` for a relation) of the assignments `user` may see."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = _scope_cache(user)
    p = prefix
    q = Q(pk__in=[]) if not p else Q(**{f"{p}pk__in": []})
    if user.has_role(Role.BODY_STAFF) and scope.get("body"):
        q |= Q(**{f"{p}proposal__session__body": scope["body"]})
    if user.has_role(Role.COORDINATOR) and user.org_id:
        q |= Q(**{f"{p}unit__path__startswith": user.org.path})
    if user.has_role(Role.UNIT_LIAISON, Role.UNIT_LEADER) and scope.get("unit"):
        q |= Q(**{f"{p}unit__path__startswith": scope["unit"].path})
    if user.has_role(Role.HANDLER) and scope.get("unit"):
        # Until a case is distributed to departments (handling plan), a handler sees the
        # cases of their unit that their department has been given.
        q |= Q(**{f"{p}unit__path__startswith": scope["unit"].path, f"{p}tasks__dept": user.org_id})
    if user.has_role(Role.PROPOSER):
        q |= Q(**{f"{p}proposal__lead__user": user}) | Q(**{f"{p}proposal__cosigners__user": user})
    return q


def proposal_scope_q(user) -> Q:
    """Q over Proposal of the proposals `user` may see."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = _scope_cache(user)
    q = Q(pk__in=[])
    if user.has_role(Role.BODY_STAFF) and scope.get("body"):
        q |= Q(session__body=scope["body"])
    if user.has_role(Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER):
        unit_q = assignment_scope_q(user) & ~Q(state=AssignmentState.WITHDRAWN)
        # Restrict to the non-proposer, non-body part so the subquery stays indexed.
        q |= Exists(Assignment.objects.filter(unit_q, proposal=OuterRef("pk")))
    if user.has_role(Role.PROPOSER):
        mine = Q(lead__user=user) | Q(cosigners__user=user)
        q |= Q(pk__in=Proposal.objects.filter(mine).values("pk"))
        # A proposer whose proposal was merged follows the proposal it was merged into.
        q |= Q(pk__in=Proposal.objects.filter(mine, merged_into__isnull=False).values("merged_into"))
    return q


def with_status(qs: QuerySet) -> QuerySet:
    """Annotate `status` (ProposalStatus) derived from review state and assignments."""
    top = Assignment.objects.filter(proposal=OuterRef("pk"), parent__isnull=True).exclude(state=AssignmentState.WITHDRAWN)
    due = top.filter(role__in=DUE_ROLES)
    return qs.annotate(
        status=Case(
            When(review_state=ReviewState.SUBMITTED, then=Value(ProposalStatus.SUBMITTED)),
            When(review_state=ReviewState.NOT_ACCEPTED, then=Value(ProposalStatus.NOT_ACCEPTED)),
            When(review_state=ReviewState.MERGED, then=Value(ProposalStatus.MERGED)),
            When(~Exists(top), then=Value(ProposalStatus.TO_ASSIGN)),
            When(Exists(due.filter(first_reply_on__isnull=True)), then=Value(ProposalStatus.IN_HANDLING)),
            When(Exists(due.exclude(state=AssignmentState.CLOSED)), then=Value(ProposalStatus.REPLIED)),
            default=Value(ProposalStatus.CLOSED),
            output_field=CharField(),
        )
    )


def proposals_visible_to(user) -> QuerySet[Proposal]:
    return Proposal.objects.filter(proposal_scope_q(user))


def proposal_get(user, pk) -> Proposal:
    """The proposal if `user` may see it; NotFound otherwise (same for missing and foreign)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    p = with_status(proposals_visible_to(user).filter(pk=pk)).select_related("session", "session__body", "lead", "merged_into").first()
    if p is None:
        raise NotFound()
    return p


def assignments_visible_to(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(assignment_scope_q(user)).distinct()


def assignment_get(user, pk) -> Assignment:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound()
    a = assignments_visible_to(user).filter(pk=pk).select_related("proposal", "unit", "proposal__session").first()
    if a is None:
        raise NotFound()
    return a


def sessions_visible_to(user) -> QuerySet[Session]:
    """Sessions a user may pick in filters: their body's, or those holding visible cases."""
    if user.has_role(Role.BODY_STAFF):
        body = _scope_cache(user).get("body")
        if body is not None and not user.has_role(Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER, Role.PROPOSER):
            return Session.objects.filter(body=body)
    if not user.has_role(*CASE_ROLES):
        return Session.objects.none()
    return Session.objects.filter(pk__in=proposals_visible_to(user).values("session_id"))


def can_see_internal(user, assignment: Assignment) -> bool:
    """Whether `user` may see this assignment's internal work (drafts, contacts, opinions)."""
    if user.has_role(Role.BODY_STAFF, Role.COORDINATOR):
        return Assignment.objects.filter(assignment_scope_q(user), pk=assignment.pk).exists()
    unit = _scope_cache(user).get("unit")
    return bool(unit) and assignment.unit.path.startswith(unit.path)
