"""A unit taken off a case loses read access to its old assignment (issue #19 item 6).

Withdrawn (撤回交办) or re-assigned away (改交): the reply, contact and deadline pages and every
access_* getter of the old assignment answer exactly 404 for the unit's people, while the
assigning office still reads it and the new unit reads its own.
"""

import pytest
from django.urls import reverse

from banli.cases import selectors as sel
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, assignment_withdraw
from banli.errors import NotFound
from banli.handling import selectors as handling_sel
from banli.handling import services as svc

from . import factories as f

PAGES = ("handling:reply", "handling:contact", "handling:plan", "handling:points", "deadlines:assignment")


def _assert_gone(cast, login, a, users):
    for user in users:
        c = login(user)
        for name in PAGES:
            r = c.get(reverse(name, args=[a.pk]))
            assert r.status_code == 404, (user.username, name, r.status_code)
        with pytest.raises(NotFound):
            sel.access_assignment(user, a.pk)
        assert not sel.can_see_internal(user, a)


def test_withdrawn_unit_cannot_read_its_old_assignment(cast, login):
    a = f.assigned(cast)
    c = login(cast.liaison_gx)
    assert c.get(reverse("deadlines:assignment", args=[a.pk])).status_code == 200
    assignment_withdraw(actor=cast.staff_npc, assignment=a, reason="交办有误")
    a.refresh_from_db()
    _assert_gone(cast, login, a, [cast.liaison_gx, cast.leader_gx])
    assert login(cast.staff_npc).get(reverse("deadlines:assignment", args=[a.pk])).status_code == 200


def test_unit_reassigned_away_cannot_read_its_old_assignment(cast, login):
    a = f.assigned(cast)
    req = svc.adjustment_request(actor=cast.liaison_gx, assignment=a, reason="不属本单位职责")
    svc.adjustment_decide(actor=cast.staff_npc, request=req, approve=True, unit=cast.orgs.sw)
    a.refresh_from_db()
    _assert_gone(cast, login, a, [cast.liaison_gx, cast.leader_gx])
    for user in (cast.liaison_gx, cast.leader_gx):  # the getters of objects on the old assignment too
        with pytest.raises(NotFound):
            handling_sel.access_adjustment_request(user, req.pk)
    assert handling_sel.access_adjustment_request(cast.staff_npc, req.pk).pk == req.pk
    new = a.proposal.assignments.get(unit=cast.orgs.sw)
    assert login(cast.liaison_sw).get(reverse("deadlines:assignment", args=[new.pk])).status_code == 200
    assert login(cast.staff_npc).get(reverse("deadlines:assignment", args=[a.pk])).status_code == 200


def test_district_still_reads_a_sub_assignment_it_withdrew_but_the_sub_unit_does_not(cast, login):
    top = f.assigned(cast, units=[(cast.orgs.lh, R.SOLE)])
    (sub,) = assignment_create(
        actor=cast.liaison_lh, proposal=top.proposal, units=[(cast.orgs.lh_fgj, R.LEAD)], parent=top
    )
    assert login(cast.liaison_lh_fgj).get(reverse("deadlines:assignment", args=[sub.pk])).status_code == 200
    assignment_withdraw(actor=cast.liaison_lh, assignment=sub, reason="分办有误")
    sub.refresh_from_db()
    _assert_gone(cast, login, sub, [cast.liaison_lh_fgj])
    assert login(cast.liaison_lh).get(reverse("deadlines:assignment", args=[sub.pk])).status_code == 200
