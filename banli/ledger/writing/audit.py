"""The import's audit trail: one `ledger.import` event per proposal touched, then one for the file."""

from __future__ import annotations

from banli.audit.services import audit_record, audit_record_many

from .. import format as fmt
from ..plan import LedgerPlan, ProgressFn, RowProposal

CHUNK = 500


def _entry(plan: LedgerPlan, rp: RowProposal) -> dict:
    p = rp.proposal
    units_txt = [f"{ra.unit_name}（{fmt.ROLE_LABELS[ra.role]}）" for ra in rp.new_assignments]
    if rp.existing is None:
        summary = f"台账导入：登记 {p.number}" + (f"，交办{'、'.join(units_txt)}" if units_txt else "")
    else:
        summary = f"台账导入：交办{'、'.join(units_txt)}"
    return dict(
        verb="ledger.import",
        obj=p,
        proposal_id=p.pk,
        summary=summary,
        new={
            "source": plan.filename,
            "number": p.number,
            "review_state": p.review_state,
            "assignments": [
                {
                    "unit": ra.unit_name,
                    "role": ra.role,
                    "assigned_on": ra.assigned_on,
                    "signed_on": ra.signed_on,
                    "replied_on": ra.replied_on,
                    "result_class": ra.result_class,
                    "opinion_on": ra.opinion_on,
                    "current_class": ra.current_class,
                    "converted_on": ra.converted_on,
                    "contacts": ra.methods,
                    "verdict": ra.verdict,
                }
                for ra in rp.new_assignments
            ],
        },
    )


def record_import(plan: LedgerPlan, touched: list[RowProposal], actor, created: dict, progress: ProgressFn) -> None:
    """Events appended in chunks (one lock of the chain head per chunk) so the progress bar moves
    and PostgreSQL isn't slowed by several round trips per event."""
    n = len(touched)
    chunk = []
    for i, rp in enumerate(touched, start=1):
        chunk.append(_entry(plan, rp))
        if len(chunk) == CHUNK or i == n:
            audit_record_many(actor=actor, entries=chunk)
            chunk = []
            progress(0.6 + 0.4 * i / n, f"正在记录审计日志（{i}/{n}）")
    if any(created.values()):
        audit_record(
            actor=actor,
            verb="ledger.import",
            obj=plan.session,
            summary=f"导入台账《{plan.filename}》：新增建议/提案 {created['proposals']} 件、"
            f"交办 {created['assignments']} 个",
            new={"source": plan.filename, "rows": plan.rows, **plan.counts},
        )
