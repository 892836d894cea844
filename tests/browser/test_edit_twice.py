"""Edit → edit again → open the case page (issue #12, defect 1: a history entry holding a list made the
case page answer 500 for good)."""

import datetime as dt

from playwright.sync_api import expect

from .cases import distributed_case, signed_case

# Everyone who can open the case page of signed_case/distributed_case.
CASE_READERS = ("staff_npc", "coordinator", "liaison_gx", "leader_gx", "deputy_user")


def _case_page_opens_for_everyone(sign_in, cast, p, screen, *, expect_text):
    for who in CASE_READERS + ("handler_gx",) * ("handler_gx" in expect_text):
        page = sign_in(getattr(cast, who), screen)
        resp = page.goto(f"/cases/{p.pk}/")
        assert resp.status == 200, (who, resp.status)
        if who == "deputy_user":  # a proposer never sees the staff page: the portal shows the case
            assert page.url.endswith(f"/portal/p/{p.pk}/"), page.url
            expect(page.get_by_role("heading", level=1)).to_contain_text(p.title)
            continue
        expect(page.get_by_role("heading", name="办理历史")).to_be_visible()
        if who in expect_text:
            expect(page.locator("ol.timeline")).to_contain_text(expect_text[who])


def test_plan_assisting_departments_changed_twice_then_case_page_opens(sign_in, cast, screen):
    p, lead, _ = signed_case(cast)
    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/handling/a/{lead.pk}/plan/")
    page.select_option("#id_lead_dept", label="市工业和信息化局产业发展处")
    page.get_by_label("市工业和信息化局中小企业处").check()
    page.get_by_role("button", name="保存方案").click()
    expect(page.locator("body")).to_contain_text("办理方案已保存")

    page.goto(f"/handling/a/{lead.pk}/plan/")
    page.get_by_label("市工业和信息化局中小企业处").uncheck()
    page.get_by_label("市工业和信息化局办公室").check()
    page.get_by_role("button", name="保存方案").click()
    expect(page.locator("body")).to_contain_text("办理方案已保存")

    change = "协办处室：市工业和信息化局中小企业处 → 市工业和信息化局办公室"
    _case_page_opens_for_everyone(
        sign_in, cast, p, screen, expect_text={"staff_npc": change, "liaison_gx": change, "leader_gx": change}
    )


def test_reply_draft_saved_twice_with_other_commitments_then_case_page_opens(sign_in, cast, screen):
    p, lead, _ = distributed_case(cast)
    due = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    page = sign_in(cast.handler_gx, screen)
    page.goto(f"/handling/a/{lead.pk}/reply/")
    page.select_option("#id_result_class", "B")
    page.fill("#id_text", "经研究，我局将分两步推进园区配套建设。")
    page.fill("#id_c0_text", "年内完成园区道路改造")
    page.fill("#id_c0_due", due)
    page.get_by_role("button", name="保存答复稿").click()
    expect(page.locator("body")).to_contain_text("答复稿")

    page.goto(f"/handling/a/{lead.pk}/reply/")
    expect(page.locator("#id_c0_text")).to_have_value("年内完成园区道路改造")
    page.fill("#id_c1_text", "明年上半年建成公共食堂")
    page.fill("#id_c1_due", due)
    page.get_by_role("button", name="保存答复稿").click()
    expect(page.locator("body")).to_contain_text("答复稿")

    saved = "保存第1次答复稿（第2稿）"
    _case_page_opens_for_everyone(
        sign_in, cast, p, screen, expect_text={"handler_gx": saved, "liaison_gx": saved, "staff_npc": saved}
    )
