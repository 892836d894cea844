"""Per-unit figures (ranking) and the unit assessment (绩效考核) score with its breakdown.

The ranking groups the scope's counted assignments (`scoped_assignments`) by their unit in ONE
aggregate query, with the very conditions of `stats_for` (`_annotated`, `_conditions`), so a
unit's row equals `stats_for(sessions, org=unit)` whenever the unit's own subtree holds no other
directly assigned unit (tests/test_dashboard.py checks it), and the rows always add up to the
scope's totals: each assignment is counted once, under the unit it was assigned to.
Calling stats_for per unit instead took 10.7 s for 80 units of a 10 000-proposal session;
the grouped query takes about as long as one stats_for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from banli.formatting import pct
from banli.orgs.models import Org
from banli.stats.selectors import _annotated, _conditions, assignment_figures, scoped_assignments

from .models import ASSESSMENT_METRICS, AssessmentWeights


@dataclass
class UnitRow:
    unit: Org
    stats: dict
    score: float | None = None
    parts: list[dict] = field(default_factory=list)
    penalty: float = 0.0
    rank: int | None = None
    # Why the unit has no score: a unit with no reply due yet has no result to rank it by.
    unrated: str = ""

    @property
    def assignments(self) -> int:
        return sum(self.stats["by_role"].values())


def ranked_units(*, sessions, org: Org | None, today=None) -> list[Org]:
    ids = scoped_assignments(sessions=sessions, org=org).values("unit_id").distinct()
    return list(Org.objects.filter(pk__in=ids).order_by("path"))


def grouped_stats(*, sessions, org: Org | None, by: str = "unit_id", today=None) -> dict:
    """{group value: the assignment figures of stats_for} for the scope, grouped by `by`."""
    today = today or timezone.localdate()
    conds = _conditions(today)
    rows = (
        _annotated(scoped_assignments(sessions=sessions, org=org))
        .order_by()
        .values(by)
        .annotate(**{k.replace(".", "__"): Count("pk", filter=q) for k, q in conds.items()})
    )
    out = {}
    for r in rows:
        a = {k: r[k.replace(".", "__")] for k in conds}
        out[r[by]] = {
            **assignment_figures(a),
            "_raw": a,  # every stats_cases count of the group, e.g. the rates' numerators and denominators
        }
    return out


def raw_totals(grouped: dict, keys) -> dict:
    """Totals of raw counts over all groups: each counted assignment is in exactly one group."""
    return {k: sum(g["_raw"][k] for g in grouped.values()) for k in keys}


def unit_rows(
    *, sessions, org: Org | None, weights: AssessmentWeights, today=None, grouped: dict | None = None
) -> list[UnitRow]:
    stats = grouped if grouped is not None else grouped_stats(sessions=sessions, org=org, today=today)
    units = Org.objects.filter(pk__in=list(stats)).order_by("path")
    rows = [UnitRow(unit=u, stats=stats[u.pk]) for u in units]
    for row in rows:
        score_unit(row, weights)
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: (-r.score, r.unit.path))
    for i, r in enumerate(scored):
        # Equal scores share a rank (1, 2, 2, 4).
        r.rank = scored[i - 1].rank if i and r.score == scored[i - 1].score else i + 1
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit.path))


def score_unit(row: UnitRow, weights: AssessmentWeights) -> None:
    """Score = Σ weight × rate over the rates that exist (a “—” rate is left out and its weight
    with it), scaled to 100, minus the overdue penalty per overdue case; never below 0."""
    parts = []
    total_w = 0
    earned = 0.0
    for key, label, _ in ASSESSMENT_METRICS:
        w = weights.weight_of(key)
        rate = row.stats.get(key)
        parts.append({"key": key, "label": label, "weight": w, "rate": rate, "rate_text": pct(rate), "points": None})
        if w and rate is not None:
            total_w += w
            earned += w * rate
    if total_w == 0 or not row.stats.get("replies_due"):
        # With no reply due, the remaining rates (signed on time, …) would score it 100 and rank it
        # above units with real results: it is not rated, and listed after the rated units.
        row.score, row.parts, row.penalty = None, parts, 0.0
        row.unrated = "无应答复件" if not row.stats.get("replies_due") else "暂无考核数据"
        return
    for part in parts:
        if part["weight"] and part["rate"] is not None:
            part["points"] = round(100 * part["weight"] * part["rate"] / total_w, 2)
    penalty = float(Decimal(str(weights.overdue_penalty)) * row.stats["overdue"])
    row.penalty = round(penalty, 2)
    row.score = round(max(0.0, 100 * earned / total_w - penalty), 2)
    row.parts = parts
