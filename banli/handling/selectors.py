"""Reads for the handling workflow: who is what on an assignment, the panel's data, the B ledger.

Every read of cases starts from the scope in banli.cases.selectors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from banli.audit.models import AuditEvent
from banli.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Contact,
    ContactMethod,
    ContactStage,
    DeptTask,
    Evaluation,
    Proposal,
    Proposer,
    Reply,
    ReplyState,
    Verdict,
)
from banli.cases.selectors import (
    access_assignment,
    access_reply,
    access_through_assignment,
    assignment_scope_q,
    eligible_proposers_q,
    is_assigning_office,
    parse_id,
    user_body,
    user_unit,
)
from banli.errors import NotFound
from banli.formatting import letter_number
from banli.orgs.models import Role
from banli.orgs.roles import OFFICES, UNIT

from .models import (
    AdjustmentRequest,
    AdjustmentState,
    Commitment,
    CoOpinion,
    FollowUp,
    FollowUpState,
    HandlingPlan,
    HandlingPolicy,
    LetterCounter,
    LetterNumber,
    UnitDocSettings,
)

# --- who is what on an assignment --------------------------------------------------------------


unit_of = user_unit


def body_of(user):
    return user_body(user) if user.has_role(Role.BODY_STAFF) else None


def is_liaison(user, a: Assignment) -> bool:
    u = unit_of(user) if user.has_role(Role.UNIT_LIAISON) else None
    return bool(u) and u.pk == a.unit_id


def is_leader(user, a: Assignment) -> bool:
    u = unit_of(user) if user.has_role(Role.UNIT_LEADER) else None
    return bool(u) and u.pk == a.unit_id


def is_handler(user, a: Assignment, tasks: list[DeptTask] | None = None) -> bool:
    """A handler whose department (or who personally) was given this assignment."""
    if not user.has_role(Role.HANDLER):
        return False
    u = unit_of(user)
    if not u or u.pk != a.unit_id:
        return False
    if tasks is None:
        return DeptTask.objects.filter(Q(dept_id=user.org_id) | Q(handler=user), assignment=a).exists()
    return any(t.dept_id == user.org_id or t.handler_id == user.pk for t in tasks)


def is_unit_member(user, a: Assignment) -> bool:
    u = unit_of(user)
    return bool(u) and u.pk == a.unit_id and user.has_role(*UNIT)


def eligible_proposers(proposal: Proposal) -> QuerySet[Proposer]:
    return Proposer.objects.filter(eligible_proposers_q(proposal)).distinct()


def proposer_for(user, proposal: Proposal) -> Proposer | None:
    """The user's own Proposer if they may evaluate replies to this proposal."""
    if not user.has_role(Role.PROPOSER):
        return None
    return eligible_proposers(proposal).filter(user=user).first()


# --- one getter per handling object (missing and foreign raise the same NotFound) -------------


def access_adjustment_request(user, pk) -> AdjustmentRequest:
    """An adjustment request: for the unit that asked and the office that decides."""
    return access_through_assignment(AdjustmentRequest, user, pk)


def access_commitment(user, pk) -> Commitment:
    """A commitment of a reply: whoever may read that reply."""
    c = Commitment.objects.filter(pk=parse_id(pk)).first()
    if c is None:
        raise NotFound()
    c.reply = access_reply(user, c.reply_id)
    return c


def access_followup(user, pk) -> FollowUp:
    """A B-class follow-up (internal work of its assignment)."""
    return access_through_assignment(FollowUp, user, pk)


def access_co_opinion(user, pk) -> CoOpinion:
    """A co unit's opinion: for the co unit and the lead unit it was written to (and the offices)."""
    try:
        return access_through_assignment(CoOpinion, user, pk)
    except NotFound:
        op = CoOpinion.objects.filter(pk=parse_id(pk), lead_assignment__isnull=False).first()
        if op is None:
            raise
        access_assignment(user, op.lead_assignment_id, internal=True)
        return op


