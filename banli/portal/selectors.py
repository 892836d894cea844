"""Reads of the proposer portal, the disclosure review and the public site (SPEC §6).

* The portal shows a proposer only the proposals they lead or co-signed (and those theirs were
  merged into), and of those only what is addressed to them — never drafts, internal comments,
  co-opinion texts or the names of staff other than a sent reply's signer and contact person.
* The public site reads only `Publication` rows in state `published`, and of them only the
  redacted text and the fields listed in PUBLIC_FIELDS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from banli.cases.models import (
    DUE_ROLES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Attachment,
    Contact,
    DeptTask,
    Evaluation,
    Proposal,
    Proposer,
    Reply,
    ReplyState,
    Session,
)
from banli.cases.selectors import user_body, user_unit, with_status
from banli.errors import NotFound
from banli.handling.models import Commitment, CoOpinion
from banli.handling.selectors import proposer_for as _proposer_for
from banli.orgs.models import Org, Role, User
from banli.orgs.roles import UNIT, UNIT_MANAGERS
from banli.stats.selectors import stats_for
from banli.textintel.text import normalize, search_strings, tokens

from .models import PortalMessage, Publication, PublicationState, PublicSearch


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound()


# --- the proposer's own proposals --------------------------------------------------------------


def own_proposer(user) -> Proposer | None:
    """The deputy/member (or collective proposer) this login speaks for."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.PROPOSER):
        return None
    return Proposer.objects.filter(user=user).select_related("body").first()


def proposer_scope_q(user) -> Q:
    """Proposals the user leads or co-signed, and those theirs were merged into.

    Only the proposer part of the case scope: a user who also holds a staff role still sees
    exactly their own proposals in the portal.
    """
    if not getattr(user, "is_authenticated", False) or not user.has_role(Role.PROPOSER):
        return Q(pk__in=[])
    mine = Q(lead__user=user) | Q(cosigners__user=user)
    return Q(pk__in=Proposal.objects.filter(mine).values("pk")) | Q(
        pk__in=Proposal.objects.filter(mine, merged_into__isnull=False).values("merged_into")
    )


def portal_proposals(user) -> QuerySet[Proposal]:
    return (
        with_status(Proposal.objects.filter(proposer_scope_q(user)))
        .select_related("session", "lead", "merged_into")
        .order_by("-session__year", "-submitted_on", "-number", "-pk")
    )


def _answered_to_me(user) -> QuerySet[Assignment]:
    """Top-level assignments that answer the proposer, on the user's own proposals, with a sent reply."""
    return (
        Assignment.objects.filter(
            proposal__in=Proposal.objects.filter(proposer_scope_q(user)).values("pk"),
            parent__isnull=True,
            role__in=DUE_ROLES,
            first_reply_on__isnull=False,
        )
        .exclude(state=AssignmentState.WITHDRAWN)
        .order_by("-first_reply_on", "pk")
    )


def assignments_replied(user) -> QuerySet[Assignment]:
    """收到的答复: the units that have answered the user's proposals (the 我的待办 list of a proposer)."""
    return _answered_to_me(user)


def assignments_to_evaluate(user) -> QuerySet[Assignment]:
    """待评价: answered, still open for evaluation, and the user has not evaluated its latest reply."""
    latest_seq = (
        Reply.objects.filter(assignment=OuterRef(OuterRef("pk")), state=ReplyState.SENT)
        .order_by("-seq")
        .values("seq")[:1]
    )
    mine = Evaluation.objects.filter(assignment=OuterRef("pk"), proposer__user=user, reply__seq=latest_seq)
    today = timezone.localdate()
    return (
        _answered_to_me(user)
        .filter(state=AssignmentState.REPLIED)
        .filter(Q(eval_due__isnull=True) | Q(eval_due__gte=today))
        .exclude(Exists(mine))
        .order_by("eval_due", "pk")
    )


def portal_proposal_get(user, pk) -> Proposal:
    p = portal_proposals(user).filter(pk=_pk(pk)).first()
    if p is None:
        raise NotFound()
    return p


def portal_assignments(proposal: Proposal) -> QuerySet[Assignment]:
    """The units answering or helping on this proposal, as the 交办 notice names them."""
    return (
        proposal.assignments.filter(parent__isnull=True)
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("unit")
        .order_by(Case(When(role=AssignmentRole.LEAD, then=0), When(role=AssignmentRole.CO, then=2), default=1), "id")
    )


