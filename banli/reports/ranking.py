"""Per-unit figures (ranking) and the unit assessment (绩效考核) score with its breakdown.

Each unit's figures are `stats_for(sessions, org=unit)` — the very numbers its own dashboard
and summary show — for every unit that holds a counted assignment of the scope. stats_for is
three aggregate queries, so a ranking of n units is 3n indexed queries (measured in
bench/reports_bench.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from banli.orgs.models import Org

from .formatting import pct
from .models import ASSESSMENT_METRICS, AssessmentWeights


@dataclass
class UnitRow:
    unit: Org
    stats: dict
    score: float | None = None
    parts: list[dict] = field(default_factory=list)
    penalty: float = 0.0
    rank: int | None = None

    @property
    def assignments(self) -> int:
        return sum(self.stats["by_role"].values())


def ranked_units(*, sessions, org: Org | None, today=None) -> list[Org]:
    from banli.stats.selectors import scoped_assignments

    ids = scoped_assignments(sessions=sessions, org=org).values("unit_id").distinct()
    return list(Org.objects.filter(pk__in=ids).order_by("path"))


def unit_rows(*, sessions, org: Org | None, weights: AssessmentWeights, today=None) -> list[UnitRow]:
    from banli.stats.selectors import stats_for

    rows = [UnitRow(unit=u, stats=stats_for(sessions=sessions, org=u, today=today)) for u in ranked_units(sessions=sessions, org=org)]
    for row in rows:
        score_unit(row, weights)
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: (-r.score, r.unit.path))
    for i, r in enumerate(scored, start=1):
        r.rank = i
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
    if total_w == 0:
        row.score, row.parts, row.penalty = None, parts, 0.0
        return
    for part in parts:
        if part["weight"] and part["rate"] is not None:
            part["points"] = round(100 * part["weight"] * part["rate"] / total_w, 2)
    penalty = float(Decimal(str(weights.overdue_penalty)) * row.stats["overdue"])
    row.penalty = round(penalty, 2)
    row.score = round(max(0.0, 100 * earned / total_w - penalty), 2)
    row.parts = parts