def access_handling_plan(user, pk) -> HandlingPlan:
    """A unit's handling plan (internal work of its assignment)."""
    return access_through_assignment(HandlingPlan, user, pk)


def policy_for(body) -> HandlingPolicy:
    return HandlingPolicy.objects.filter(body=body).first() or HandlingPolicy(body=body)


# --- facts about an assignment -----------------------------------------------------------------


def open_reply(a: Assignment) -> Reply | None:
    """The reply being drafted, reviewed or awaiting dispatch (at most one)."""
    return (
        a.replies.filter(state__in=[ReplyState.DRAFT, ReplyState.IN_REVIEW, ReplyState.APPROVED])
        .order_by("-id")
        .first()
    )


def current_reply(a: Assignment) -> Reply | None:
    """The latest sent reply (a correction supersedes what it corrects)."""
    return a.replies.filter(state=ReplyState.SENT).order_by("-seq", "-id").first()


def co_siblings(a: Assignment) -> QuerySet[Assignment]:
    """The co units working beside this lead assignment."""
    return Assignment.objects.filter(proposal_id=a.proposal_id, parent_id=a.parent_id, role=AssignmentRole.CO).exclude(
        state=AssignmentState.WITHDRAWN
    )


def lead_sibling(a: Assignment) -> Assignment | None:
    return (
        Assignment.objects.filter(proposal_id=a.proposal_id, parent_id=a.parent_id, role=AssignmentRole.LEAD)
        .exclude(state=AssignmentState.WITHDRAWN)
        .first()
    )


def missing_co_opinions(a: Assignment) -> list[Assignment]:
    if a.role != AssignmentRole.LEAD:
        return []
    return list(co_siblings(a).filter(co_opinion__isnull=True).select_related("unit"))


def lead_unsatisfied_count(a: Assignment) -> int:
    return Evaluation.objects.filter(assignment=a, proposer_id=a.proposal.lead_id, verdict=Verdict.UNSATISFIED).count()


def needs_face_talk(a: Assignment) -> bool:
    """After a second 不满意, the next reply waits for a 面商 led by the unit's leader."""
    unsat = Evaluation.objects.filter(
        assignment=a, proposer_id=a.proposal.lead_id, verdict=Verdict.UNSATISFIED
    ).order_by("-on", "-id")
    if unsat.count() < 2:
        return False
    last = unsat.first()
    return (
        not Contact.objects.filter(assignment=a, method=ContactMethod.FACE_TALK, on__gte=last.on)
        .exclude(leader="")
        .exists()
    )


def has_before_contact(a: Assignment) -> bool:
    return Contact.objects.filter(assignment=a, stage=ContactStage.BEFORE).exists()


def open_followups(a: Assignment) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(assignment=a, state=FollowUpState.OPEN)


def followup_commitments(f: FollowUp) -> QuerySet[Commitment]:
    """The commitments a follow-up tracks: those of every sent reply of its assignment (a later B
    reply's commitments join the follow-up its first B reply opened; one follow-up per case)."""
    return Commitment.objects.filter(reply__assignment_id=f.assignment_id, reply__state=ReplyState.SENT).order_by(
        "reply__seq", "reply_id", "seq", "id"
    )


# --- the B-class ledger ------------------------------------------------------------------------


def followups_visible_to(user) -> QuerySet[FollowUp]:
    ids = Assignment.objects.filter(assignment_scope_q(user)).values("pk")
    return (
        FollowUp.objects.filter(assignment_id__in=ids)
        .select_related(
            "assignment", "assignment__unit", "assignment__proposal", "assignment__proposal__session__body", "reply"
        )
        .order_by("-opened_on", "-id")
    )


