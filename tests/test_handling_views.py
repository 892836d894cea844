"""The handling pages and the assignment panel as each role sees them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse
from django.utils.timezone import localdate as today

from banli.cases.models import AssignmentRole as R
from banli.cases.models import Contact, ReviewState
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.handling import services as svc
from banli.handling.permissions import ROUTES

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def case(cast):
    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于完善产业园区配套的建议", lead=cast.deputy
    )
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    lead, co = assignment_create(
        actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)]
    )
    return p, lead, co


def page(client, p):
    resp = client.get(reverse("cases:detail", args=[p.pk]))
    return resp.status_code, resp.content.decode()


def test_every_handling_route_is_declared_and_every_declaration_is_a_route():
    names = {f"handling:{n}" for n in get_resolver().namespace_dict["handling"][1].reverse_dict if isinstance(n, str)}
    assert names == set(ROUTES)


def test_panel_shows_each_role_only_what_it_can_do(cast, case, login):
    p, lead, co = case
    sign_url = reverse("handling:sign", args=[lead.pk])
    status, html = page(login(cast.liaison_gx), p)
    assert status == 200 and sign_url in html and reverse("handling:adjust", args=[lead.pk]) in html
    assert reverse("handling:sign", args=[co.pk]) not in html  # not the other unit's
    status, html = page(login(cast.leader_gx), p)
    assert status == 200 and sign_url not in html
    assert page(login(cast.handler_gx), p)[0] == 404  # not distributed to their department yet
    assert page(login(cast.outsider), p)[0] == 404
    assert page(login(cast.deputy_user), p)[0] == 302  # the proposer follows the case on the portal
    status, html = page(login(cast.liaison_sw), p)
    assert reverse("handling:sign", args=[co.pk]) in html and sign_url not in html


def test_handler_page_after_distribution_offers_drafting_and_contacts(cast, case, login):
    p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    svc.plan_save(actor=cast.liaison_gx, assignment=lead, version=0, lead_dept=cast.orgs.gx_industry)
    svc.plan_distribute(actor=cast.liaison_gx, assignment=lead)
    status, html = page(login(cast.handler_gx), p)
    assert status == 200
    assert reverse("handling:reply", args=[lead.pk]) in html and reverse("handling:contact", args=[lead.pk]) in html
    assert reverse("handling:plan", args=[lead.pk]) not in html  # the plan is the liaison's
    # the leader has nothing to do until a draft is submitted
    status, html = page(login(cast.leader_gx), p)
    assert reverse("handling:reply", args=[lead.pk]) not in html


def test_double_submitted_contact_form_records_one_contact(cast, case, login):
    _p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    c = login(cast.liaison_gx)
    data = {"on": today().isoformat(), "stage": "before", "method": "phone", "summary": "电话沟通", "once": "tok-1"}
    assert c.post(reverse("handling:contact", args=[lead.pk]), data).status_code == 302
    assert c.post(reverse("handling:contact", args=[lead.pk]), data).status_code == 302
    assert Contact.objects.filter(assignment=lead).count() == 1


def test_contact_form_shows_chinese_validation_messages(cast, case, login):
    _p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    resp = login(cast.liaison_gx).post(
        reverse("handling:contact", args=[lead.pk]), {"stage": "before", "method": "phone"}
    )
    html = resp.content.decode()
    assert resp.status_code == 200 and "请填写情况摘要" in html and "请填写沟通日期" in html
    assert not Contact.objects.exists()


def test_contact_attachment_is_validated_and_downloadable_only_inside_the_unit(cast, case, login):
    _p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    c = login(cast.liaison_gx)
    data = {"on": today().isoformat(), "stage": "before", "method": "visit", "summary": "走访"}
    bad = c.post(
        reverse("handling:contact", args=[lead.pk]), {**data, "files": SimpleUploadedFile("x.pdf", b"MZ not a pdf")}
    )
    assert bad.status_code == 200 and not Contact.objects.exists()
    ok = c.post(
        reverse("handling:contact", args=[lead.pk]),
        {**data, "files": SimpleUploadedFile("走访记录.pdf", PDF, "application/pdf")},
    )
    assert ok.status_code == 302
    att = Contact.objects.get().attachments.get()
    url = reverse("handling:attachment", args=[att.pk])
    assert c.get(url).status_code == 200
    assert login(cast.deputy_user).get(url).status_code == 404
    assert login(cast.liaison_sw).get(url).status_code == 404


def test_proposer_evaluation_page_shows_the_reply_and_validates(cast, case, login):
    _p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    r = svc.reply_save_draft(
        actor=cast.liaison_gx,
        assignment=lead,
        version=0,
        result_class="A",
        text="答复全文在此",
        contact_name="张三",
        contact_phone="0755-1",
        disclosure="public",
    )
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    svc.reply_approve(actor=cast.leader_gx, reply=r)
    svc.reply_send(actor=cast.liaison_gx, reply=r, missing_opinion_reason="会办单位未签收")
    # The proposer is sent to the portal's evaluation form; body staff enter paper forms here.
    resp = login(cast.deputy_user).get(reverse("handling:evaluate", args=[lead.pk]), follow=True)
    assert resp.redirect_chain == [(reverse("portal:evaluate", args=[lead.pk]), 302)]
    assert "总体评价" in resp.content.decode()
    c = login(cast.staff_npc)
    html = c.get(reverse("handling:evaluate", args=[lead.pk])).content.decode()
    assert "答复全文在此" in html and "办理态度" in html
    resp = c.post(
        reverse("handling:evaluate", args=[lead.pk]),
        {"attitude": "satisfied", "result": "unsatisfied", "verdict": "unsatisfied", "proposer": cast.deputy.pk},
    )
    assert resp.status_code == 200 and "不满意的原因" in resp.content.decode()
    lead.refresh_from_db()
    assert lead.state == "replied"
    assert login(cast.liaison_gx).get(reverse("handling:evaluate", args=[lead.pk])).status_code == 404


def test_b_ledger_handover_and_policy_pages(cast, case, login):
    p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    r = svc.reply_save_draft(
        actor=cast.liaison_gx,
        assignment=lead,
        version=0,
        result_class="B",
        text="B类答复",
        contact_name="张三",
        contact_phone="0755-1",
        disclosure="public",
        commitments=[("建设配套", today() + dt.timedelta(days=90))],
    )
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    svc.reply_approve(actor=cast.leader_gx, reply=r)
    svc.reply_send(actor=cast.liaison_gx, reply=r, missing_opinion_reason="x")
    html = login(cast.liaison_gx).get(reverse("handling:b_ledger")).content.decode()
    assert "建设配套" in html and p.number in html
    html = login(cast.liaison_sw).get(reverse("handling:b_ledger")).content.decode()
    assert "建设配套" not in html and "没有B类答复" in html
    assert login(cast.liaison_gx).get(reverse("handling:handover")).status_code == 200
    assert login(cast.handler_gx).get(reverse("handling:handover")).status_code == 403
    c = login(cast.staff_npc)
    assert c.post(reverse("handling:policy"), {"contact_before_reply": "on"}).status_code == 302
    from banli.handling.selectors import policy_for

    assert policy_for(cast.orgs.npc).contact_before_reply is True


def test_rendering_every_panel_of_a_case_costs_the_same_queries_for_two_or_four_assignments(cast, case, rf):
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    p, lead, co = case

    def render_all():
        user = type(cast.staff_npc).objects.get(pk=cast.staff_npc.pk)
        request = rf.get("/")
        request.user = user
        with CaptureQueriesContext(connection) as ctx:
            for a in list(p.assignments.all()):
                render_to_string("handling/assignment_panel.html", {"assignment": a, "user": user, "request": request})
        return len(ctx.captured_queries)

    for a, liaison in ((lead, cast.liaison_gx), (co, cast.liaison_sw)):
        svc.assignment_sign(actor=liaison, assignment=a)
        svc.contact_add(actor=liaison, assignment=a, on=today(), stage="before", method="phone", summary="沟通")
    two = render_all()
    more = assignment_create(
        actor=cast.staff_npc, proposal=p, units=[(cast.orgs.lh, R.CO), (cast.orgs.court, R.SEPARATE)]
    )
    for a, liaison in zip(more, (cast.liaison_lh, cast.liaison_court)):
        svc.assignment_sign(actor=liaison, assignment=a)
        svc.contact_add(actor=liaison, assignment=a, on=today(), stage="before", method="phone", summary="沟通")
    four = render_all()
    assert two > 5 and four == two, (two, four)


def test_handover_page_moves_a_handlers_cases(cast, case, login):
    from banli.cases.models import DeptTask
    from banli.orgs.services import user_create

    _p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    svc.plan_save(
        actor=cast.liaison_gx,
        assignment=lead,
        version=0,
        lead_dept=cast.orgs.gx_industry,
        responsible_person=cast.handler_gx,
    )
    svc.plan_distribute(actor=cast.liaison_gx, assignment=lead)
    newcomer = user_create(
        username="handler_new",
        org=cast.orgs.gx_industry,
        roles=["handler"],
        password=cast.password,
        full_name="新同事",
        validate=False,
    )
    c = login(cast.liaison_gx)
    resp = c.post(
        reverse("handling:handover"),
        {"from_user": cast.handler_gx.pk, "to_user": newcomer.pk, "note": "调岗"},
        follow=True,
    )
    assert "1 件在办件移交给新同事" in resp.content.decode()
    assert DeptTask.objects.get(assignment=lead).handler == newcomer
    # a person of another unit is not even offered
    resp = c.post(reverse("handling:handover"), {"from_user": cast.handler_sw.pk, "to_user": newcomer.pk})
    from banli.handling.models import Handover

    assert resp.status_code == 200 and Handover.objects.count() == 1


def test_every_form_page_renders_for_its_role_and_is_hidden_from_others(cast, case, login):
    _p, lead, co = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    svc.assignment_sign(actor=cast.liaison_sw, assignment=co)
    r = svc.reply_save_draft(
        actor=cast.liaison_gx,
        assignment=lead,
        version=0,
        result_class="A",
        text="答复",
        contact_name="张三",
        contact_phone="0755-1",
        disclosure="public",
    )
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    svc.reply_approve(actor=cast.leader_gx, reply=r)
    svc.reply_send(actor=cast.liaison_gx, reply=r, missing_opinion_reason="x")
    pages = [
        (cast.liaison_gx, reverse("handling:plan", args=[lead.pk])),
        (cast.liaison_gx, reverse("handling:contact", args=[lead.pk])),
        (cast.liaison_gx, reverse("handling:points", args=[lead.pk])),
        (cast.liaison_gx, reverse("handling:reply", args=[lead.pk])),
        (cast.liaison_sw, reverse("handling:co_opinion", args=[co.pk])),
        (cast.leader_gx, reverse("handling:reply_correct", args=[r.pk])),
        (cast.deputy_user, reverse("portal:evaluate", args=[lead.pk])),
        (cast.staff_npc, reverse("handling:evaluate", args=[lead.pk])),
        (cast.staff_npc, reverse("handling:policy")),
        (cast.coordinator, reverse("handling:b_ledger")),
    ]
    for user, url in pages:
        assert login(user).get(url).status_code == 200, (user, url)
    for url in [u for _, u in pages[:6]]:
        assert login(cast.liaison_court).get(url).status_code == 404, url
        assert login(cast.outsider).get(url).status_code == 404, url


def test_save_and_submit_keeps_the_draft_when_submission_is_refused(cast, case, login):
    _p, lead, _ = case
    svc.assignment_sign(actor=cast.liaison_gx, assignment=lead)
    c = login(cast.liaison_gx)
    resp = c.post(
        reverse("handling:reply", args=[lead.pk]),
        {"version": "0", "result_class": "A", "text": "尚缺联系人的答复稿", "submit": "1"},
        follow=True,
    )
    html = resp.content.decode()
    assert "答复稿已保存，但未能提交领导签发" in html and "联系人及电话" in html
    r = lead.replies.get()
    assert r.text == "尚缺联系人的答复稿" and r.state == "draft"