def portal_assignment_get(user, pk) -> Assignment:
    a = (
        Assignment.objects.filter(
            pk=_pk(pk), parent__isnull=True, proposal__in=Proposal.objects.filter(proposer_scope_q(user))
        )
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("proposal", "proposal__session", "unit")
        .first()
    )
    if a is None:
        raise NotFound()
    return a


def proposer_for(user, proposal: Proposal) -> Proposer | None:
    """The user's Proposer if they may evaluate and write about this proposal (lead, co-signer, merged)."""

    return _proposer_for(user, proposal)


def portal_url(proposal: Proposal) -> str:
    return reverse("portal:proposal", args=[proposal.pk])


def message_url(m: PortalMessage) -> str:
    return reverse("portal:unit_messages") + f"#m{m.pk}"


def sent_replies(a: Assignment) -> list[Reply]:
    """Sent replies of an assignment, oldest first (first reply, corrections, second reply)."""
    return list(a.replies.filter(state=ReplyState.SENT).order_by("seq", "id"))


@dataclass
class Step:
    """One line of a unit's timeline in the portal."""

    on: dt.date | None
    title: str
    detail: str = ""
    kind: str = "info"  # info | done | due | warn


@dataclass
class UnitPanel:
    assignment: Assignment
    steps: list[Step] = field(default_factory=list)
    replies: list = field(default_factory=list)
    dues: list[tuple[str, dt.date]] = field(default_factory=list)
    can_evaluate: bool = False
    evaluations: list = field(default_factory=list)
    commitments: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    can_message: bool = False


def unit_panels(user, proposal: Proposal) -> list[UnitPanel]:
    """Per assigned unit: timeline, due dates, sent replies, evaluations, B follow-up and messages."""

    me = proposer_for(user, proposal)
    assignments = list(portal_assignments(proposal))
    ids = [a.pk for a in assignments]
    contacts: dict[int, list] = {}
    for c in Contact.objects.filter(assignment_id__in=ids).order_by("on", "id"):
        contacts.setdefault(c.assignment_id, []).append(c)
    opinions = {o.assignment_id: o for o in CoOpinion.objects.filter(assignment_id__in=ids)}
    replies: dict[int, list[Reply]] = {}
    for r in Reply.objects.filter(assignment_id__in=ids, state=ReplyState.SENT).order_by("seq", "id"):
        replies.setdefault(r.assignment_id, []).append(r)
    reply_ids = [r.pk for rs in replies.values() for r in rs]
    files: dict[int, list] = {}
    for f in Attachment.objects.filter(reply_id__in=reply_ids).order_by("uploaded_at"):
        files.setdefault(f.reply_id, []).append(f)
    evals: dict[int, list] = {}
    for e in Evaluation.objects.filter(assignment_id__in=ids).select_related("proposer").order_by("on", "id"):
        evals.setdefault(e.assignment_id, []).append(e)
    commitments: dict[int, list] = {}
    for c in (
        Commitment.objects.filter(reply_id__in=reply_ids)
        .select_related("reply")
        .prefetch_related("progress")
        .order_by("seq", "id")
    ):
        commitments.setdefault(c.reply.assignment_id, []).append(c)
    messages: dict[int, list] = {}
    if me is not None:
        for m in PortalMessage.objects.filter(assignment_id__in=ids, proposer=me).order_by("created_at", "id"):
            messages.setdefault(m.assignment_id, []).append(m)

    panels = []
    for a in assignments:
        panel = UnitPanel(assignment=a)
        steps = panel.steps
        steps.append(Step(a.assigned_on, "交办", f"{a.unit.name}（{a.get_role_display()}）", "done"))
        if a.signed_on:
            steps.append(Step(a.signed_on, "签收", "承办单位已签收", "done"))
        elif a.state == AssignmentState.ADJUSTMENT_REQUESTED:
            steps.append(Step(None, "申请调整", "承办单位申请调整承办单位，等待交办机关审定", "warn"))
        for c in contacts.get(a.pk, []):
            steps.append(
                Step(
                    c.on,
                    f"沟通（{c.get_stage_display()}）",
                    f"{c.get_method_display()}{'，见面沟通' if c.face_to_face else ''}",
                    "done",
                )
            )
        if a.role == AssignmentRole.LEAD:
            for co in assignments:
                if co.role == AssignmentRole.CO:
                    o = opinions.get(co.pk)
                    if o is not None:
                        steps.append(
                            Step(o.submitted_on, "会办意见", f"会办单位{co.unit.name}已向主办单位提交会办意见", "done")
                        )
                    else:
                        steps.append(Step(None, "会办意见", f"会办单位{co.unit.name}尚未提交会办意见", "info"))
        if a.role == AssignmentRole.CO:
            o = opinions.get(a.pk)
            if o is not None:
                steps.append(
                    Step(o.submitted_on, "会办意见", "已向主办单位提交会办意见（由主办单位统一答复）", "done")
                )
        for r in replies.get(a.pk, []):
            what = "更正答复" if r.correction_of_id else ("第二次答复" if r.seq > 1 else "答复")
            steps.append(Step(r.sent_on, what, f"{r.get_result_class_display()}，签发人：{r.signer or '—'}", "done"))
            r.portal_files = files.get(r.pk, [])
            panel.replies.append(r)
        for e in evals.get(a.pk, []):
            steps.append(
                Step(e.on, "评价", f"{e.proposer.name if e.proposer else ''}：{e.get_verdict_display()}", "done")
            )
        if a.state == AssignmentState.REHANDLING:
            steps.append(Step(a.rehandling_due, "重新办理", "因评价不满意，承办单位正在重新办理", "warn"))
        for c in commitments.get(a.pk, []):
            steps.append(
                Step(
                    c.due,
                    "承诺事项",
                    f"{c.text[:40]}（{c.get_state_display()}）",
                    "done" if c.state != "open" else "due",
                )
            )
        if a.state == AssignmentState.CLOSED:
            steps.append(Step(a.closed_on, "办结", "", "done"))
        steps.sort(key=lambda s: (s.on is None, s.on or dt.date.max))
        panel.commitments = commitments.get(a.pk, [])
        panel.evaluations = evals.get(a.pk, [])
        panel.messages = messages.get(a.pk, [])
        panel.dues = _open_dues(a)
        panel.can_evaluate = _can_evaluate(me, a, panel.replies, panel.evaluations)
        panel.can_message = me is not None and a.state not in (AssignmentState.CLOSED, AssignmentState.WITHDRAWN)
        panels.append(panel)
    return panels


