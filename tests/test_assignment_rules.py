"""交办 rules of SPEC §3, through the service."""

import pytest

from banli.cases.models import Assignment, ReviewState
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.errors import DomainError, NotFound


@pytest.fixture
def accepted(cast):
    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于加快数字经济发展的建议", lead=cast.deputy
    )
    return proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)


def test_lead_with_two_co_units_is_assigned(cast, accepted):
    o = cast.orgs
    made = assignment_create(
        actor=cast.staff_npc, proposal=accepted, units=[(o.gx, R.LEAD), (o.sw, R.CO), (o.lh, R.CO)]
    )
    assert [a.role for a in made] == ["lead", "co", "co"]
    assert all(a.sign_due and a.reply_due for a in made)


@pytest.mark.parametrize(
    "roles, message",
    [
        ([R.LEAD, R.LEAD], "只能有一个主办单位"),
        ([R.CO], "必须指定一个主办单位"),
        ([R.SOLE, R.SEPARATE], "承办（单独承办）只能交给一个单位"),
    ],
)
def test_bad_role_combinations_are_refused_and_nothing_written(cast, accepted, roles, message):
    units = [cast.orgs.gx, cast.orgs.sw][: len(roles)]
    with pytest.raises(DomainError, match=message):
        assignment_create(actor=cast.staff_npc, proposal=accepted, units=list(zip(units, roles)))
    assert Assignment.objects.count() == 0


def test_co_added_later_needs_the_existing_lead(cast, accepted):
    o = cast.orgs
    assignment_create(actor=cast.staff_npc, proposal=accepted, units=[(o.gx, R.LEAD)])
    assignment_create(actor=cast.staff_npc, proposal=accepted, units=[(o.sw, R.CO)])
    with pytest.raises(DomainError, match="只能有一个主办单位"):
        assignment_create(actor=cast.staff_npc, proposal=accepted, units=[(o.court, R.LEAD)])


def test_unaccepted_proposal_cannot_be_assigned(cast):
    p = proposal_register(actor=cast.staff_npc, session=cast.npc_session, title="关于某事的建议", lead=cast.deputy)
    with pytest.raises(DomainError, match="立案后才能交办"):
        assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.SOLE)])


def test_district_sub_assigns_one_level_down(cast, accepted):
    o = cast.orgs
    (parent,) = assignment_create(actor=cast.staff_npc, proposal=accepted, units=[(o.lh, R.SOLE)])
    subs = assignment_create(
        actor=cast.liaison_lh, proposal=accepted, units=[(o.lh_fgj, R.LEAD), (o.lh_gxj, R.CO)], parent=parent
    )
    assert {a.parent_id for a in subs} == {parent.pk}
    with pytest.raises(DomainError):
        assignment_create(actor=cast.liaison_lh, proposal=accepted, units=[(o.gx, R.SEPARATE)], parent=parent)


def test_other_body_staff_and_units_cannot_assign(cast, accepted):
    for user in (cast.staff_cppcc, cast.liaison_gx, cast.deputy_user, cast.sysadmin):
        with pytest.raises((NotFound, DomainError)):
            assignment_create(actor=user, proposal=accepted, units=[(cast.orgs.gx, R.SOLE)])
    assert Assignment.objects.count() == 0
