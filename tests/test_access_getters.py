"""One getter per case object (banli.*.selectors.access_*): the object for a user in scope, and
the same NotFound for a missing id, a foreign one, and ids that cannot be one; through the web a
foreign id answers exactly 404."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.timezone import localdate

from banli.cases import selectors as cases_sel
from banli.cases.models import AssignmentRole as R
from banli.cases.models import DeptTask, ReviewState
from banli.cases.services import assignment_create, attachments_add, proposal_register, proposal_review
from banli.deadlines import selectors as deadlines_sel
from banli.deadlines import services as deadlines_svc
from banli.deadlines.models import SupervisionKind
from banli.errors import NotFound
from banli.handling import selectors as handling_sel
from banli.handling import services as svc
from banli.handling.models import FollowUp

ABSURD_IDS = (999_999_999, 10**20, -1, 0, "abc", "", None, "1; drop table")


@pytest.fixture
def world(cast):
    """A proposal of 王代表 assigned to 市工信局 (lead, B-class reply sent) and 市商务局 (co,
    opinion given); a second one assigned to 市商务局 alone, which asked for an adjustment."""
    c, o = cast, cast.orgs
    w = {}
    p = proposal_register(actor=c.staff_npc, session=c.npc_session, title="关于发展数字经济的建议", lead=c.deputy)
    p = proposal_review(actor=c.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    lead, co = assignment_create(actor=c.staff_npc, proposal=p, units=[(o.gx, R.LEAD), (o.sw, R.CO)])
    (w["attachment"],) = attachments_add(
        actor=c.staff_npc, proposal=p, files=[SimpleUploadedFile("原件.pdf", b"%PDF-1.4")]
    )
    svc.assignment_sign(actor=c.liaison_sw, assignment=co)
    w["co_opinion"] = svc.co_opinion_submit(actor=c.liaison_sw, assignment=co, text="会办意见")
    svc.assignment_sign(actor=c.liaison_gx, assignment=lead)
    w["handling_plan"] = svc.plan_save(
        actor=c.liaison_gx, assignment=lead, version=0, lead_dept=o.gx_industry, responsible_person=c.handler_gx
    )
    svc.plan_distribute(actor=c.liaison_gx, assignment=lead)
    w["dept_task"] = DeptTask.objects.get(assignment=lead)
    w["contact"] = svc.contact_add(
        actor=c.handler_gx, assignment=lead, on=localdate(), stage="during", method="phone", summary="电话沟通"
    )
    lead.refresh_from_db()
    w["extension"] = deadlines_svc.extension_request(
        actor=c.liaison_gx, assignment=lead, reason="需跨部门协调", requested_due=lead.reply_due + dt.timedelta(days=5)
    )
    w["supervision"] = deadlines_svc.supervision_record(
        actor=c.staff_npc, assignment=lead, kind=SupervisionKind.REGULAR, note="请抓紧办理"
    )
    w["supervision_plan"] = deadlines_svc.supervision_plan_create(
        actor=c.staff_npc,
        session=c.npc_session,
        name="年中督办",
        phases=deadlines_svc.default_phase_dates(localdate(), body=o.npc),
    )
    draft = svc.reply_save_draft(
        actor=c.handler_gx,
        assignment=lead,
        version=0,
        result_class="B",
        text="答复内容",
        contact_name="张三",
        contact_phone="0755-1234",
        disclosure="public",
        commitments=[("建设产业园区", localdate() + dt.timedelta(days=200))],
    )
    svc.reply_submit(actor=c.liaison_gx, reply=draft)
    svc.reply_approve(actor=c.leader_gx, reply=draft)
    w["reply"] = svc.reply_send(actor=c.liaison_gx, reply=draft)
    w["commitment"] = w["reply"].commitments.get()
    w["followup"] = FollowUp.objects.get(reply=w["reply"])
    w["proposal"], w["assignment"] = p, lead

    p2 = proposal_register(actor=c.staff_npc, session=c.npc_session, title="关于发展外贸的建议", lead=c.deputy)
    p2 = proposal_review(actor=c.staff_npc, proposal=p2, decision=ReviewState.ACCEPTED)
    (sole,) = assignment_create(actor=c.staff_npc, proposal=p2, units=[(o.sw, R.SOLE)])
    w["adjustment_request"] = svc.adjustment_request(actor=c.liaison_sw, assignment=sole, reason="不属本单位职责")
    return w


# getter, the world's object, a user who may read it (and the office that may too)
GETTERS = {
    "proposal": (cases_sel.access_proposal, ("deputy_user", "staff_npc", "liaison_gx")),
    "assignment": (cases_sel.access_assignment, ("deputy_user", "staff_npc", "liaison_gx", "coordinator")),
    "reply": (cases_sel.access_reply, ("deputy_user", "staff_npc", "liaison_gx")),
    "attachment": (cases_sel.access_attachment, ("deputy_user", "staff_npc")),
    "contact": (cases_sel.access_contact, ("staff_npc", "liaison_gx", "handler_gx")),
    "dept_task": (cases_sel.access_dept_task, ("staff_npc", "liaison_gx", "handler_gx")),
    "adjustment_request": (handling_sel.access_adjustment_request, ("staff_npc", "liaison_sw", "coordinator")),
    "commitment": (handling_sel.access_commitment, ("deputy_user", "liaison_gx")),
    "followup": (handling_sel.access_followup, ("staff_npc", "liaison_gx")),
    "co_opinion": (handling_sel.access_co_opinion, ("liaison_sw", "liaison_gx", "staff_npc")),
    "handling_plan": (handling_sel.access_handling_plan, ("liaison_gx", "handler_gx")),
    "extension": (deadlines_sel.access_extension, ("liaison_gx", "staff_npc")),
    "supervision": (deadlines_sel.access_supervision, ("staff_npc", "liaison_gx")),
    "supervision_plan": (deadlines_sel.access_supervision_plan, ("staff_npc",)),
}
# Users with no part in the world's cases: another city unit, another body, a proposer of other cases.
OUTSIDERS = ("liaison_court", "staff_cppcc", "outsider", "member_user")


@pytest.mark.parametrize("name", sorted(GETTERS))
def test_getter_answers_in_scope_and_refuses_missing_foreign_and_absurd_alike(cast, world, name):
    getter, readers = GETTERS[name]
    obj = world[name]
    for reader in readers:
        got = getter(getattr(cast, reader), obj.pk)
        assert (type(got), got.pk) == (type(obj), obj.pk), reader
        assert getter(getattr(cast, reader), str(obj.pk)).pk == obj.pk  # as it comes from a URL or a form
    for outsider in OUTSIDERS:
        with pytest.raises(NotFound) as foreign:
            getter(getattr(cast, outsider), obj.pk)
        with pytest.raises(NotFound) as missing:
            getter(getattr(cast, outsider), 999_999_999)
        assert foreign.value.message == missing.value.message, "foreign and missing must look the same"
    for bad in ABSURD_IDS:
        with pytest.raises(NotFound):
            getter(getattr(cast, readers[0]), bad)


def test_draft_reply_hidden_from_proposer(cast):
    c, o = cast, cast.orgs
    p = proposal_register(actor=c.staff_npc, session=c.npc_session, title="关于停车治理的建议", lead=c.deputy)
    p = proposal_review(actor=c.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    (a,) = assignment_create(actor=c.staff_npc, proposal=p, units=[(o.gx, R.SOLE)])
    svc.assignment_sign(actor=c.liaison_gx, assignment=a)
    draft = svc.reply_save_draft(
        actor=c.liaison_gx,
        assignment=a,
        version=0,
        result_class="A",
        text="答复草稿",
        contact_name="张三",
        contact_phone="0755-1234",
        disclosure="public",
    )
    assert cases_sel.access_reply(c.liaison_gx, draft.pk).pk == draft.pk
    assert cases_sel.access_reply(c.staff_npc, draft.pk).pk == draft.pk
    with pytest.raises(NotFound):
        cases_sel.access_reply(c.deputy_user, draft.pk)


def _urls(w):
    """(method, url) of pages and actions that load a case object by the id in their URL."""
    a, r = w["assignment"], w["reply"]
    return [
        ("get", reverse("cases:detail", args=[w["proposal"].pk])),
        ("get", reverse("cases:attachment", args=[w["attachment"].pk])),
        ("post", reverse("handling:sign", args=[a.pk])),
        ("get", reverse("handling:reply", args=[a.pk])),
        ("post", reverse("handling:reply_send", args=[r.pk])),
        ("post", reverse("handling:progress", args=[w["commitment"].pk])),
        ("post", reverse("handling:explain", args=[w["commitment"].pk])),
        ("post", reverse("handling:convert", args=[w["followup"].pk])),
        ("post", reverse("handling:adjust_decide", args=[w["adjustment_request"].pk])),
        ("get", reverse("deadlines:assignment", args=[a.pk])),
        ("post", reverse("deadlines:extension_decide", args=[w["extension"].pk])),
        ("get", reverse("deadlines:plan_detail", args=[w["supervision_plan"].pk])),
    ]


def test_foreign_ids_answer_exactly_404_on_the_web(cast, world, login):
    """A unit liaison of another unit (who may use every one of these routes for its own cases)."""
    client = login(cast.liaison_court)
    for method, url in _urls(world):
        if "plans" in url:
            continue  # supervision plans are for supervising offices: a unit is refused the route (403)
        resp = getattr(client, method)(url, {"once": ""} if method == "post" else None)
        assert resp.status_code == 404, (method, url, resp.status_code)


def test_foreign_reply_correction_answers_404_to_another_units_leader(cast, world, login):
    resp = login(cast.leader_sw).get(reverse("handling:reply_correct", args=[world["reply"].pk]))
    assert resp.status_code == 404


def test_another_bodys_staff_gets_404_for_plan_and_supervision(cast, world, login):
    client = login(cast.staff_cppcc)
    assert client.get(reverse("deadlines:plan_detail", args=[world["supervision_plan"].pk])).status_code == 404
    resp = client.post(reverse("deadlines:supervise", args=[world["assignment"].pk]), {"kind": "regular", "note": "x"})
    assert resp.status_code == 404


def test_absurd_id_in_a_url_answers_404(cast, login):
    assert login(cast.staff_npc).get("/cases/100000000000000000000/").status_code == 404
    assert login(cast.liaison_gx).post("/handling/reply/100000000000000000000/submit/").status_code == 404


def test_in_scope_user_gets_the_page(cast, world, login):
    """The same routes work for a user in scope (the 404s above are about scope, not the route)."""
    client = login(cast.liaison_gx)
    assert client.get(reverse("cases:detail", args=[world["proposal"].pk])).status_code == 200
    assert client.get(reverse("deadlines:assignment", args=[world["assignment"].pk])).status_code == 200
    assert client.get(reverse("handling:reply", args=[world["assignment"].pk])).status_code == 200
