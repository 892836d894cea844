"""The metrics of SPEC §9, computed in a constant number of queries.

`stats_for(sessions=…, org=…)` returns every figure; `stats_cases(…, key=…)` returns the rows a
figure counts, so a dashboard can link each number to its list. Both build on the same
conditions (`_conditions`), so a list always has exactly as many rows as its number says.

Scope. The intake figures (received … accept_rate) are the sessions', whatever the org. Every
other figure counts active (non-withdrawn) assignments of the sessions to units inside the org
subtree — the *highest* assignments inside it: with no org, top-level assignments only; with an
org, an assignment whose parent assignment is also inside the subtree is not counted again
(a district's sub-assignments to its own bureaus are its internal distribution; the district's
own answer is the one counted). A bureau under the district, taken as the org, sees its own
sub-assignments.

Readings of §9 worth knowing:
* replies_sent: due assignments (lead/separate/sole) with a first reply date.
* on_time_sign_rate / on_time_reply_rate: over the assignments whose outcome is known — signed
  (resp. replied), or still unsigned (unanswered) after the due date, which count as late from
  the day they are late. Cases not yet due do not lower the rate.
* class_counts/class_rates: the assignment's current class (a B converted to A counts as A),
  over replies_sent.
* evaluated/satisfied/…: the latest evaluation (by date, then id) of each replied assignment.
* contact_rate: replies sent with ≥ 1 contact dated on or before the first reply;
  face_to_face_rate: replies sent with ≥ 1 face-to-face contact (any date).
* b_open / b_converted: replied assignments with an open / converted B-class follow-up.
* adoption_rate: point decisions of sent replies in scope, 采纳 = 1, 部分采纳 = ½, over decided
  points; None while no point has a decision.
* overdue: unsigned past the sign due date; due role unanswered past the reply due date;
  co unit without opinion past the opinion due date while its lead has not replied (the lead's
  reply ends it as 未提交); re-handling past its due date.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from banli.cases.models import (
    DUE_ROLES,
    Assignment,
    AssignmentRole,
    AssignmentState,
    Channel,
    Contact,
    Evaluation,
    Proposal,
    ReplyState,
    ReviewState,
    Session,
    Verdict,
)
from banli.handling.models import FollowUp, PointDecision
from banli.orgs.models import Org

CLASSES = ("A", "B", "C", "D")
ROLES = {
    "lead": AssignmentRole.LEAD,
    "co": AssignmentRole.CO,
    "separate": AssignmentRole.SEPARATE,
    "sole": AssignmentRole.SOLE,
}

# Keys of stats_cases lists of proposals (the intake figures) ...
PROPOSAL_KEYS = (
    "received",
    "by_channel.plenary",
    "by_channel.interim",
    "accepted",
    "not_accepted",
    "merged",
    "assigned",
)
# ... and of assignments. on_time_signed/on_time_replied/contacted/face_to_face are the
# numerators of the rates; sign_decided/reply_decided their denominators.
ASSIGNMENT_KEYS = (
    "assignments",
    *(f"by_role.{r}" for r in ROLES),
    "replies_due",
    "replies_sent",
    "sign_decided",
    "on_time_signed",
    "reply_decided",
    "on_time_replied",
    *(f"class_counts.{c}" for c in CLASSES),
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "contacted",
    "face_to_face",
    "b_open",
    "b_converted",
    "overdue",
)
KEYS = PROPOSAL_KEYS + ASSIGNMENT_KEYS

# rate → (numerator key, denominator key) of stats_cases, for dashboards that link both.
RATE_PARTS = {
    "accept_rate": ("accepted", "received"),
    "assigned_share": ("assigned", "accepted"),
    "reply_rate": ("replies_sent", "replies_due"),
    "on_time_sign_rate": ("on_time_signed", "sign_decided"),
    "on_time_reply_rate": ("on_time_replied", "reply_decided"),
    **{f"class_rates.{c}": (f"class_counts.{c}", "replies_sent") for c in CLASSES},
    "satisfaction_rate": (("satisfied", "basically_satisfied"), "evaluated"),
    "full_satisfaction_rate": ("satisfied", "evaluated"),
    "contact_rate": ("contacted", "replies_sent"),
    "face_to_face_rate": ("face_to_face", "replies_sent"),
}


def _rate(num, den) -> float | None:
    return num / den if den else None


def _session_ids(sessions) -> list[int]:
    if isinstance(sessions, (Session, int)):
        sessions = [sessions]
    if isinstance(sessions, QuerySet):
        return list(sessions.values_list("pk", flat=True))
    return [s.pk if isinstance(s, Session) else int(s) for s in sessions]


def _proposals(session_ids: list[int]) -> QuerySet[Proposal]:
    return Proposal.objects.filter(session_id__in=session_ids)


def scoped_assignments(*, sessions, org: Org | None = None) -> QuerySet[Assignment]:
    """The assignments the non-intake figures count (see the module docstring)."""
    qs = Assignment.objects.filter(proposal__session_id__in=_session_ids(sessions)).exclude(
        state=AssignmentState.WITHDRAWN
    )
    if org is None:
        return qs.filter(parent__isnull=True)
    return qs.filter(unit__path__startswith=org.path).filter(
        Q(parent__isnull=True) | ~Q(parent__unit__path__startswith=org.path)
    )


def _annotated(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """The per-row flags stats_cases filters on (stats_for counts the same from the other tables)."""
    contacts = Contact.objects.filter(assignment=OuterRef("pk"))
    qs = qs.annotate(
        _contact_before=Exists(contacts.filter(on__lte=OuterRef("first_reply_on"))),
        _f2f=Exists(contacts.filter(face_to_face=True)),
    )
    latest = Evaluation.objects.filter(assignment=OuterRef("pk")).order_by("-on", "-id").values("verdict")[:1]
    qs = qs.annotate(_verdict=Subquery(latest))
    fu = FollowUp.objects.filter(assignment=OuterRef("pk"))
    return qs.annotate(_b_open=Exists(fu.filter(state="open")), _b_converted=Exists(fu.filter(state="converted")))


def _conditions(today: dt.date) -> dict[str, Q]:
    """Q over `_annotated` assignments for every assignment key."""
    due = Q(role__in=DUE_ROLES)
    sent = due & Q(first_reply_on__isnull=False)
    unsigned_late = Q(signed_on__isnull=True, sign_due__lt=today)
    unanswered_late = due & Q(first_reply_on__isnull=True, reply_due__lt=today)
    c = {
        "assignments": Q(),
        **{f"by_role.{k}": Q(role=v) for k, v in ROLES.items()},
        "replies_due": due,
        "replies_sent": sent,
        "on_time_signed": Q(signed_on__isnull=False, signed_on__lte=F("sign_due")),
        "sign_decided": Q(signed_on__isnull=False) | unsigned_late,
        "on_time_replied": sent & Q(first_reply_on__lte=F("reply_due")),
        "reply_decided": sent | unanswered_late,
        **{f"class_counts.{k}": sent & Q(result_class=k) for k in CLASSES},
        "evaluated": sent & Q(_verdict__isnull=False),
        "satisfied": sent & Q(_verdict=Verdict.SATISFIED),
        "basically_satisfied": sent & Q(_verdict=Verdict.BASICALLY),
        "unsatisfied": sent & Q(_verdict=Verdict.UNSATISFIED),
        "contacted": sent & Q(_contact_before=True),
        "face_to_face": sent & Q(_f2f=True),
        "b_open": sent & Q(_b_open=True),
        "b_converted": sent & Q(_b_converted=True),
        "overdue": (
            (Q(state__in=[AssignmentState.PENDING_SIGN, AssignmentState.ADJUSTMENT_REQUESTED]) & unsigned_late)
            | (unanswered_late & ~Q(state=AssignmentState.CLOSED))
            # A co unit is overdue only while its opinion is still awaited: it ends (closed, 未提交)
            # when the lead's reply is sent, like the traffic light (banli.deadlines.lights).
            | Q(
                role=AssignmentRole.CO,
                state__in=[
                    AssignmentState.PENDING_SIGN,
                    AssignmentState.ADJUSTMENT_REQUESTED,
                    AssignmentState.HANDLING,
                ],
                opinion_due__lt=today,
            )
            | Q(state=AssignmentState.REHANDLING, rehandling_due__lt=today)
        ),
    }
    return c


def _proposal_conditions(assigned: QuerySet[Assignment]) -> dict[str, Q]:
    return {
        "received": Q(),
        "by_channel.plenary": Q(channel=Channel.PLENARY),
        "by_channel.interim": Q(channel=Channel.INTERIM),
        "accepted": Q(review_state=ReviewState.ACCEPTED),
        "not_accepted": Q(review_state=ReviewState.NOT_ACCEPTED),
        "merged": Q(review_state=ReviewState.MERGED),
        "assigned": Q(review_state=ReviewState.ACCEPTED, _assigned=True),
    }


def _proposals_annotated(session_ids, org):
    scoped = scoped_assignments(sessions=session_ids, org=org)
    return _proposals(session_ids).annotate(_assigned=Exists(scoped.filter(proposal=OuterRef("pk")))), scoped


def _adoption_rate(scoped: QuerySet[Assignment]) -> float | None:
    """采纳率 from the handling app's point decisions (SPEC §4 suggestion points)."""
    agg = PointDecision.objects.filter(
        reply__state=ReplyState.SENT, reply__assignment__in=scoped.values("pk")
    ).aggregate(
        decided=Count("pk"),
        adopted=Count("pk", filter=Q(decision="adopted")),
        partial=Count("pk", filter=Q(decision="partial")),
    )
    if not agg["decided"]:
        return None
    return (agg["adopted"] + agg["partial"] / 2) / agg["decided"]