def b_followup_summary(qs: QuerySet[FollowUp]) -> dict:
    """Figures for the annual report's B-class sections (seed 000 §五, seed 001 §二).

    `by_year`: {year of the B reply: {"total", "open", "converted", "explained"}};
    `commitments_changed`: commitments whose terms were changed or dropped with an explanation.
    """
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "open": 0, "converted": 0, "explained": 0})
    ids = []
    for f in qs.select_related(None).only("opened_on", "state", "assignment_id"):
        row = by_year[f.opened_on.year]
        row["total"] += 1
        row[f.state] += 1
        ids.append(f.assignment_id)
    changed = (
        Commitment.objects.filter(
            reply__assignment_id__in=ids, reply__state=ReplyState.SENT, progress__kind__in=["change", "drop"]
        )
        .distinct()
        .count()
        if ids
        else 0
    )
    return {"by_year": dict(sorted(by_year.items())), "commitments_changed": changed}


# --- the per-assignment panel ------------------------------------------------------------------

# Events a proposer may see on the timeline (never drafts, reviews or internal plans).
PUBLIC_VERBS = {
    "assignment.create",
    "assignment.sign",
    "contact.add",
    "co_opinion.submit",
    "reply.send",
    "reply.correct",
    "evaluation.submit",
    "assignment.close",
    "followup.progress",
    "followup.convert",
    "followup.explain",
}


@dataclass
class PanelData:
    assignment: Assignment
    internal: bool = False  # may see drafts, plans, opinions
    events: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    plan: HandlingPlan | None = None
    adjustments: list = field(default_factory=list)
    opinions_received: list = field(default_factory=list)
    own_opinion: CoOpinion | None = None
    evaluations: list = field(default_factory=list)
    followups: list = field(default_factory=list)
    co_units: list = field(default_factory=list)
    roles: set = field(default_factory=set)
    actions: list = field(default_factory=list)
    proposer: Proposer | None = None

    @property
    def stages(self) -> list[dict]:
        """The stage bar (issue #13): 交办 → 签收 → 方案 → 沟通 → 答复 → 评价 → 办结, each with the date
        and the person of its first event in the history the user may read (a co unit's 答复 is its
        会办意见 and it has no 评价). `done` stages lead up to the `current` one."""
        a = self.assignment
        co = a.role == AssignmentRole.CO
        steps = [
            ("交办", ("assignment.create",)),
            ("签收", ("assignment.sign",)),
            ("方案", ("plan.save",)),
            ("沟通", ("contact.add",)),
            ("会办意见" if co else "答复", ("co_opinion.submit",) if co else ("reply.send",)),
        ]
        if not co:
            steps.append(("评价", ("evaluation.submit", "evaluation.unsatisfied")))
        steps.append(("办结", ("assignment.close",)))
        first = {}
        for ev in self.events:
            first.setdefault(ev.verb, ev)
        out = []
        for label, verbs in steps:
            ev = next((first[v] for v in verbs if v in first), None)
            out.append(
                {
                    "label": label,
                    "done": ev is not None,
                    "on": ev.at if ev else None,
                    "who": ev.actor_name if ev else "",
                }
            )
        # Later stages reached imply the earlier ones happened (an imported ledger has no events).
        reached = max((i for i, st in enumerate(out) if st["done"]), default=-1)
        for i, st in enumerate(out):
            st["done"] = st["done"] or i < reached
            st["current"] = i == reached + 1 and a.state != AssignmentState.WITHDRAWN
        return out

    @property
    def open_reply(self):
        return next((r for r in self.replies if r.state != ReplyState.SENT), None)

    @property
    def sent_replies(self):
        return [r for r in self.replies if r.state == ReplyState.SENT]

    @property
    def current_reply(self):
        sent = self.sent_replies
        return max(sent, key=lambda r: (r.seq, r.id)) if sent else None

    @property
    def next_letter_number(self) -> str:
        """The 发文字号 签发 would give now (shown to the leader beside the 签发 button)."""
        return letter_number_next(self.assignment.unit, timezone.localdate().year)

    @property
    def pending_adjustment(self):
        return next((x for x in self.adjustments if x.state == AdjustmentState.PENDING), None)

    @property
    def missing_units(self):
        got = {o.assignment_id for o in self.opinions_received}
        return [c for c in self.co_units if c.pk not in got]


