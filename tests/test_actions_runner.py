"""The one way to act: views hand the service call to banli.web.actions, services claim the form's
one-time token inside their own transaction."""

import pytest
from django.urls import reverse
from django.utils.timezone import localdate

from banli.audit.models import AuditEvent
from banli.cases.models import AssignmentRole as R
from banli.cases.models import AssignmentState, Contact, ReviewState
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.errors import AlreadySubmitted, DomainError
from banli.handling import services as svc
from banli.web.models import SubmitToken


@pytest.fixture
def assignment(cast):
    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于发展数字经济的建议", lead=cast.deputy
    )
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    (a,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.SOLE)])
    return a


def _flash(resp):
    return [str(m) for m in resp.context["messages"]] if resp.context else []


def test_double_clicked_sign_signs_once_and_says_so(cast, assignment, login):
    client = login(cast.liaison_gx)
    url = reverse("handling:sign", args=[assignment.pk])
    first = client.post(url, {"once": "tok-sign-1"}, follow=True)
    second = client.post(url, {"once": "tok-sign-1"}, follow=True)
    assert "已签收。" in _flash(first)
    assert "该表单已经提交过，未重复执行。" in _flash(second)
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.HANDLING
    assert AuditEvent.objects.filter(verb="assignment.sign", assignment_id=assignment.pk).count() == 1


def test_refused_action_flashes_the_reason_and_redirects_to_the_case(cast, assignment, login):
    svc.assignment_sign(actor=cast.liaison_gx, assignment=assignment)
    resp = login(cast.liaison_gx).post(reverse("handling:sign", args=[assignment.pk]), {"once": "tok-2"})
    assert resp.status_code == 302
    assert resp["Location"] == reverse("cases:detail", args=[assignment.proposal_id]) + f"#a{assignment.pk}"
    flashed = _flash(login(cast.liaison_gx).get(resp["Location"]))
    assert any("签收" in m for m in flashed), flashed


def test_refused_form_keeps_the_typed_text_and_names_the_field(cast, assignment, login):
    svc.assignment_sign(actor=cast.liaison_gx, assignment=assignment)
    data = {"on": localdate().isoformat(), "stage": "during", "method": "phone", "summary": "  ", "once": "t3"}
    resp = login(cast.liaison_gx).post(reverse("handling:contact", args=[assignment.pk]), data)
    assert resp.status_code == 200
    form = resp.context["form"]
    assert "summary" in form.errors or form.non_field_errors()
    assert not Contact.objects.exists()


def test_a_refused_submit_leaves_the_token_for_the_corrected_one(cast, assignment):
    svc.assignment_sign(actor=cast.liaison_gx, assignment=assignment)
    kw = dict(actor=cast.liaison_gx, assignment=assignment, on=localdate(), stage="during", method="phone")
    with pytest.raises(DomainError, match="摘要"):
        svc.contact_add(**kw, summary="", once="tok-contact")
    assert not SubmitToken.objects.filter(token="tok-contact").exists()
    svc.contact_add(**kw, summary="电话沟通", once="tok-contact")
    with pytest.raises(AlreadySubmitted):
        svc.contact_add(**kw, summary="电话沟通", once="tok-contact")
    assert Contact.objects.filter(assignment=assignment).count() == 1