# Figures counted from evaluations / follow-ups in their own queries (cheaper than one correlated
# subquery per assignment and figure); stats_cases lists them through the annotations instead.
EVALUATION_KEYS = ("evaluated", "satisfied", "basically_satisfied", "unsatisfied")
FOLLOWUP_KEYS = ("b_open", "b_converted")
CONTACT_KEYS = ("contacted", "face_to_face")


def _contact_counts(scoped: QuerySet[Assignment]) -> dict:
    """Replies sent with a contact on/before the first reply; with a face-to-face contact."""
    sent = scoped.filter(role__in=DUE_ROLES, first_reply_on__isnull=False)
    return Contact.objects.filter(assignment__in=sent.values("pk")).aggregate(
        contacted=Count("assignment", distinct=True, filter=Q(on__lte=F("assignment__first_reply_on"))),
        face_to_face=Count("assignment", distinct=True, filter=Q(face_to_face=True)),
    )


def _evaluation_counts(scoped: QuerySet[Assignment]) -> dict:
    """The latest evaluation of each replied due assignment, counted by verdict."""
    newer = Evaluation.objects.filter(assignment=OuterRef("assignment")).filter(
        Q(on__gt=OuterRef("on")) | Q(on=OuterRef("on"), id__gt=OuterRef("id"))
    )
    sent = scoped.filter(role__in=DUE_ROLES, first_reply_on__isnull=False)
    latest = Evaluation.objects.filter(assignment__in=sent.values("pk")).filter(~Exists(newer))
    return latest.aggregate(
        evaluated=Count("pk"),
        satisfied=Count("pk", filter=Q(verdict=Verdict.SATISFIED)),
        basically_satisfied=Count("pk", filter=Q(verdict=Verdict.BASICALLY)),
        unsatisfied=Count("pk", filter=Q(verdict=Verdict.UNSATISFIED)),
    )


