"""Every date a user enters is checked against the case's own dates, in the service, with a
Chinese message saying what is allowed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from banli.audit.models import AuditEvent
from banli.cases.models import Assignment, Contact, ReviewState
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.errors import DomainError
from banli.handling import services as svc
from banli.handling.models import Commitment, HandlingPlan

D = dt.date


def today():
    return timezone.localdate()


@pytest.fixture
def proposal(cast):
    p = proposal_register(
        actor=cast.staff_npc,
        session=cast.npc_session,
        title="关于日期校验的建议",
        lead=cast.deputy,
        submitted_on=D(2023, 2, 21),
    )
    return proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)


@pytest.fixture
def signed(cast, proposal):
    (a,) = assignment_create(actor=cast.staff_npc, proposal=proposal, units=[(cast.orgs.gx, R.SOLE)])
    return svc.assignment_sign(actor=cast.liaison_gx, assignment=a)


def test_assignment_date_before_submission_is_refused_and_nothing_written(cast, proposal):
    with pytest.raises(DomainError, match=r"^交办日期不能早于提交日期（2023年2月21日）。$") as e:
        assignment_create(
            actor=cast.staff_npc, proposal=proposal, units=[(cast.orgs.gx, R.SOLE)], assigned_on=D(2020, 1, 1)
        )
    assert e.value.field == "assigned_on"
    assert not Assignment.objects.exists()
    assert not AuditEvent.objects.filter(verb="assignment.create").exists()


def test_assignment_on_the_submission_day_is_accepted(cast, proposal):
    (a,) = assignment_create(
        actor=cast.staff_npc, proposal=proposal, units=[(cast.orgs.gx, R.SOLE)], assigned_on=D(2023, 2, 21)
    )
    assert a.assigned_on == D(2023, 2, 21)


def test_sub_assignment_before_its_parent_is_refused(cast, proposal):
    (top,) = assignment_create(
        actor=cast.staff_npc, proposal=proposal, units=[(cast.orgs.lh, R.SOLE)], assigned_on=D(2023, 3, 1)
    )
    with pytest.raises(DomainError, match=r"交办日期不能早于上级交办日期（2023年3月1日）"):
        assignment_create(
            actor=cast.liaison_lh,
            proposal=proposal,
            units=[(cast.orgs.lh_fgj, R.LEAD)],
            parent=top,
            assigned_on=D(2023, 2, 28),
        )


def test_assign_form_shows_the_message_on_the_date_field(cast, proposal, login):
    resp = login(cast.staff_npc).post(
        f"/cases/{proposal.pk}/assign/", {"sole": [cast.orgs.gx.pk], "assigned_on": "2020-01-01"}
    )
    assert resp.status_code == 400
    assert "交办日期不能早于提交日期（2023年2月21日）" in resp.content.decode()
    assert not Assignment.objects.exists()


def _contact(cast, a, on, stage="before"):
    return svc.contact_add(actor=cast.liaison_gx, assignment=a, on=on, stage=stage, method="phone", summary="电话沟通")


def test_contact_before_the_assignment_is_refused(cast, signed):
    with pytest.raises(DomainError, match=rf"沟通日期不能早于交办日期（{today().year}年") as e:
        _contact(cast, signed, signed.assigned_on - dt.timedelta(days=1))
    assert e.value.field == "on"
    assert not Contact.objects.exists()
    assert _contact(cast, signed, signed.assigned_on).stage == "before"


def test_after_contact_before_any_reply_is_refused(cast, signed):
    with pytest.raises(DomainError, match="尚未答复，不能记录办后沟通"):
        _contact(cast, signed, today(), stage="after")
    assert not Contact.objects.exists()


def test_plan_deadline_in_the_past_is_refused(cast, signed):
    def save(due):
        return svc.plan_save(
            actor=cast.liaison_gx,
            assignment=signed,
            version=0,
            lead_dept=cast.orgs.gx_industry,
            internal_due=due,
        )

    with pytest.raises(DomainError, match=r"内部期限不能早于今天") as e:
        save(today() - dt.timedelta(days=1))
    assert e.value.field == "internal_due"
    assert not HandlingPlan.objects.exists()
    assert save(today()).internal_due == today()


def test_commitment_due_in_the_past_is_refused(cast, signed):
    with pytest.raises(DomainError, match=r"第1项承诺事项的完成时间不能早于今天"):
        svc.reply_save_draft(
            actor=cast.liaison_gx,
            assignment=signed,
            version=0,
            result_class="B",
            text="正在推进。",
            commitments=[("年底前建成", today() - dt.timedelta(days=1))],
        )
    assert not Commitment.objects.exists()
