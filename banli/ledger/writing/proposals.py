"""Writing units (--create-orgs), proposers and proposals (with 并案 targets and cosigners)."""

from __future__ import annotations

from banli.cases.models import JointKind, Proposal, Proposer, ProposerKind, ReviewState
from banli.cases.services import proposer_get_or_create
from banli.orgs.models import Org, OrgKind
from banli.orgs.services import org_add

from ..plan import LedgerPlan, RowProposal


def create_orgs(plan: LedgerPlan, actor, org_parent: Org | None) -> int:
    """Units created on request (--create-orgs); the plan's rows get their unit."""
    units: dict[str, Org] = {}
    for name in plan.new_orgs:
        units[name] = org_add(actor=actor, name=name, kind=OrgKind.UNIT, parent=org_parent)
    for rp in plan.proposals.values():
        for ra in rp.new_assignments:
            if ra.unit is None:
                ra.unit = units[ra.unit_name]
    return len(units)


def create_proposers(plan: LedgerPlan) -> tuple[int, dict[str, Proposer]]:
    """Proposers of the new proposals: reused by name within the body, the missing ones created."""
    body = plan.session.body
    wanted: dict[str, str] = {}
    for rp in _new(plan):
        wanted.setdefault(rp.values["领衔人"], rp.values.get("界别/代表团", ""))
        for n in rp.values.get("联名人") or ():
            wanted.setdefault(n, "")
    proposers = {p.name: p for p in Proposer.objects.filter(body=body, name__in=list(wanted))}
    made = 0
    for name, group in wanted.items():
        if name not in proposers:
            proposers[name] = proposer_get_or_create(body=body, name=name, group=group)
            made += 1
    return made, proposers


def _new(plan: LedgerPlan) -> list[RowProposal]:
    return [rp for rp in plan.proposals.values() if rp.existing is None]


def _proposal(plan: LedgerPlan, rp: RowProposal, proposers: dict[str, Proposer], actor) -> Proposal:
    session = plan.session
    v = rp.values
    lead = proposers[v["领衔人"]]
    rp.cosigners = [proposers[n] for n in (v.get("联名人") or ()) if n != lead.name]
    if lead.kind == ProposerKind.COLLECTIVE:
        joint = JointKind.COLLECTIVE
    else:
        joint = JointKind.JOINT if rp.cosigners else JointKind.INDIVIDUAL
    return Proposal(
        session=session,
        number=rp.number,
        title=v["标题"],
        content=v.get("内容", ""),
        kind=session.proposal_kind,
        channel=v.get("来源") or "plenary",
        lead=lead,
        joint_kind=joint,
        group=v.get("界别/代表团") or lead.group,
        submitted_on=v.get("提交日期"),
        review_state=v.get("立案状态", ReviewState.ACCEPTED),
        is_key=bool(v.get("重点")),
        created_by=actor,
    )


def create_proposals(plan: LedgerPlan, proposers: dict[str, Proposer], actor) -> int:
    new = _new(plan)
    objs = [_proposal(plan, rp, proposers, actor) for rp in new]
    Proposal.objects.bulk_create(objs, batch_size=500)
    by_number = {o.number: o for o in objs}
    for rp in new:
        rp.obj = by_number[rp.number]
    _link_merges(plan, new, by_number)
    Through = Proposal.cosigners.through
    Through.objects.bulk_create(
        [Through(proposal_id=rp.obj.pk, proposer_id=c.pk) for rp in new for c in rp.cosigners], batch_size=1000
    )
    return len(objs)


def _link_merges(plan: LedgerPlan, new: list[RowProposal], by_number: dict[str, Proposal]) -> None:
    """并案 targets may be new or already in the session."""
    merging = [rp for rp in new if rp.values.get("立案状态") == ReviewState.MERGED]
    if not merging:
        return
    targets = {n for n in (rp.values["并入编号"] for rp in merging) if n not in by_number}
    known = dict(Proposal.objects.filter(session=plan.session, number__in=list(targets)).values_list("number", "pk"))
    for rp in merging:
        t = rp.values["并入编号"]
        rp.obj.merged_into_id = by_number[t].pk if t in by_number else known[t]
    Proposal.objects.bulk_update([rp.obj for rp in merging], ["merged_into"], batch_size=500)