def _open_dues(a: Assignment) -> list[tuple[str, dt.date]]:
    """The due dates still ahead of the unit (or of the proposer, for the evaluation)."""
    out = []
    if a.state in (AssignmentState.PENDING_SIGN,) and a.sign_due:
        out.append(("签收期限", a.sign_due))
    if (
        a.role == AssignmentRole.CO
        and a.state in (AssignmentState.PENDING_SIGN, AssignmentState.HANDLING)
        and a.opinion_due
    ):
        out.append(("会办意见期限", a.opinion_due))
    if a.answers_proposer and not a.first_reply_on and a.reply_due and a.state not in (AssignmentState.CLOSED,):
        out.append(("答复期限", a.reply_due))
    if a.state == AssignmentState.REHANDLING and a.rehandling_due:
        out.append(("重新办理期限", a.rehandling_due))
    if a.state == AssignmentState.REPLIED and a.eval_due:
        out.append(("评价期限", a.eval_due))
    return out


def _can_evaluate(me: Proposer | None, a: Assignment, replies: list[Reply], evals: list) -> bool:
    """Whether to offer the evaluation form; evaluation_submit decides for real."""
    if me is None or not a.answers_proposer or not replies:
        return False
    if a.state not in (AssignmentState.REPLIED, AssignmentState.FOLLOW_UP, AssignmentState.CLOSED):
        return False
    if me.pk == a.proposal.lead_id and a.state != AssignmentState.REPLIED:
        return False
    if a.eval_due and timezone.localdate() > a.eval_due:
        return False
    current = replies[-1]
    family = {current.pk, current.correction_of_id} - {None}
    return not any(e.proposer_id == me.pk and e.reply_id in family for e in evals)


# --- messages, seen from the handling unit -----------------------------------------------------


def unit_answerers(a: Assignment) -> list[User]:
    """Liaisons of the unit and handlers of departments given the case."""

    users = (
        User.objects.filter(is_active=True, org__path__startswith=a.unit.path)
        .filter(
            Q(role_grants__role=Role.UNIT_LIAISON)
            | Q(role_grants__role=Role.HANDLER, org__in=DeptTask.objects.filter(assignment=a).values("dept"))
        )
        .select_related("org")
        .distinct()
    )
    return [u for u in users if user_unit(u) and user_unit(u).pk == a.unit_id]


