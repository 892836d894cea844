"""Similar proposals are scoped like every other read (issue #19 item 5).

A unit's staff see, in the similar panel, the registration panel's results and the recommender's
evidence, only proposals in their scope: the numbers, titles and review state of other units'
(or unassigned, unpublished) proposals are neither shown nor counted.
"""

import re

from banli.cases.models import Proposal
from banli.cases.selectors import proposal_scope_q
from banli.cases.services import assignment_create
from banli.textintel import selectors

from .test_text_support import _fresh_text_caches, build_world  # noqa: F401


def _numbers(html: str) -> set[str]:
    return set(re.findall(r"第(\d{8})号", html))


def test_a_units_similar_panel_shows_and_counts_only_its_own_proposals(cast, login):
    w = build_world(cast)
    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.gx, "sole")])
    staff = login(cast.staff_npc).get(f"/text/similar/{w.a.pk}/").content.decode()
    assert w.b.number in staff and w.b.title in staff  # the body's staff see the duplicate

    r = login(cast.liaison_gx).get(f"/text/similar/{w.a.pk}/")
    assert r.status_code == 200
    html = r.content.decode()
    mine = set(Proposal.objects.filter(proposal_scope_q(cast.liaison_gx)).values_list("number", flat=True))
    assert _numbers(html) <= mine
    for hidden in (w.b, w.trad, w.elderly, w.past_elderly):
        assert hidden.number not in html and hidden.title not in html
    assert "待审查" not in html
    # the count badges count what is listed
    for badge, listed in re.findall(r'badge text-bg-light">(\d+)</span></h3>\s*<ul[^>]*>(.*?)</ul>', html, re.S):
        assert int(badge) == listed.count("similar-item")
    # the past proposal the unit led is still its own to see
    assert w.past_upstairs.number in html


def test_similar_selectors_leave_out_what_a_unit_may_not_see(cast):
    w = build_world(cast)
    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.gx, "sole")])
    data = selectors.similar_for_proposal(cast.leader_gx, w.a)
    shown = {it.proposal.pk for group in data.values() for it in group}
    assert shown and shown <= set(
        Proposal.objects.filter(proposal_scope_q(cast.leader_gx)).values_list("pk", flat=True)
    )
    data = selectors.similar_for_text(
        cast.liaison_sw, body=cast.orgs.npc, session=w.cur, title=w.b.title, content=w.b.content
    )
    assert [it for group in data.values() for it in group] == []