def _followup_counts(scoped: QuerySet[Assignment]) -> dict:
    sent = scoped.filter(role__in=DUE_ROLES, first_reply_on__isnull=False)
    return FollowUp.objects.filter(assignment__in=sent.values("pk")).aggregate(
        b_open=Count("assignment", distinct=True, filter=Q(state="open")),
        b_converted=Count("assignment", distinct=True, filter=Q(state="converted")),
    )


def stats_for(*, sessions, org: Org | None = None, today: dt.date | None = None) -> dict:
    """Every figure of SPEC §9 for sessions × org subtree (None = all). Six queries, whatever the size."""
    today = today or timezone.localdate()
    ids = _session_ids(sessions)
    scoped = scoped_assignments(sessions=ids, org=org)
    # Plain scans with conditional counts; the figures that need another table get their own
    # query over that table (a join) rather than a correlated subquery per row.
    p = _proposals(ids).aggregate(
        **{k: Count("pk", filter=q) for k, q in _proposal_conditions(scoped).items() if k != "assigned"}
    )
    skip = set(EVALUATION_KEYS) | set(FOLLOWUP_KEYS) | set(CONTACT_KEYS)
    a = scoped.aggregate(
        **{k: Count("pk", filter=q) for k, q in _conditions(today).items() if k not in skip},
        _assigned=Count("proposal", distinct=True, filter=Q(proposal__review_state=ReviewState.ACCEPTED)),
    )
    p["assigned"] = a.pop("_assigned")
    a.update(_evaluation_counts(scoped))
    a.update(_followup_counts(scoped))
    a.update(_contact_counts(scoped))
    adoption = _adoption_rate(scoped)

    figures = assignment_figures(a)
    overdue = figures.pop("overdue")  # SPEC §9's order: adoption_rate before overdue
    return {
        "received": p["received"],
        "by_channel": {"plenary": p["by_channel.plenary"], "interim": p["by_channel.interim"]},
        "accepted": p["accepted"],
        "not_accepted": p["not_accepted"],
        "merged": p["merged"],
        "accept_rate": _rate(p["accepted"], p["received"]),
        "assigned": p["assigned"],
        "assigned_share": _rate(p["assigned"], p["accepted"]),
        **figures,
        "adoption_rate": adoption,
        "overdue": overdue,
    }