def panel_data_for(user, proposal_id: int, cache: dict | None = None) -> dict[int, PanelData]:
    """Everything every assignment panel of one proposal needs, in a fixed number of queries.

    Only assignments the user may see are returned; `internal` says whether they may see the
    unit's internal work (the proposer sees sent replies, contacts and the public timeline).
    """
    if cache is not None and proposal_id in cache:
        return cache[proposal_id]
    proposal = Proposal.objects.select_related("session", "lead").filter(pk=proposal_id).first()
    proposer = proposer_for(user, proposal) if proposal else None
    qs = Assignment.objects.filter(proposal_id=proposal_id)
    if proposer is None:
        qs = qs.filter(assignment_scope_q(user)).distinct()
    assignments = list(
        qs.select_related(
            "unit", "parent", "parent__unit", "assigned_by", "proposal", "proposal__session", "proposal__lead"
        )
    )
    data = {a.pk: PanelData(assignment=a) for a in assignments}
    ids = list(data)
    if not ids:
        if cache is not None:
            cache[proposal_id] = data
        return data
    all_of_proposal = {a.pk: a for a in Assignment.objects.filter(proposal_id=proposal_id).select_related("unit")}

    tasks = defaultdict(list)
    for t in DeptTask.objects.filter(assignment_id__in=ids).select_related("dept", "handler"):
        tasks[t.assignment_id].append(t)
    for pd in data.values():
        a = pd.assignment
        pd.tasks = tasks[a.pk]
        pd.proposer = proposer if a.answers_proposer else None
        r = pd.roles
        if is_liaison(user, a):
            r.add("liaison")
        if is_leader(user, a):
            r.add("leader")
        if is_handler(user, a, pd.tasks):
            r.add("handler")
        if is_assigning_office(user, a):
            r.add("office")
        if pd.proposer:
            r.add("proposer")
        if user.has_role(*OFFICES) and not r & {"office"}:
            r.add("supervisor")
        if body_of(user) and body_of(user).pk == proposal.session.body_id:
            r.add("body_staff")
        pd.internal = bool(r & {"liaison", "leader", "handler", "office", "supervisor"}) or is_unit_member(user, a)
        if a.role == AssignmentRole.LEAD and a.state != AssignmentState.WITHDRAWN:
            pd.co_units = [
                x
                for x in all_of_proposal.values()
                if x.role == AssignmentRole.CO and x.parent_id == a.parent_id and x.state != AssignmentState.WITHDRAWN
            ]

    replies = defaultdict(list)
    reply_qs = (
        Reply.objects.filter(assignment_id__in=ids)
        .select_related("approved_by", "created_by")
        .prefetch_related(
            "commitments", "commitments__progress", "point_decisions", "point_decisions__point", "attachments"
        )
        .order_by("seq", "id")
    )
    numbers = {
        n.reply_id: str(n) for n in LetterNumber.objects.filter(reply__assignment_id__in=ids, voided_at__isnull=True)
    }
    for rep in reply_qs:
        rep.letter_no = numbers.get(rep.pk, "")
        replies[rep.assignment_id].append(rep)
    contacts = defaultdict(list)
    for c in (
        Contact.objects.filter(assignment_id__in=ids).select_related("created_by").prefetch_related("attachments")
    ):
        contacts[c.assignment_id].append(c)
    plans = {
        p.assignment_id: p
        for p in HandlingPlan.objects.filter(assignment_id__in=ids)
        .select_related("lead_dept", "responsible_leader", "responsible_person")
        .prefetch_related("assist_depts")
    }
    adjustments = defaultdict(list)
    for x in AdjustmentRequest.objects.filter(assignment_id__in=ids).select_related(
        "suggested_unit", "requested_by", "new_assignment__unit"
    ):
        adjustments[x.assignment_id].append(x)
    opinions_received = defaultdict(list)
    own_opinion = {}
    for o in CoOpinion.objects.filter(Q(assignment_id__in=ids) | Q(lead_assignment_id__in=ids)).select_related(
        "assignment__unit", "submitted_by"
    ):
        own_opinion[o.assignment_id] = o
        if o.lead_assignment_id:
            opinions_received[o.lead_assignment_id].append(o)
    evaluations = defaultdict(list)
    for e in Evaluation.objects.filter(assignment_id__in=ids).select_related("proposer", "reply"):
        evaluations[e.assignment_id].append(e)
    followups = defaultdict(list)
    for f in FollowUp.objects.filter(assignment_id__in=ids).select_related("reply"):
        followups[f.assignment_id].append(f)
    events = defaultdict(list)
    for ev in (
        AuditEvent.objects.filter(assignment_id__in=ids)
        .exclude(verb="attachment.download")
        .order_by("seq")
        .only("seq", "at", "actor_name", "verb", "summary", "assignment_id")
    ):
        events[ev.assignment_id].append(ev)

    for pk, pd in data.items():
        pd.replies = replies[pk]
        pd.contacts = contacts[pk]
        pd.plan = plans.get(pk)
        pd.adjustments = adjustments[pk]
        pd.opinions_received = opinions_received[pk]
        pd.own_opinion = own_opinion.get(pk)
        pd.evaluations = evaluations[pk]
        pd.followups = followups[pk]
        if pd.internal:
            pd.events = events[pk]
        else:
            pd.events = [e for e in events[pk] if e.verb in PUBLIC_VERBS]
            pd.replies = [r for r in pd.replies if r.state == ReplyState.SENT]
            pd.evaluations = [e for e in pd.evaluations if pd.proposer and e.proposer_id == pd.proposer.pk]
        pd.actions = _actions(user, pd)
    if cache is not None:
        cache[proposal_id] = data
    return data


