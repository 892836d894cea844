"""The stage bar in Chromium at 1366 and 390 px (issue #13): the liaison signs and the bar moves on,
with the date and the name; the body's staff see the same bar."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories as f


def test_the_bar_moves_when_the_liaison_signs(sign_in, cast, screen):
    a = f.assigned(cast, title="关于进度条的建议")
    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/cases/{a.proposal_id}/")
    bar = page.locator(f"#a{a.pk} .stage-bar")
    expect(bar.locator("[aria-current=step]")).to_contain_text("签收")
    expect(bar.locator(".stage.done")).to_contain_text("人大工委干事")
    page.once("dialog", lambda d: d.accept())
    page.locator(f"#a{a.pk}").get_by_role("button", name="签收").click()
    page.wait_for_load_state()
    bar = page.locator(f"#a{a.pk} .stage-bar")
    expect(bar.locator("[aria-current=step]")).to_contain_text("方案")
    expect(bar.locator(".stage.done").nth(1)).to_contain_text("工信联络员")
    assert bar.bounding_box()["width"] <= page.viewport_size["width"]
    staff = sign_in(cast.staff_npc, screen)
    staff.goto(f"/cases/{a.proposal_id}/")
    expect(staff.locator(f"#a{a.pk} .stage-bar [aria-current=step]")).to_contain_text("方案")
