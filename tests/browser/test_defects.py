"""What a person sees for issue #12 defects 5, 6, 8, 9 and 11, in Chromium at 1366 and 390 px."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from banli.cases.models import Assignment, ReviewState
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, proposal_register, proposal_review
from banli.notify.models import Notification

from ..test_portal_world import build_world
from .cases import signed_case


def _accepted(cast, title="关于日期校验的建议"):
    p = proposal_register(
        actor=cast.staff_npc,
        session=cast.npc_session,
        title=title,
        lead=cast.deputy,
        submitted_on=dt.date(2023, 2, 21),
    )
    return proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)


def test_assignment_dated_before_submission_is_refused_with_what_is_allowed(sign_in, cast, screen):
    p = _accepted(cast)
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/cases/{p.pk}/")
    form = page.locator("form.assign-form").first
    form.locator("#id_sole_q").fill("市工业和信息化局")
    form.locator("[role=option]", has_text="市工业和信息化局").first.wait_for()
    form.locator("#id_sole_q").press("Enter")
    form.locator("input[name=assigned_on]").fill("2020-01-01")
    page.once("dialog", lambda d: d.accept())
    form.get_by_role("button", name="交办").click()
    expect(page.locator("body")).to_contain_text("交办日期不能早于提交日期（2023年2月21日）")
    assert not Assignment.objects.filter(proposal=p).exists()


def test_contact_dated_before_the_assignment_is_refused(sign_in, cast, screen):
    _p, lead, _ = signed_case(cast)
    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/handling/a/{lead.pk}/contact/")
    page.locator("input[name=on]").fill((lead.assigned_on - dt.timedelta(days=1)).isoformat())
    page.locator("select[name=stage]").select_option("before")
    page.locator("textarea[name=summary]").fill("电话沟通办理思路")
    page.get_by_role("button", name="保存沟通记录").click()
    expect(page.locator("body")).to_contain_text("沟通日期不能早于交办日期")
    page.locator("input[name=on]").fill(timezone.localdate().isoformat())
    page.locator("select[name=stage]").select_option("after")
    page.get_by_role("button", name="保存沟通记录").click()
    expect(page.locator("body")).to_contain_text("尚未答复，不能记录办后沟通")


def test_proposer_only_ever_lands_on_the_portal(sign_in, cast, screen):
    world = build_world(cast)
    page = sign_in(cast.deputy_user, screen)
    page.goto(f"/cases/{world.p1.pk}/")
    assert f"/portal/p/{world.p1.pk}/" in page.url
    body = page.inner_text("body")
    assert "代为录入" not in body
    # the lights on the portal are not links to the staff deadlines page
    assert page.locator("a[href*='/deadlines/assignments/']").count() == 0
    assert page.locator("a[href^='/cases/'], a[href^='/handling/']").count() == 0
    page.goto(f"/handling/a/{world.p1_gx.pk}/evaluate/")
    assert f"/portal/a/{world.p1_gx.pk}/evaluate/" in page.url
    # every notification of the deputy opens the portal
    n = Notification.objects.filter(user=cast.deputy_user).first()
    assert n is not None
    resp = page.goto(f"/deadlines/inbox/{n.pk}/")
    assert resp.status == 200 and "/portal/" in page.url


def test_unit_with_nothing_due_is_shown_unrated_and_last(sign_in, cast, screen):
    from banli.handling.services import assignment_sign

    p = _accepted(cast, "关于排名的建议")
    lead, co = assignment_create(
        actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)]
    )
    assignment_sign(actor=cast.liaison_gx, assignment=lead)
    assignment_sign(actor=cast.liaison_sw, assignment=co)
    page = sign_in(cast.coordinator, screen)
    page.goto(f"/stats/assessment/?session={cast.npc_session.pk}&org={cast.orgs.gov.pk}")
    rows = page.locator("table tbody tr")
    expect(rows.last).to_contain_text("市商务局")
    expect(rows.last).to_contain_text("无应答复件")
    expect(rows.first).to_contain_text("市工业和信息化局")


def test_publishing_the_reviewed_text_reports_and_lists_its_removals(sign_in, cast, screen):
    world = build_world(cast)
    page = sign_in(cast.coordinator, screen)
    page.goto(f"/portal/disclosure/{world.r1.pk}/")
    heading = page.get_by_text("隐去的个人信息（")
    before = heading.inner_text()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="批准公开").click()
    expect(page.locator("body")).to_contain_text("已公开，隐去")
    assert "隐去0处" not in page.inner_text("body")
    expect(page.get_by_text("隐去的个人信息（")).to_have_text(before)


def test_recommendation_panel_waits_for_the_model_without_a_server_command(sign_in, cast, screen):
    p = _accepted(cast, "关于推荐的建议")
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/cases/{p.pk}/")
    expect(page.locator(".recommend-slot")).to_contain_text("推荐模型正在准备中")
    assert "train-recommender" not in page.inner_text("body")
