"""Reads of cases, always through the user's scope (SPEC §2).

Every list, detail, export and download of a case starts from `proposals_visible_to`
or `assignments_visible_to`; "does not exist" and "not yours" raise the same NotFound.
"""

from __future__ import annotations

import unicodedata

import zhconv
from django.db.models import Case, CharField, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When

from banli.audit.models import AuditEvent
from banli.errors import NotFound
from banli.orgs.models import BODY_KINDS, Org, OrgKind, Role, User
from banli.orgs.roles import CASE_READERS, OFFICES, STAFF, UNIT, UNIT_MANAGERS

from .models import (
    DUE_ROLES,
    Assignment,
    AssignmentState,
    Attachment,
    Contact,
    DeptTask,
    Proposal,
    ProposalStatus,
    Proposer,
    Reply,
    ReplyState,
    ReviewState,
    Session,
)

CASE_ROLES = CASE_READERS


def portal_only(user) -> bool:
    """A deputy or member with no staff role: they follow their proposals on the portal, and every
    link and notification they get points there (the staff pages hold internal notes)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.has_role(Role.PROPOSER)
        and not user.has_role(Role.BODY_STAFF, Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER)
    )


def user_body(user) -> Org | None:
    """The 人大/政协 office a body_staff user works for (looked up once per user object)."""
    if "_banli_body" not in user.__dict__:
        user._banli_body = user.org.nearest(*BODY_KINDS) if user.org_id else None
    return user._banli_body


def user_unit(user) -> Org | None:
    """The handling unit of a liaison, leader or handler: a dept's enclosing unit (once per user object)."""
    if "_banli_unit" not in user.__dict__:
        user._banli_unit = user.org.nearest(OrgKind.UNIT) if user.org_id else None
    return user._banli_unit


def _scope_cache(user) -> dict:
    cache = getattr(user, "_banli_scope", None)
    if cache is None:
        cache = {}
        if user.has_role(Role.BODY_STAFF):
            cache["body"] = user_body(user)
        if user.has_role(*UNIT):
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
    unit = scope.get("unit")
    if unit is not None and user.has_role(*UNIT):
        # A unit taken off a case (withdrawn, re-assigned away) no longer reads that assignment;
        # a district keeps reading the sub-assignments it made and withdrew (it is their office).
        active = ~Q(**{f"{p}state": AssignmentState.WITHDRAWN}) | Q(**{f"{p}assigned_by__path__startswith": unit.path})
        if user.has_role(*UNIT_MANAGERS):
            q |= Q(**{f"{p}unit__path__startswith": unit.path}) & active
        if user.has_role(Role.HANDLER):
            # Until a case is distributed to departments (handling plan), a handler sees the
            # cases of their unit that their department has been given.
            q |= Q(**{f"{p}unit__path__startswith": unit.path, f"{p}tasks__dept": user.org_id}) & active
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
    if user.has_role(Role.COORDINATOR) and user.org_id:
        # A coordinator's subtree holds most cases: probing each proposal is cheapest.
        q |= Exists(
            Assignment.objects.filter(unit__path__startswith=user.org.path, proposal=OuterRef("pk")).exclude(
                state=AssignmentState.WITHDRAWN
            )
        )
    unit = scope.get("unit")
    if unit is not None and user.has_role(*UNIT):
        # A unit holds few of all cases: start from its assignments (unit index), not from
        # every proposal (measured at 10^5 proposals on SQLite: 38 ms instead of 830 ms).
        active = Assignment.objects.filter(
            unit__in=Org.objects.filter(path__startswith=unit.path).values("pk")
        ).exclude(state=AssignmentState.WITHDRAWN)
        if user.has_role(*UNIT_MANAGERS):
            q |= Q(pk__in=active.values("proposal_id"))
        if user.has_role(Role.HANDLER):
            q |= Q(pk__in=active.filter(tasks__dept=user.org_id).values("proposal_id"))
    if user.has_role(Role.PROPOSER):
        mine = own_proposals_q(user)
        q |= mine
        # A proposer whose proposal was merged follows the proposal it was merged into.
        q |= Q(pk__in=Proposal.objects.filter(mine, merged_into__isnull=False).values("merged_into"))
    return q


def own_proposals_q(user) -> Q:
    """Q over Proposal of those the user leads or co-signs (through their Proposer records).

    Written as two indexed IN lists rather than joins through the co-signer table, which would
    make the database walk every proposal.
    """
    me = Proposer.objects.filter(user=user).values("pk")
    cosigned = Proposal.cosigners.through.objects.filter(proposer__in=me).values("proposal_id")
    return Q(lead__in=me) | Q(pk__in=cosigned)


