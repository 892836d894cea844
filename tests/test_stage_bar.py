"""The stage bar of an assignment (issue #13): 交办 → 签收 → 方案 → 沟通 → 答复 → 评价 → 办结 with the
date and who acted, as the case page shows it."""

from __future__ import annotations

import re

import pytest

from banli.handling.selectors import panel_data_for
from tests import factories as f

pytestmark = pytest.mark.django_db


def _stages(user, a):
    return panel_data_for(user, a.proposal_id)[a.pk].stages


def test_a_sent_reply_shows_every_stage_up_to_evaluation_with_who_acted(cast):
    r = f.sent(cast)
    st = {s["label"]: s for s in _stages(cast.liaison_gx, r.assignment)}
    assert [s["label"] for s in _stages(cast.liaison_gx, r.assignment)] == [
        "交办", "签收", "方案", "沟通", "答复", "评价", "办结"
    ]  # fmt: skip
    assert st["交办"]["who"] == "人大工委干事" and st["签收"]["who"] == "工信联络员"
    assert st["答复"]["done"] and st["答复"]["on"] is not None
    # no contact was recorded, but the reply went out: 沟通 counts as passed, without a date
    assert st["沟通"]["done"] and st["沟通"]["on"] is None
    assert st["评价"]["current"] and not st["评价"]["done"] and not st["办结"]["done"]


def test_a_new_assignment_waits_for_signing_and_a_co_unit_has_no_evaluation(cast):
    from banli.cases.models import AssignmentRole as R

    lead, co = f.assigned_all(cast, units=[(cast.orgs.sw, R.LEAD), (cast.orgs.gx, R.CO)])
    st = _stages(cast.staff_npc, lead)
    assert st[0]["done"] and st[1]["current"]
    assert [s["label"] for s in _stages(cast.liaison_gx, co)] == ["交办", "签收", "方案", "沟通", "会办意见", "办结"]


def test_the_case_page_renders_the_bar(cast, login):
    a = f.signed(cast)
    html = login(cast.liaison_gx).get(f"/cases/{a.proposal_id}/").content.decode()
    bar = re.search(r'<ol class="stage-bar".*?</ol>', html, re.S).group(0)
    assert 'aria-current="step"' in bar and "签收" in bar and "工信联络员" in bar