def unit_messages(user) -> QuerySet[PortalMessage]:
    """Messages to the units of a liaison or leader (their whole unit) or a handler (their cases)."""

    unit = user_unit(user) if user.has_role(*UNIT) else None
    if unit is None:
        return PortalMessage.objects.none()
    qs = PortalMessage.objects.filter(assignment__unit=unit)
    if not user.has_role(*UNIT_MANAGERS):
        qs = qs.filter(
            assignment__in=DeptTask.objects.filter(Q(dept_id=user.org_id) | Q(handler=user)).values("assignment")
        )
    return qs.select_related("assignment", "assignment__proposal", "assignment__unit", "proposer").order_by(
        Case(When(answered_at__isnull=True, then=0), default=1), "-created_at"
    )


def unit_message_get(user, pk) -> PortalMessage:
    m = unit_messages(user).filter(pk=_pk(pk)).first()
    if m is None:
        raise NotFound()
    return m


# --- disclosure review -------------------------------------------------------------------------


def can_review_disclosure(user, a: Assignment) -> bool:
    """Body staff of the proposal's body, or a coordinator over the unit."""
    if user.has_role(Role.BODY_STAFF):
        body = user_body(user)
        if body is not None and body.pk == a.proposal.session.body_id:
            return True
    if user.has_role(Role.COORDINATOR) and user.org_id:
        return a.unit.path.startswith(user.org.path)
    return False


def can_propose_disclosure(user, a: Assignment) -> bool:
    if not user.has_role(*UNIT_MANAGERS):
        return False
    unit = user_unit(user)
    return unit is not None and unit.pk == a.unit_id


def disclosure_scope_q(user) -> Q:
    q = Q(pk__in=[])
    if user.has_role(Role.BODY_STAFF):
        body = user_body(user)
        if body is not None:
            q |= Q(assignment__proposal__session__body=body)
    if user.has_role(Role.COORDINATOR) and user.org_id:
        q |= Q(assignment__unit__path__startswith=user.org.path)
    if user.has_role(*UNIT_MANAGERS):
        unit = user_unit(user)
        if unit is not None:
            q |= Q(assignment__unit=unit)
    return q


def disclosure_replies(user) -> QuerySet[Reply]:
    """Sent replies to proposers that the user may review or propose disclosure for."""
    return (
        Reply.objects.filter(
            disclosure_scope_q(user),
            state=ReplyState.SENT,
            assignment__parent__isnull=True,
            assignment__role__in=DUE_ROLES,
        )
        .exclude(assignment__state=AssignmentState.WITHDRAWN)
        .annotate(pub_state=Coalesce("publication__state", Value(PublicationState.PENDING)))
        .select_related(
            "assignment", "assignment__unit", "assignment__proposal", "assignment__proposal__session", "publication"
        )
    )


def disclosure_reply_get(user, pk) -> Reply:
    r = disclosure_replies(user).filter(pk=_pk(pk)).first()
    if r is None:
        raise NotFound()
    return r


def disclosure_counts(user) -> dict[str, int]:
    rows = disclosure_replies(user).values("pub_state").annotate(n=Count("pk")).order_by()
    out = dict.fromkeys(PublicationState.values, 0)
    for row in rows:
        out[row["pub_state"]] = row["n"]
    return out


# --- the public site ---------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return tokens(text or "")


def search_form(title: str, text: str) -> str:
    """The stored search form of a published reply: the title's distinct normalised tokens marked
    “#” for ranking (“ #工业上楼 #工业 … ”), then the normalised title and text themselves, so a
    query term is found with one LIKE on one table wherever it is written — segmentation cannot
    hide a word (产业金融处 in 联系人：产业金融处张三).

    Built only from the title and the redacted text, so nothing that was removed can be found.
    """
    t = [w.strip() for w in _tokens(title) if w.strip()]
    marks = " " + " ".join(dict.fromkeys(f"#{w}" for w in t)) + " "
    return f"{marks}\n{normalize(title)}\n{normalize(text)}"


def query_terms(q: str) -> list[str]:
    """The strings a published reply must contain (normalised; textintel.text.search_strings)."""
    q = (q or "").strip()[:100]
    if not q:
        return []
    return [t for t in search_strings(q) if t.strip() and " " not in t][:8]