def with_status(qs: QuerySet) -> QuerySet:
    """Annotate `status` (ProposalStatus) derived from review state and assignments."""
    top = Assignment.objects.filter(proposal=OuterRef("pk"), parent__isnull=True).exclude(
        state=AssignmentState.WITHDRAWN
    )
    due = top.filter(role__in=DUE_ROLES)
    return qs.annotate(
        status=Case(
            When(review_state=ReviewState.SUBMITTED, then=Value(ProposalStatus.SUBMITTED)),
            When(review_state=ReviewState.NOT_ACCEPTED, then=Value(ProposalStatus.NOT_ACCEPTED)),
            When(review_state=ReviewState.MERGED, then=Value(ProposalStatus.MERGED)),
            When(~Exists(top), then=Value(ProposalStatus.TO_ASSIGN)),
            When(Exists(due.filter(first_reply_on__isnull=True)), then=Value(ProposalStatus.IN_HANDLING)),
            # 已办结 only when every unit is done, co units included (SPEC §4: they end with the lead's reply).
            When(Exists(top.exclude(state=AssignmentState.CLOSED)), then=Value(ProposalStatus.REPLIED)),
            default=Value(ProposalStatus.CLOSED),
            output_field=CharField(),
        )
    )


def proposals_visible_to(user) -> QuerySet[Proposal]:
    return Proposal.objects.filter(proposal_scope_q(user))


# --- one getter per case object (missing and foreign raise the same NotFound) -----------------

MAX_ID = 2**63 - 1


def parse_id(value) -> int:
    """A primary key from a URL or form; NotFound for anything that cannot be one (text, 10**20)."""
    try:
        pk = int(value)
    except (TypeError, ValueError, OverflowError):
        raise NotFound()
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    return pk


def access_proposal(user, pk) -> Proposal:
    """The proposal if `user` may see it; NotFound otherwise (same for missing and foreign)."""
    p = (
        with_status(proposals_visible_to(user).filter(pk=parse_id(pk)))
        .select_related("session", "session__body", "lead", "merged_into")
        .first()
    )
    if p is None:
        raise NotFound()
    return p


def assignments_visible_to(user) -> QuerySet[Assignment]:
    return Assignment.objects.filter(assignment_scope_q(user)).distinct()


def eligible_proposers_q(proposal: Proposal) -> Q:
    """Q over Proposer: lead, co-signers, and the proposers of proposals merged into this one (SPEC §3)."""
    return (
        Q(led_proposals=proposal)
        | Q(cosigned_proposals=proposal)
        | Q(led_proposals__merged_into=proposal)
        | Q(cosigned_proposals__merged_into=proposal)
    )


def is_eligible_proposer(user, proposal: Proposal) -> bool:
    """Whether `user` speaks for a proposer who may follow and evaluate this proposal."""
    if not user.has_role(Role.PROPOSER):
        return False
    return Proposer.objects.filter(eligible_proposers_q(proposal), user=user).exists()


def can_reach(user, a: Assignment) -> bool:
    """Whether `user` may see this assignment at all (scope, or an eligible proposer)."""
    if Assignment.objects.filter(assignment_scope_q(user), pk=a.pk).exists():
        return True
    return is_eligible_proposer(user, a.proposal)


def access_assignment(user, pk, *, internal: bool = False) -> Assignment:
    """The assignment if `user` may reach it (its scope, or an eligible proposer); NotFound for
    missing and foreign alike. With `internal`, only for those who see the unit's internal work."""
    a = (
        Assignment.objects.filter(pk=parse_id(pk))
        .select_related("proposal", "proposal__session", "proposal__lead", "unit", "parent")
        .first()
    )
    if a is None or not can_reach(user, a):
        raise NotFound()
    if internal and not can_see_internal(user, a):
        raise NotFound()
    return a


def access_through_assignment(model, user, pk, *, internal: bool = True):
    """An object that belongs to one assignment (a contact, a plan, an extension …): the object, with
    its assignment reached through `access_assignment` — or NotFound, missing or foreign alike."""
    obj = model.objects.filter(pk=parse_id(pk)).first()
    if obj is None:
        raise NotFound()
    obj.assignment = access_assignment(user, obj.assignment_id, internal=internal)
    return obj


def access_reply(user, pk) -> Reply:
    """A reply: a sent one for everyone who reaches its assignment, a draft (or one awaiting
    signature) only for those who see the unit's internal work."""
    r = Reply.objects.filter(pk=parse_id(pk)).first()
    if r is None:
        raise NotFound()
    r.assignment = access_assignment(user, r.assignment_id, internal=r.state != ReplyState.SENT)
    return r


