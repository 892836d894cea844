"""Writing assignments with the history the ledger records: their state (`states`), due dates and dates."""

from __future__ import annotations

import datetime as dt

from banli.calendar import workdays
from banli.cases import deadlines
from banli.cases.models import Assignment, AssignmentRole, AssignmentState

from ..plan import LedgerPlan, RowAssignment, RowProposal
from .states import assignment_state


def lead_of(rp: RowProposal) -> tuple[object, dt.date | None]:
    """The proposal's lead assignment (a new row's or the one in the system) and its reply date."""
    for ra in rp.new_assignments:
        if ra.role == AssignmentRole.LEAD:
            replied = ra.replied_on if ra.replied_on and ra.result_class else None
            return ra.obj, replied
    a = rp.existing_lead
    return a, (a.first_reply_on if a is not None else None)


class _Dues:
    """Due dates as assignment_create computes them (body policy; a key proposal's own dates),
    memoised: a ledger has few distinct (date, role) pairs."""

    def __init__(self, body):
        self.body = body
        self.memo: dict = {}

    def on_assignment(self, on: dt.date, role: str, proposal) -> dict:
        key = (on, role, proposal.pk if proposal is not None and proposal.is_key else None)
        if key not in self.memo:
            self.memo[key] = deadlines.assignment_due_dates(
                on, role=role, body=self.body, proposal=proposal if key[2] else None
            )
        return self.memo[key]

    def after_reply(self, fn, on: dt.date) -> dt.date:
        key = (fn.__name__, on)
        if key not in self.memo:
            self.memo[key] = fn(on, body=self.body)
        return self.memo[key]


def _assignment(plan: LedgerPlan, ra: RowAssignment, proposal, dues: _Dues, lead_replied_on) -> Assignment:
    state, closed_on = assignment_state(ra, lead_replied_on)
    replied = bool(ra.replied_on and ra.result_class)
    return Assignment(
        proposal_id=proposal.pk,
        unit=ra.unit,
        role=ra.role,
        state=state,
        assigned_by=plan.session.body,
        assigned_on=ra.assigned_on,
        **dues.on_assignment(ra.assigned_on, ra.role, proposal),
        signed_on=ra.signed_on,
        first_reply_on=ra.replied_on if replied else None,
        result_class=(ra.current_class or ra.result_class) if replied else "",
        # The ledger dates an evaluation on its reply day (it has no evaluation date).
        eval_due=dues.after_reply(workdays.eval_due, ra.replied_on) if replied else None,
        rehandling_due=dues.after_reply(workdays.rehandling_due, ra.replied_on)
        if state == AssignmentState.REHANDLING
        else None,
        closed_on=closed_on,
    )


def create_assignments(plan: LedgerPlan, touched: list[RowProposal]) -> int:
    dues = _Dues(plan.session.body)
    objs = []
    for rp in touched:
        _, lead_replied_on = lead_of(rp)  # before the lead's row is created: its date is enough
        for ra in rp.new_assignments:
            ra.obj = _assignment(plan, ra, rp.proposal, dues, lead_replied_on)
            objs.append(ra.obj)
    Assignment.objects.bulk_create(objs, batch_size=500)
    return len(objs)