def _actions(user, pd: PanelData) -> list[str]:
    """The actions the user may take now, by name (the template shows one control per name)."""
    a, r, S = pd.assignment, pd.roles, AssignmentState
    acts = []
    unit_side = r & {"liaison", "handler"}
    if "liaison" in r and a.state == S.PENDING_SIGN:
        acts += ["sign", "adjust"]
    if "office" in r and a.state == S.ADJUSTMENT_REQUESTED:
        acts.append("adjust_decide")
    active = a.state in (S.HANDLING, S.REHANDLING, S.IN_REVIEW, S.REPLIED, S.FOLLOW_UP, S.OPINION_SENT)
    if "liaison" in r and active:
        acts.append("plan")
    if unit_side and (active or a.state == S.CLOSED):
        acts.append("contact")
    if a.role == AssignmentRole.CO and unit_side and a.state == S.HANDLING and pd.own_opinion is None:
        acts.append("co_opinion")
    rep = pd.open_reply
    if (
        a.answers_proposer
        and unit_side
        and a.state in (S.HANDLING, S.REHANDLING)
        and (rep is None or rep.state == ReplyState.DRAFT)
    ):
        acts.append("draft")
        if "liaison" in r and rep is not None:
            acts.append("submit")
    if rep is not None and rep.state == ReplyState.IN_REVIEW and "leader" in r:
        acts += ["approve", "return"]
    if rep is not None and rep.state == ReplyState.APPROVED:
        if "leader" in r:
            acts.append("return")
        if r & {"liaison", "leader"}:
            acts.append("send")
    if "leader" in r and pd.current_reply is not None and rep is None:
        acts.append("correct")
    if "leader" in r and any(x.letter_no for x in pd.replies):
        acts.append("renumber")
    cur = pd.current_reply
    if (
        cur is not None
        and a.parent_id is None
        and a.answers_proposer
        and not (a.eval_due and a.eval_due < timezone.localdate())
    ):
        if pd.proposer is not None:
            done = any(
                e.proposer_id == pd.proposer.pk and e.reply_id in {x.pk for x in pd.sent_replies if x.seq == cur.seq}
                for e in pd.evaluations
            )
            is_lead = pd.proposer.pk == a.proposal.lead_id
            if not done and (a.state == S.REPLIED or (not is_lead and a.state in (S.FOLLOW_UP, S.CLOSED))):
                acts.append("evaluate")
        elif "body_staff" in r and a.state == S.REPLIED:
            acts.append("evaluate")
    if unit_side and any(f.state == FollowUpState.OPEN for f in pd.followups):
        acts.append("followup")
    if a.answers_proposer and (unit_side or "body_staff" in r) and active and a.state in (S.HANDLING, S.REHANDLING):
        acts.append("points")
    return acts