def access_contact(user, pk) -> Contact:
    """A contact record (internal work of its assignment)."""
    return access_through_assignment(Contact, user, pk)


def access_dept_task(user, pk) -> DeptTask:
    """A department's task on an assignment (internal work)."""
    return access_through_assignment(DeptTask, user, pk)


def sessions_visible_to(user) -> QuerySet[Session]:
    """Sessions a user may pick in filters: their body's, or those holding visible cases."""
    if user.has_role(Role.BODY_STAFF):
        body = _scope_cache(user).get("body")
        if body is not None and not user.has_role(*(CASE_READERS - {Role.BODY_STAFF})):
            return Session.objects.filter(body=body)
    if not user.has_role(*CASE_ROLES):
        return Session.objects.none()
    return Session.objects.filter(pk__in=proposals_visible_to(user).values("session_id"))


def acts_for_office(user, org: Org | None) -> bool:
    """Whether `user` acts for the assigning office `org`: the body staff of a 人大/政协 office,
    a coordinator of (or under) a coordinating office, the liaison of a district unit that
    sub-assigned. That office decides adjustments and extensions of what it assigned."""
    if org is None or not getattr(user, "is_authenticated", False) or not user.org_id:
        return False
    if org.kind in BODY_KINDS:
        body = user_body(user) if user.has_role(Role.BODY_STAFF) else None
        return body is not None and body.pk == org.pk
    if org.kind == OrgKind.COORDINATOR:
        return user.has_role(Role.COORDINATOR) and user.org.path.startswith(org.path)
    unit = user_unit(user) if user.has_role(Role.UNIT_LIAISON) else None
    return unit is not None and unit.pk == org.pk


# --- who acts (recipients of the hand-off messages) ----------------------------------------------


def unit_people(unit: Org, *roles: str) -> QuerySet[User]:
    """Active users holding `roles` whose own unit is `unit` (not a sub-unit of a district)."""
    qs = User.objects.filter(is_active=True, org__path__startswith=unit.path, role_grants__role__in=roles)
    for sub in Org.objects.filter(kind=OrgKind.UNIT, path__startswith=unit.path, depth__gt=unit.depth):
        qs = qs.exclude(org__path__startswith=sub.path)
    return qs.distinct()


def office_people(org: Org | None) -> QuerySet[User]:
    """The users who act for an assigning office: body staff of a body, coordinators of a
    coordinating office, the liaisons of a district unit that sub-assigned."""
    if org is None:
        return User.objects.none()
    if org.kind in (OrgKind.NPC, OrgKind.CPPCC):
        return User.objects.filter(
            is_active=True, org__path__startswith=org.path, role_grants__role=Role.BODY_STAFF
        ).distinct()
    if org.kind == OrgKind.COORDINATOR:
        return User.objects.filter(is_active=True, org=org, role_grants__role=Role.COORDINATOR).distinct()
    return unit_people(org, Role.UNIT_LIAISON)


def is_assigning_office(user, assignment: Assignment) -> bool:
    """`acts_for_office` for the office that assigned `assignment` (an assignment without a
    recorded office, e.g. from an old ledger, is decided by the session's body)."""
    return acts_for_office(user, assignment.assigned_by or assignment.proposal.session.body)


def can_see_internal(user, assignment: Assignment) -> bool:
    """Whether `user` may see this assignment's internal work (drafts, contacts, opinions)."""
    if user.has_role(*OFFICES):
        return Assignment.objects.filter(assignment_scope_q(user), pk=assignment.pk).exists()
    unit = _scope_cache(user).get("unit")
    if not unit or not assignment.unit.path.startswith(unit.path):
        return False
    if assignment.state == AssignmentState.WITHDRAWN:
        by = assignment.assigned_by
        return by is not None and by.path.startswith(unit.path)
    return True


# --- the proposal list -------------------------------------------------------------------------


def _top_assignments():
    return Assignment.objects.filter(proposal=OuterRef("pk"), parent__isnull=True).exclude(
        state=AssignmentState.WITHDRAWN
    )


