"""Reads behind the documents that SPEC §9's selector does not give: contacts by method,
showcases, leader-led cases and B-class commitments of a scope (sessions × org subtree).

The scope is the one of `banli.stats.selectors.stats_for` (`scoped_assignments`), so these
sentences count the same assignments as the figures next to them.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, F, QuerySet

from banli.cases.models import (
    DUE_ROLES,
    Assignment,
    AssignmentState,
    Contact,
    ContactMethod,
    Proposal,
    Reply,
    ReplyState,
    ReviewState,
)
from banli.handling.models import Commitment, FollowUp
from banli.orgs.models import Org
from banli.stats.selectors import scoped_assignments


def scope_assignments(*, sessions, org: Org | None) -> QuerySet[Assignment]:
    return scoped_assignments(sessions=sessions, org=org)


def contacts_by_method(*, sessions, org: Org | None) -> tuple[list[tuple[str, str, int]], int, int]:
    """[(method, label, count)] in ContactMethod order (non-zero only), total, face-to-face count."""
    rows = (
        Contact.objects.filter(assignment__in=scope_assignments(sessions=sessions, org=org))
        .values("method", "face_to_face")
        .annotate(n=Count("id"))
    )
    by_method: Counter = Counter()
    f2f = 0
    for r in rows:
        by_method[r["method"]] += r["n"]
        if r["face_to_face"]:
            f2f += r["n"]
    ordered = [(m.value, m.label, by_method[m.value]) for m in ContactMethod if by_method[m.value]]
    return ordered, sum(by_method.values()), f2f


def leader_led(*, sessions, org: Org | None) -> tuple[int, int]:
    """(key proposals led or supervised by a named leader, contacts a leader took part in)."""
    a = scope_assignments(sessions=sessions, org=org)
    key = Proposal.objects.filter(pk__in=a.values("proposal_id"), is_key=True).exclude(key_leader="").count()
    led_contacts = Contact.objects.filter(assignment__in=a).exclude(leader="").count()
    return key, led_contacts


def showcases(*, sessions, org: Org | None) -> list[dict]:
    """Proposals marked as showcases (典型案例) in scope, with their units by role."""
    a = scope_assignments(sessions=sessions, org=org)
    props = (
        Proposal.objects.filter(pk__in=a.values("proposal_id"), is_showcase=True, review_state=ReviewState.ACCEPTED)
        .select_related("lead")
        .prefetch_related("cosigners")
        .order_by("number")
    )
    out = []
    for p in props:
        units = (
            Assignment.objects.filter(proposal=p, parent__isnull=True)
            .exclude(state=AssignmentState.WITHDRAWN)
            .select_related("unit")
            .order_by("id")
        )
        out.append(
            {
                "proposal": p,
                "title": p.title,
                "number": p.number,
                "lead": p.lead.name,
                "cosigners": len(p.cosigners.all()),
                "by_role": {
                    r: [x.unit.name for x in units if x.role == r] for r in ("lead", "co", "separate", "sole")
                },
            }
        )
    return out


def b_class_counts(*, sessions, org: Org | None) -> tuple[dict, int]:
    """({follow-up state: count} of the scope's B-class replies, dropped commitments), by aggregates.
    B replies without a follow-up row count as “open”."""

    a = scope_assignments(sessions=sessions, org=org).filter(role__in=DUE_ROLES)
    counts = dict(FollowUp.objects.filter(assignment__in=a).order_by().values_list("state").annotate(n=Count("id")))
    # A later B reply of a case joins the case's follow-up: only cases without one are loose.
    loose = Reply.objects.filter(
        assignment__in=a, state=ReplyState.SENT, result_class="B", assignment__followups__isnull=True
    ).count()
    if loose:
        counts["open"] = counts.get("open", 0) + loose
    if not counts:
        n = a.filter(result_class="B").exclude(replies__state=ReplyState.SENT).count()
        if n:
            counts["open"] = n
    dropped = Commitment.objects.filter(reply__assignment__in=a, state="dropped").count()
    return counts, dropped


def b_class_replies(*, sessions, org: Org | None, limit: int | None = None) -> list[dict]:
    """Sent B-class replies of the scope (due roles), with follow-up state and commitments
    (the first `limit` by number when given). A few queries whatever the number of rows."""

    a = scope_assignments(sessions=sessions, org=org).filter(role__in=DUE_ROLES)
    fus_qs = (
        FollowUp.objects.filter(assignment__in=a)
        .select_related("assignment__proposal__lead", "assignment__unit", "reply")
        .order_by("assignment__proposal__number", "id")
    )
    fus = list(fus_qs[:limit] if limit else fus_qs)
    # A follow-up tracks the commitments of every sent reply of its case.
    commitments: dict[int, list] = {}
    for c in (
        Commitment.objects.filter(
            reply__assignment_id__in=[fu.assignment_id for fu in fus], reply__state=ReplyState.SENT
        )
        .annotate(case_assignment=F("reply__assignment_id"))
        .order_by("reply__seq", "reply_id", "seq", "id")
    ):
        commitments.setdefault(c.case_assignment, []).append(c)
    out = [
        {
            "followup": fu,
            "proposal": fu.assignment.proposal,
            "unit": fu.assignment.unit,
            "commitments": commitments.get(fu.assignment_id, []),
        }
        for fu in fus
    ]
    # B replies sent without a follow-up row for their case (e.g. imported from a ledger) are listed too.
    for r in (
        Reply.objects.filter(
            assignment__in=a, state=ReplyState.SENT, result_class="B", assignment__followups__isnull=True
        )
        .select_related("assignment__proposal__lead", "assignment__unit")
        .order_by("assignment__proposal__number", "id")
    ):
        out.append({"followup": None, "proposal": r.assignment.proposal, "unit": r.assignment.unit, "commitments": []})
        if limit and len(out) >= limit:
            break
    if not out:
        # Ledger imports may carry only the assignment's current class.
        for x in (
            a.filter(result_class="B")
            .exclude(replies__state=ReplyState.SENT)
            .select_related("proposal__lead", "unit")
            .order_by("proposal__number")[:limit]
        ):
            out.append({"followup": None, "proposal": x.proposal, "unit": x.unit, "commitments": []})
    return out[:limit] if limit else out
