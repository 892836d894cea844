"""Keyboard (issue #13) in Chromium at 1366 and 390 px: `?` lists the shortcuts; j/k walk a 我的待办 list
and Enter opens the row; on the case page `a` puts the focus on the main action, Enter takes it."""

from __future__ import annotations

from playwright.sync_api import expect

from banli.cases.models import Assignment, AssignmentState
from tests import factories as f


def test_a_liaison_signs_a_case_without_the_mouse(sign_in, cast, screen):
    first = f.assigned(cast, title="关于键盘第一件的建议")
    second = f.assigned(cast, title="关于键盘第二件的建议")
    page = sign_in(cast.liaison_gx, screen)
    page.goto("/todo/sign/")
    page.keyboard.press("?")
    help_box = page.get_by_role("dialog", name="键盘快捷键")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("打开当前行")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr.kbd-current")).to_contain_text(second.proposal.title)
    page.keyboard.press("k")
    expect(page.locator("tr.kbd-current")).to_contain_text(first.proposal.title)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{page.url.split('/todo/')[0]}/cases/{first.proposal_id}/#a{first.pk}")
    page.keyboard.press("a")
    focused = page.locator(":focus")
    expect(focused).to_have_text("签收")
    page.once("dialog", lambda d: d.accept())
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(f"#a{first.pk}")).to_contain_text("办理中")
    assert Assignment.objects.get(pk=first.pk).state == AssignmentState.HANDLING
    assert Assignment.objects.get(pk=second.pk).state == AssignmentState.PENDING_SIGN