# --- handover (SPEC §2) -----------------------------------------------------------------------

# The roles whose work is handed over; a receiver holds every one of them the leaver held.
HANDOVER_ROLES = (Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER)
HANDOVER_ROLE_NAMES = {Role.UNIT_LIAISON: "联络员", Role.UNIT_LEADER: "单位领导", Role.HANDLER: "承办人"}
_ENDED = (AssignmentState.CLOSED, AssignmentState.WITHDRAWN)


def handover_people(unit) -> list:
    """Who may hand work over: the liaisons, leaders and handlers of `unit` itself (not of its sub-units),
    including accounts already disabled (a person who left may be disabled before the handover)."""
    from banli.orgs.models import User

    out = []
    qs = (
        User.objects.filter(org__path__startswith=unit.path, role_grants__role__in=HANDOVER_ROLES)
        .select_related("org")
        .distinct()
        .order_by("org__path", "username")
    )
    for u in qs:
        if user_unit(u) and user_unit(u).pk == unit.pk:
            out.append(u)
    return out


def handover_roles(user) -> list[str]:
    return [r for r in HANDOVER_ROLES if user.has_role(r)]


def handover_receivers(from_user) -> list:
    """Who may take over `from_user`'s work — the one rule the picker offers and the service accepts:
    an active person of the same unit (not a sub-unit), not `from_user`, holding every role among
    liaison, leader and handler that `from_user` holds. A handler may receive from a handler of any
    department of the unit; the department task then moves to the receiver's department."""
    unit = user_unit(from_user)
    roles = handover_roles(from_user)
    if unit is None or not roles:
        return []
    return [
        u for u in handover_people(unit) if u.pk != from_user.pk and u.is_active and all(u.has_role(r) for r in roles)
    ]


def handover_receiver_rule(from_user) -> str:
    """The receiver rule in words, for the page and the service's refusal."""
    names = "、".join(HANDOVER_ROLE_NAMES[r] for r in handover_roles(from_user))
    return f"接收人须为本单位在岗的{names}" if names else "该人员没有可移交的工作"


@dataclass
class HandoverItems:
    """What a handover of one person's work moves, per open assignment (listed in the preview)."""

    assignments: list = field(default_factory=list)  # open Assignments, in proposal order
    reasons: dict = field(default_factory=dict)  # assignment pk → ["联络员", "处室任务（产业发展处）", …]
    tasks: list = field(default_factory=list)  # DeptTasks whose handler is the leaver
    plans: list = field(default_factory=list)  # HandlingPlans naming the leaver (责任人/责任领导)

    @property
    def count(self) -> int:
        return len(self.assignments)


