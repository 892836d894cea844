"""The Done-when figures of the seeds, through `banli import-ledger` and `banli stats --json`."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from banli.cases.models import Assignment, Proposal

from .seed_ledgers import build_seed000, build_seed002


def _stats(*args) -> dict:
    out = StringIO()
    call_command("stats", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_seed002_government_system_figures(tmp_path, no_cast):
    """市人民政府's summary: 739 received, 579 accepted, 567 assigned, 616 replies due, A 74.84 %."""
    path, session = build_seed002(tmp_path)
    out = StringIO()
    call_command("import-ledger", str(path), "--session", session.code, stdout=out)
    assert "新增建议/提案：739" in out.getvalue()
    s = _stats("--session", session.code, "--org", "市人民政府")
    assert s["received"] == 739
    assert s["by_channel"] == {"plenary": 714, "interim": 25}
    assert s["accepted"] == 579
    assert s["not_accepted"] + s["merged"] == 160
    assert s["assigned"] == 567
    assert round(s["assigned_share"], 4) == 0.9793
    assert s["replies_due"] == 616
    assert s["replies_sent"] == 616
    assert s["reply_rate"] == 1.0
    assert s["class_counts"] == {"A": 461, "B": 119, "C": 32, "D": 4}
    assert {k: round(v, 4) for k, v in s["class_rates"].items()} == {
        "A": 0.7484,
        "B": 0.1932,
        "C": 0.0519,
        "D": 0.0065,
    }
    # The court's 8 and the 4 unassigned are outside the government system.
    everything = _stats("--session", session.code)
    assert everything["assigned"] == 575
    assert everything["replies_due"] == 624


@pytest.mark.django_db
def test_seed000_bureau_roles_and_satisfaction(tmp_path, no_cast):
    """市工业和信息化局: 主办 34, 分办 15, 会办 59, 承办 2 (110 件); 41 evaluated, all 满意 → 100 %."""
    path, session = build_seed000(tmp_path)
    call_command("import-ledger", str(path), "--session", session.code, stdout=StringIO())
    s = _stats("--session", session.code, "--org", "市工业和信息化局")
    assert s["by_role"] == {"lead": 34, "co": 59, "separate": 15, "sole": 2}
    assert sum(s["by_role"].values()) == 110
    assert s["replies_due"] == 51
    assert s["evaluated"] == 41
    assert s["satisfied"] == 41
    assert s["satisfaction_rate"] == 1.0
    assert s["full_satisfaction_rate"] == 1.0
    assert Assignment.objects.filter(unit__name="市工业和信息化局").count() == 110
    assert Proposal.objects.filter(session=session).count() == 110
