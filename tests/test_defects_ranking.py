"""Unit ranking: a unit with no reply due is not rated, and never ranked above units with results."""

from __future__ import annotations

import pytest

from banli.cases.models import AssignmentRole as R
from banli.cases.models import ReviewState
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.handling.services import assignment_sign
from banli.stats.models import AssessmentWeights
from banli.stats.ranking import unit_rows


@pytest.fixture
def lead_and_co(cast):
    """市工信局 主办 (one reply due, not yet sent) and 市商务局 会办 (nothing due); both signed on time."""
    p = proposal_register(actor=cast.staff_npc, session=cast.npc_session, title="关于排名的建议", lead=cast.deputy)
    proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    lead, co = assignment_create(
        actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)]
    )
    assignment_sign(actor=cast.liaison_gx, assignment=lead)
    assignment_sign(actor=cast.liaison_sw, assignment=co)
    return lead, co


def test_unit_with_no_reply_due_is_not_rated_and_ranked_last(cast, lead_and_co):
    rows = unit_rows(sessions=[cast.npc_session], org=cast.orgs.gov, weights=AssessmentWeights(owner=cast.orgs.gov))
    by_name = {r.unit.name: r for r in rows}
    co = by_name["市商务局"]
    assert co.stats["replies_due"] == 0
    assert co.score is None and co.rank is None
    assert co.unrated == "无应答复件"
    lead = by_name["市工业和信息化局"]
    assert lead.rank == 1 and lead.score is not None and lead.score < 100
    assert [r.unit.name for r in rows] == ["市工业和信息化局", "市商务局"]


@pytest.mark.parametrize("url", ["/stats/", "/stats/assessment/"])
def test_ranking_pages_show_the_unrated_unit_as_having_nothing_due(cast, login, lead_and_co, url):
    html = login(cast.coordinator).get(url, {"session": cast.npc_session.pk, "org": cast.orgs.gov.pk})
    assert html.status_code == 200
    text = html.content.decode()
    assert "无应答复件" in text
    assert text.index("市工业和信息化局") < text.index("无应答复件")
    assert "100.0" not in text