def handover_items(from_user, *, lock: bool = False) -> HandoverItems:
    """The open cases (not closed, not withdrawn) of `from_user`'s unit that are theirs:

    - a liaison answers for every open case of the unit (签收, 方案, 分办, 汇总答复): all of them move;
    - a handler's department tasks: those naming them, and those of their department naming nobody
      when no other active handler is left there;
    - plans naming them as 责任人 or 责任领导.

    `lock` takes row locks on the tasks and plans (inside the service's transaction)."""
    unit = user_unit(from_user)
    items = HandoverItems()
    if unit is None:
        return items
    open_here = Assignment.objects.filter(unit=unit).exclude(state__in=_ENDED)
    reasons: dict[int, list[str]] = defaultdict(list)
    if from_user.has_role(Role.UNIT_LIAISON):
        for pk in open_here.values_list("pk", flat=True):
            reasons[pk].append("联络员")
    task_q = Q(handler=from_user)
    if from_user.has_role(Role.HANDLER) and from_user.org_id:
        from banli.orgs.models import User

        others = (
            User.objects.filter(org_id=from_user.org_id, is_active=True, role_grants__role=Role.HANDLER)
            .exclude(pk=from_user.pk)
            .exists()
        )
        if not others:
            task_q |= Q(dept_id=from_user.org_id, handler__isnull=True)
    tasks = DeptTask.objects.filter(task_q, assignment__in=open_here).select_related("dept", "assignment")
    plans = HandlingPlan.objects.filter(
        Q(responsible_person=from_user) | Q(responsible_leader=from_user), assignment__in=open_here
    ).select_related("assignment", "lead_dept")
    if lock:
        tasks, plans = tasks.select_for_update(of=("self",)), plans.select_for_update(of=("self",))
    items.tasks, items.plans = list(tasks.order_by("pk")), list(plans.order_by("pk"))
    for t in items.tasks:
        reasons[t.assignment_id].append(f"处室任务（{t.dept.name}{'，牵头' if t.is_lead else ''}）")
    for p in items.plans:
        if p.responsible_person_id == from_user.pk:
            reasons[p.assignment_id].append("办理方案责任人")
        if p.responsible_leader_id == from_user.pk:
            reasons[p.assignment_id].append("办理方案责任领导")
    items.assignments = list(
        Assignment.objects.filter(pk__in=reasons).select_related("proposal").order_by("proposal__number", "pk")
    )
    items.reasons = {pk: "、".join(v) for pk, v in reasons.items()}
    for a in items.assignments:
        a.handover_reason = items.reasons[a.pk]
    return items


# --- 发文字号 (given at 签发) -----------------------------------------------------------------


def doc_settings(unit) -> UnitDocSettings:
    """The unit's official-document settings, unsaved defaults when it has none."""
    return UnitDocSettings.objects.filter(unit=unit).first() or UnitDocSettings(unit=unit)


def default_letter_prefix(unit) -> str:
    """Until the unit sets its 机关代字 (UnitDocSettings), a plain one from its name: 工业函."""
    if unit.short_name:
        return unit.short_name + "函"
    base = unit.name
    for word in ("人民政府", "委员会", "管理局", "局", "委"):
        base = base.replace(word, "")
    base = base.lstrip("市省区县")
    return (base[:2] or "答复") + "函"


def letter_prefix(unit) -> str:
    return doc_settings(unit).letter_prefix or default_letter_prefix(unit)


def live_letter_number(reply) -> LetterNumber | None:
    """The reply's 发文字号 (the one not voided), None before 签发."""
    return LetterNumber.objects.filter(reply=reply, voided_at__isnull=True).first()


def letter_number_next(unit, year: int) -> str:
    """The number 签发 would give now (shown to the leader before signing; another sign-off of the
    same unit in between takes it, and this one gets the next)."""
    prefix = letter_prefix(unit)
    counter = LetterCounter.objects.filter(unit=unit, prefix=prefix, year=year).first()
    last = counter.last if counter else max_letter_seq(unit, prefix, year)
    return letter_number(prefix, year, last + 1)


def max_letter_seq(unit, prefix: str, year: int) -> int:
    return LetterNumber.objects.filter(unit=unit, prefix=prefix, year=year).aggregate(m=Max("seq"))["m"] or 0