def status_q(status: str) -> Q:
    """Q over Proposal equivalent to `with_status(...).filter(status=status)`.

    Filtering on the annotation would evaluate the CASE for every row in scope; this form lets
    the database use the review-state index and probe assignments only where needed.
    """
    top = _top_assignments()
    due = top.filter(role__in=DUE_ROLES)
    unreplied = Exists(due.filter(first_reply_on__isnull=True))
    # Any unit still open, co units included, keeps the proposal 已答复 rather than 已办结.
    open_due = Exists(top.exclude(state=AssignmentState.CLOSED))
    accepted = Q(review_state=ReviewState.ACCEPTED)
    return {
        ProposalStatus.SUBMITTED: Q(review_state=ReviewState.SUBMITTED),
        ProposalStatus.NOT_ACCEPTED: Q(review_state=ReviewState.NOT_ACCEPTED),
        ProposalStatus.MERGED: Q(review_state=ReviewState.MERGED),
        ProposalStatus.TO_ASSIGN: accepted & ~Exists(top),
        # `unreplied` and `open_due` look at top-level assignments, so they imply Exists(top).
        ProposalStatus.IN_HANDLING: accepted & unreplied,
        ProposalStatus.REPLIED: accepted & ~unreplied & open_due,
        ProposalStatus.CLOSED: accepted & Exists(top) & ~unreplied & ~open_due,
    }.get(status, Q(pk__in=[]))


# sort key → order_by fields (ascending); descending reverses every field. pk keeps pages stable.
PROPOSAL_SORTS = {
    "number": ("number", "pk"),
    "title": ("title", "pk"),
    "submitted": ("submitted_on", "number", "pk"),
    "session": ("session__year", "session_id", "number", "pk"),
}
DEFAULT_SORT = "-session"


def _order_fields(sort: str) -> list[str]:
    key = sort.lstrip("-")
    fields = PROPOSAL_SORTS.get(key) or PROPOSAL_SORTS["session"]
    if sort.startswith("-"):
        # Newest session first, but numbers inside a session still ascend (how clerks read it).
        if key == "session":
            return ["-session__year", "-session_id", "number", "pk"]
        return [f"-{f}" for f in fields]
    return list(fields)


def proposals_filtered(
    user,
    *,
    session: Session | None = None,
    review_state: str = "",
    status: str = "",
    unit: Org | None = None,
    role: str = "",
    key: bool | None = None,
    text: str = "",
    sort: str = DEFAULT_SORT,
) -> QuerySet[Proposal]:
    """The proposals `user` may see, filtered and ordered; not annotated (count and page ids stay cheap)."""
    qs = proposals_visible_to(user)
    if session is not None:
        qs = qs.filter(session=session)
    if review_state:
        qs = qs.filter(review_state=review_state)
    if status:
        qs = qs.filter(status_q(status))
    if unit is not None:
        # One unit's assignments come from the unit index; an IN list beats probing every proposal.
        active = Assignment.objects.filter(unit=unit).exclude(state=AssignmentState.WITHDRAWN)
        if role:
            active = active.filter(role=role)
        qs = qs.filter(pk__in=active.values("proposal_id"))
    elif role:
        qs = qs.filter(
            Exists(
                Assignment.objects.filter(proposal=OuterRef("pk"), role=role).exclude(state=AssignmentState.WITHDRAWN)
            )
        )
    if key is not None:
        qs = qs.filter(is_key=key)
    text = unicodedata.normalize("NFKC", text or "").strip()
    if text:
        # Titles are stored as written: match the query in simplified and traditional script alike,
        # as search does (a title typed in 繁体 is found by 简体 and the other way round).
        match = Q(number__icontains=text)
        for variant in {text, *(zhconv.convert(text, script) for script in ("zh-cn", "zh-tw", "zh-hk"))}:
            match |= Q(title__icontains=variant)
        qs = qs.filter(match)
    return qs.order_by(*_order_fields(sort or DEFAULT_SORT))


def proposal_rows(ids: list[int]) -> list[Proposal]:
    """The proposals with these ids, in this order, with everything a list row shows (fixed query count)."""
    active = (
        Assignment.objects.exclude(state=AssignmentState.WITHDRAWN).select_related("unit").order_by("parent_id", "id")
    )
    rows = (
        with_status(Proposal.objects.filter(pk__in=ids))
        .select_related("session", "lead")
        .prefetch_related(Prefetch("assignments", queryset=active, to_attr="active_assignments"))
    )
    by_id = {}
    for p in rows:
        p.status_label = ProposalStatus(p.status).label
        by_id[p.pk] = p
    return [by_id[i] for i in ids if i in by_id]