def assignment_figures(a: dict) -> dict:
    """The assignment figures of SPEC §9 from the raw conditional counts `a` (one scope or one group)."""
    sent, evaluated = a["replies_sent"], a["evaluated"]
    return {
        "by_role": {k: a[f"by_role.{k}"] for k in ROLES},
        "replies_due": a["replies_due"],
        "replies_sent": sent,
        "reply_rate": _rate(sent, a["replies_due"]),
        "on_time_sign_rate": _rate(a["on_time_signed"], a["sign_decided"]),
        "on_time_reply_rate": _rate(a["on_time_replied"], a["reply_decided"]),
        "class_counts": {k: a[f"class_counts.{k}"] for k in CLASSES},
        "class_rates": {k: _rate(a[f"class_counts.{k}"], sent) for k in CLASSES},
        "evaluated": evaluated,
        "satisfied": a["satisfied"],
        "basically_satisfied": a["basically_satisfied"],
        "unsatisfied": a["unsatisfied"],
        "satisfaction_rate": _rate(a["satisfied"] + a["basically_satisfied"], evaluated),
        "full_satisfaction_rate": _rate(a["satisfied"], evaluated),
        "contact_rate": _rate(a["contacted"], sent),
        "face_to_face_rate": _rate(a["face_to_face"], sent),
        "b_open": a["b_open"],
        "b_converted": a["b_converted"],
        "overdue": a["overdue"],
    }


def stats_cases(*, sessions, org: Org | None = None, key: str, today: dt.date | None = None) -> QuerySet:
    """The proposals (PROPOSAL_KEYS) or assignments (ASSIGNMENT_KEYS) a figure counts.

    Keys are the figure names with a dot for nested ones (`by_channel.plenary`,
    `class_counts.A`, `by_role.lead`); RATE_PARTS names the lists behind each rate. The caller
    applies the user's scope for display (e.g. intersect with proposals_visible_to(user)).
    """
    today = today or timezone.localdate()
    ids = _session_ids(sessions)
    if key in PROPOSAL_KEYS:
        proposals, scoped = _proposals_annotated(ids, org)
        return proposals.filter(_proposal_conditions(scoped)[key]).order_by("number", "pk")
    if key in ASSIGNMENT_KEYS:
        scoped = scoped_assignments(sessions=ids, org=org)
        return _annotated(scoped).filter(_conditions(today)[key]).order_by("proposal__number", "pk")
    raise KeyError(f"未知的统计项：{key}")
