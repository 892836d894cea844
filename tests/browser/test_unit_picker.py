"""The unit picker in Chromium at 1366 and 390 px (issue #13): body staff assign a case to a lead and
two co units with the keyboard only (pinyin initials, a short name), and a liaison suggests a unit in
申请调整 the same way."""

from __future__ import annotations

from playwright.sync_api import expect

from banli.cases.models import Assignment, AssignmentState
from banli.handling.models import AdjustmentRequest
from tests import factories as f


def _pick(page, field_id, text, expected):
    box = page.locator(f"#{field_id}")
    box.focus()
    box.press_sequentially(text, delay=30)
    listbox = page.locator(f"#{box.get_attribute('aria-controls')}")
    expect(listbox).to_have_attribute("data-q", text)  # the answer to what was typed, not to an earlier key
    expect(listbox.locator("[role=option]").first).to_contain_text(expected)
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Enter")
    expect(listbox).to_be_hidden()


def test_staff_assign_with_the_keyboard_by_initials_and_short_names(sign_in, cast, screen):
    p = f.accepted(cast, title="关于键盘交办的建议")
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/cases/{p.pk}/")
    form = page.locator("form.assign-form")
    _pick(page, "id_lead_q", "gxj", "市工业和信息化局")
    expect(form.locator(".field-lead .unit-chip")).to_have_text("市工业和信息化局")
    _pick(page, "id_co_q", "商务", "市商务局")
    box = page.locator("#id_co_q")
    box.press_sequentially("lh", delay=30)
    expect(page.locator("#id_co_list")).to_have_attribute("data-q", "lh")
    expect(page.locator("#id_co_list [role=option]").first).to_contain_text("龙华区人民政府")
    box.press("ArrowDown")  # the second match
    expect(page.locator("#id_co_list [role=option]").nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    box.press("Enter")
    expect(form.locator(".field-co .unit-chip")).to_have_count(2)
    # a wrong pick is removed with Backspace in the empty field, then picked again
    box.press("Backspace")
    expect(form.locator(".field-co .unit-chip")).to_have_count(1)
    _pick(page, "id_co_q", "龙华区人民", "龙华区人民政府")
    page.once("dialog", lambda d: d.accept())
    form.locator("input[name=assigned_on]").press("Enter")
    expect(page.locator("body")).to_contain_text("已交办")
    made = {(a.unit.name, a.role) for a in Assignment.objects.filter(proposal=p).select_related("unit")}
    assert made == {("市工业和信息化局", "lead"), ("市商务局", "co"), ("龙华区人民政府", "co")}


def test_liaison_suggests_a_unit_in_an_adjustment_request(sign_in, cast, screen):
    a = f.assigned(cast, title="关于申请调整的建议")
    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/cases/{a.proposal_id}/")
    panel = page.locator(f"#a{a.pk}")
    panel.get_by_role("button", name="申请调整").first.click()
    panel.locator("textarea[name=reason]").fill("该事项属商务部门职责")
    box = panel.get_by_role("combobox", name="建议改交单位")
    box.press_sequentially("swj", delay=30)
    expect(panel.locator("[role=listbox]")).to_have_attribute("data-q", "swj")
    expect(panel.locator("[role=option]").first).to_contain_text("市商务局")
    box.press("Enter")
    expect(box).to_have_value("市商务局")
    panel.get_by_role("button", name="提交调整申请").click()
    expect(page.locator("body")).to_contain_text("调整")
    req = AdjustmentRequest.objects.get(assignment=a)
    assert req.suggested_unit == cast.orgs.sw
    assert Assignment.objects.get(pk=a.pk).state == AssignmentState.ADJUSTMENT_REQUESTED