def filter_sessions_for(user) -> QuerySet[Session]:
    """Sessions offered in the list's “届次” filter (names are not confidential; this stays cheap)."""
    body = _scope_cache(user).get("body") if user.has_role(Role.BODY_STAFF) else None
    if body is not None and not user.has_role(
        Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER, Role.PROPOSER
    ):
        return Session.objects.filter(body=body).order_by("-year", "-id")
    if user.has_role(Role.COORDINATOR, Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER):
        return Session.objects.order_by("-year", "-id")
    if user.has_role(Role.PROPOSER):
        mine = Proposal.objects.filter(own_proposals_q(user))
        return Session.objects.filter(pk__in=mine.values("session_id")).order_by("-year", "-id")
    return Session.objects.none()


def filter_units_for(user) -> QuerySet[Org]:
    """Units offered in the list's “承办单位” filter."""
    units = Org.objects.filter(kind=OrgKind.UNIT)
    if user.has_role(Role.BODY_STAFF):
        return units.order_by("path")
    q = Q(pk__in=[])
    if user.has_role(Role.COORDINATOR) and user.org_id:
        q |= Q(path__startswith=user.org.path)
    unit = _scope_cache(user).get("unit")
    if unit is not None:
        q |= Q(path__startswith=unit.path)
    if user.has_role(Role.PROPOSER):
        q |= Q(pk__in=Assignment.objects.filter(proposal__in=proposals_visible_to(user)).values("unit_id"))
    return units.filter(q).order_by("path")


def proposal_by_number(user, session: Session, number: str) -> Proposal:
    """A proposal of `session` by its number, within the user's scope."""
    p = proposals_visible_to(user).filter(session=session, number=(number or "").strip()).first()
    if p is None:
        raise NotFound(f"本届会议中没有编号为“{(number or '').strip()}”的建议/提案。")
    return p


# --- the case page -----------------------------------------------------------------------------


# Verbs a proposer sees in the history of their own proposal: milestones addressed to them,
# never internal steps (drafts, internal review, distribution to departments, withdrawals).
PROPOSER_HISTORY_VERBS = frozenset(
    {
        "proposal.submitted",  # submitted by the proposer through the portal
        "proposal.register",
        "proposal.review",
        "proposal.merge_received",
        "assignment.create",
        "assignment.sign",
        "reply.send",
        "reply.correct",  # a sent reply's correction is addressed to the proposer too
        "evaluation.submit",
        "assignment.rehandle",
        "followup.convert",
        "assignment.close",
    }
)


def proposal_assignments(user, proposal: Proposal) -> list[Assignment]:
    """Assignments shown on the case page: all active ones of a visible proposal (the 交办 notice
    names every unit and its role); withdrawn ones only to the assigning offices."""
    qs = proposal.assignments.select_related("unit", "parent", "assigned_by").order_by("parent_id", "id")
    if not user.has_role(*OFFICES):
        qs = qs.exclude(state=AssignmentState.WITHDRAWN)
    return list(qs)


def proposal_history(user, proposal: Proposal) -> list:
    """Audit events of this proposal the user may read, newest first.

    A proposer sees only PROPOSER_HISTORY_VERBS. Others see every proposal-level event and the
    internal events of the assignments whose internal work they may see; of other units'
    assignments only the milestones.
    """

    events = AuditEvent.objects.filter(proposal_id=proposal.pk).order_by("-seq")
    if not user.has_role(*STAFF):
        return list(events.filter(verb__in=PROPOSER_HISTORY_VERBS)[:500])
    if (
        user.has_role(Role.BODY_STAFF)
        and _scope_cache(user).get("body")
        and proposal.session.body_id == _scope_cache(user)["body"].pk
    ):
        return list(events[:500])
    internal = [a.pk for a in proposal.assignments.select_related("unit") if can_see_internal(user, a)]
    return list(
        events.filter(
            Q(assignment_id__isnull=True) | Q(assignment_id__in=internal) | Q(verb__in=PROPOSER_HISTORY_VERBS)
        )[:500]
    )


def access_attachment(user, pk) -> Attachment:
    """An attachment the user may download; NotFound for missing and foreign alike.

    Proposal attachments follow the proposal's scope. Attachments of an assignment's work
    (contacts, reply drafts) need its internal scope, except the files of a sent reply, which
    go to everyone who sees the proposal.
    """
    att = (
        Attachment.objects.filter(pk=parse_id(pk), proposal__in=proposals_visible_to(user))
        .select_related("proposal", "assignment__unit", "reply__assignment__unit", "contact__assignment__unit")
        .first()
    )
    if att is None:
        raise NotFound()
    owner = (
        att.assignment
        or (att.reply.assignment if att.reply_id else None)
        or (att.contact.assignment if att.contact_id else None)
    )
    if owner is None:
        return att
    if att.reply_id and att.reply.state == ReplyState.SENT:
        return att
    if can_see_internal(user, owner):
        return att
    raise NotFound()
