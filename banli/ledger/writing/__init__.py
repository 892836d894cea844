"""Writing a validated ledger, one module per kind of record, in the order they depend on.

`write` runs inside the import's transaction. Each writer bulk-creates its records and returns
how many; rows already in the system were left out of the plan by validation (`new_assignments`).
"""

from __future__ import annotations

from collections import Counter

from banli.orgs.models import Org

from ..plan import COUNT_LABELS, LedgerPlan, ProgressFn
from .assignments import create_assignments
from .audit import record_import
from .co_opinions import create_co_opinions, mark_missing_opinions
from .contacts import create_contacts
from .evaluations import create_evaluations
from .followups import create_followups
from .proposals import create_orgs, create_proposals, create_proposers
from .replies import create_replies


def write(plan: LedgerPlan, actor, org_parent: Org | None, progress: ProgressFn) -> None:
    """Create everything the plan lists; `plan.counts` becomes what was created."""
    actor_obj = actor if getattr(actor, "pk", None) else None
    created = Counter()
    created["orgs"] = create_orgs(plan, actor_obj, org_parent)
    created["proposers"], proposers = create_proposers(plan)
    progress(0.3, "正在写入建议提案")
    created["proposals"] = create_proposals(plan, proposers, actor_obj)
    progress(0.45, "正在写入交办和办理记录")
    # Proposals the import touched: new ones, and existing ones that got new assignments.
    touched = [rp for rp in plan.proposals.values() if rp.existing is None or rp.new_assignments]
    rows = [ra for rp in touched for ra in rp.new_assignments]
    created["assignments"] = create_assignments(plan, touched)
    created["replies"] = create_replies(rows, actor_obj)
    created["conversions"] = create_followups(rows)
    created["co_opinions"] = create_co_opinions(touched)
    mark_missing_opinions(touched)
    created["contacts"] = create_contacts(rows, actor_obj)
    created["evaluations"] = create_evaluations(touched, actor_obj)
    progress(0.6, "正在记录审计日志")
    plan.counts = {k: created.get(k, 0) for k in COUNT_LABELS}
    plan.counts["proposals_existing"] = sum(1 for rp in plan.proposals.values() if rp.existing is not None)
    plan.counts["assignments_existing"] = sum(
        len(rp.assignments) - len(rp.new_assignments) for rp in plan.proposals.values()
    )
    record_import(plan, touched, actor_obj, created, progress)