def published() -> QuerySet[Publication]:
    """Every publicly visible reply.

    Only sent replies to proposers (top-level lead/separate/sole assignments) ever get a
    Publication (see disclosure_replies), a sent reply never changes and a replied assignment
    cannot be withdrawn — so the state alone decides, and lists need no joins to filter.
    """
    return Publication.objects.filter(state=PublicationState.PUBLISHED)


def public_list(
    *, session: Session | None = None, unit: Org | None = None, topic: str = "", result_class: str = "", q: str = ""
) -> tuple[QuerySet, list[str]]:
    """Ids (values_list) of the published replies matching the filters, best first; load a page
    of them with public_rows(). With a query, the narrow PublicSearch table drives the scan."""
    filters = {}
    if session is not None:
        filters["reply__assignment__proposal__session"] = session
    if unit is not None:
        filters["reply__assignment__unit"] = unit
    if topic:
        filters["reply__assignment__proposal__topic"] = topic
    if result_class:
        filters["reply__assignment__result_class"] = result_class
    terms = query_terms(q)
    if not terms:
        qs = published().filter(**filters).order_by("-published_on", "-pk").values_list("pk", flat=True)
        return qs, terms
    s = PublicSearch.objects.filter(publication__state=PublicationState.PUBLISHED)
    if filters:
        s = s.filter(**{f"publication__{k}": v for k, v in filters.items()})
    for t in terms:
        s = s.filter(tokens__contains=t)
    rank = sum(
        (
            Case(When(tokens__contains=f" #{t} ", then=Value(1)), default=Value(0), output_field=IntegerField())
            for t in terms
        ),
        Value(0),
    )
    qs = s.annotate(rank=rank).order_by("-rank", "-published_on", "-pk").values_list("pk", flat=True)
    return qs, terms


def public_rows(ids) -> list[Publication]:
    """The publications with these ids, in this order, with what a list card shows (one query)."""
    ids = list(ids)
    rows = (
        published()
        .filter(pk__in=ids)
        .select_related(
            "reply",
            "reply__assignment",
            "reply__assignment__unit",
            "reply__assignment__proposal",
            "reply__assignment__proposal__session",
        )
    )
    by_id = {p.pk: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def public_get(pk) -> Publication:
    pub = (
        published()
        .filter(pk=_pk(pk))
        .select_related(
            "reply",
            "reply__assignment",
            "reply__assignment__unit",
            "reply__assignment__proposal",
            "reply__assignment__proposal__session",
            "reply__assignment__proposal__lead",
        )
        .first()
    )
    if pub is None:
        raise NotFound()
    return pub


# Filter options and per-session counts are cached briefly: they change only when a reply is
# published or withdrawn, and a minute's delay in a drop-down is harmless (the lists themselves
# are never cached).
OPTIONS_TTL = 60


def _cached(key: str, compute):
    from django.core.cache import cache

    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, OPTIONS_TTL)
    return value


def public_sessions() -> list[Session]:
    """Sessions with their number of published replies, newest first."""
    counts = _cached(
        "portal:public:session_counts",
        lambda: dict(
            published().values_list("reply__assignment__proposal__session").annotate(n=Count("pk")).order_by()
        ),
    )
    sessions = list(Session.objects.select_related("body").order_by("-year", "-start_date", "-id"))
    for s in sessions:
        s.published_count = counts.get(s.pk, 0)
    return sessions


def public_units() -> list[Org]:
    ids = _cached(
        "portal:public:unit_ids",
        lambda: list(published().values_list("reply__assignment__unit", flat=True).distinct().order_by()),
    )
    return list(Org.objects.filter(pk__in=ids).order_by("path"))


def public_topics() -> list[str]:
    return _cached(
        "portal:public:topics",
        lambda: sorted(
            t
            for t in published().values_list("reply__assignment__proposal__topic", flat=True).distinct().order_by()
            if t
        ),
    )


def public_cache_clear() -> None:
    from django.core.cache import cache

    cache.delete_many(["portal:public:session_counts", "portal:public:unit_ids", "portal:public:topics"])


def public_stats(session: Session) -> dict:
    """The session's SPEC §9 figures (counts and rates only)."""
    return _cached(f"portal:public:stats:{session.pk}", lambda: stats_for(sessions=[session]))
