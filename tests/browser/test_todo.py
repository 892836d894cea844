"""我的待办 in Chromium at 1366 and 390 px (issue #13): each role lands on its to-do counts, opens a
count's list, acts from the row's link, and the count follows; a deputy sees 待评价 on the portal."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from banli.cases.models import Assignment, AssignmentState
from tests import factories as f


def _card(page, key):
    return page.locator(f'[data-todo="{key}"]')


def test_liaison_signs_from_the_todo_list_and_the_count_drops(sign_in, cast, screen):
    a = f.assigned(cast, title="关于待签收事项的建议")
    other = f.assigned(cast, title="关于商务局事项的建议", units=[(cast.orgs.sw, "sole")])
    page = sign_in(cast.liaison_gx, screen)
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    expect(_card(page, "sign").locator(".todo-count")).to_have_text("1")
    _card(page, "sign").click()
    expect(page.get_by_role("heading", name="待签收")).to_contain_text("共 1 件")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).not_to_contain_text(other.proposal.title)  # another unit's case
    page.locator("tbody tr").first.get_by_role("link", name="办理").click()
    page.once("dialog", lambda d: d.accept())
    page.locator(f"#a{a.pk}").get_by_role("button", name="签收").click()
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text("签收")
    assert Assignment.objects.get(pk=a.pk).state == AssignmentState.HANDLING
    page.goto("/")
    expect(_card(page, "sign").locator(".todo-count")).to_have_text("0")
    expect(_card(page, "plan").locator(".todo-count")).to_have_text("1")
    # the body's staff see the same case from the office side: nothing to review, one assigned case
    staff = sign_in(cast.staff_npc, screen)
    expect(_card(staff, "review").locator(".todo-count")).to_have_text("0")
    _card(staff, "assign").click()
    expect(staff.locator("tbody tr")).to_have_count(0)


def test_deputy_sees_to_evaluate_on_the_portal_and_opens_the_evaluation(sign_in, cast, screen):
    r = f.sent(cast, title="关于答复待评价的建议")
    page = sign_in(cast.deputy_user, screen)
    assert "/portal/" in page.url
    expect(_card(page, "to_evaluate")).to_contain_text("1")
    _card(page, "to_evaluate").click()
    assert "/portal/todo/to_evaluate/" in page.url  # deputies stay on the portal
    expect(page.locator("[data-row]")).to_have_count(1)
    page.locator("[data-row]").first.click()
    page.wait_for_load_state()
    assert f"/portal/a/{r.assignment_id}/evaluate/" in page.url


def test_a_new_assignment_reaches_the_liaisons_inbox_and_opens_where_to_sign(sign_in, cast, screen):
    p = f.accepted(cast, title="关于交办通知的建议")
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/cases/{p.pk}/")
    form = page.locator("form.assign-form")
    if not form.is_visible():
        page.get_by_role("button", name="交办").first.click()
    form.locator("#id_sole_q").fill("市工业和信息化局")
    form.locator("[role=option]", has_text="市工业和信息化局").first.wait_for()
    form.locator("#id_sole_q").press("Enter")
    page.once("dialog", lambda d: d.accept())
    form.get_by_role("button", name="交办").click()
    page.wait_for_load_state()
    a = Assignment.objects.get(proposal=p)
    liaison = sign_in(cast.liaison_gx, screen)
    liaison.goto("/deadlines/inbox/")
    item = liaison.get_by_role("link", name=re.compile("新交办"))
    expect(item).to_have_count(1)
    expect(item).to_contain_text(p.title)
    item.click()
    assert f"/cases/{p.pk}/" in liaison.url
    expect(liaison.locator(f"#a{a.pk}").get_by_role("button", name="签收")).to_be_visible()
    # another unit's liaison is told nothing
    other = sign_in(cast.liaison_sw, screen)
    other.goto("/deadlines/inbox/")
    expect(other.get_by_role("link", name=re.compile("新交办"))).to_have_count(0)
