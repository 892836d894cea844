"""Edit → edit again → open the case page (or the page that shows it) as every role that can see it, for
the editable objects test_edit_twice.py leaves out: the registration, contacts, a key proposal's own
dates, a body's deadline policy and a unit's letter settings (issue #12, "the suite that keeps them out")."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from playwright.sync_api import expect

from banli.audit.models import AuditEvent
from banli.cases.models import Assignment
from banli.cases.services import proposal_set_key

from ..factories import approved
from ..test_portal_world import build_world
from .cases import signed_case
from .test_edit_twice import case_page_opens_for_everyone


def _lead_dates(page, a):
    return page.locator(f"#a{a.pk} .a-dates")


def test_registration_edited_twice_then_everyone_sees_the_new_title(sign_in, cast, screen):
    p, _lead, _ = signed_case(cast, title="关于完善产业园区配套的建议")
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/cases/{p.pk}/")
    page.get_by_role("link", name="修改登记信息").click()
    page.get_by_label("标题").fill("关于完善产业园区配套设施的建议")
    page.get_by_label("类别").fill("工业经济")
    page.get_by_role("button", name="保存修改").click()
    expect(page.locator("body")).to_contain_text("登记信息已修改")

    page.get_by_role("link", name="修改登记信息").click()
    expect(page.get_by_label("类别")).to_have_value("工业经济")
    page.get_by_label("标题").fill("关于完善产业园区交通配套的建议")
    page.get_by_label("代表团/界别").fill("南山代表团")
    page.get_by_role("button", name="保存修改").click()
    expect(page.locator("body")).to_contain_text("登记信息已修改")

    p.refresh_from_db()
    first = "标题：关于完善产业园区配套的建议 → 关于完善产业园区配套设施的建议"
    second = "标题：关于完善产业园区配套设施的建议 → 关于完善产业园区交通配套的建议"
    staff_sees = dict.fromkeys(("staff_npc", "coordinator", "liaison_gx", "leader_gx"), second)
    for who, page in case_page_opens_for_everyone(sign_in, cast, p, screen, expect_text=staff_sees):
        if who != "deputy_user":
            expect(page.get_by_role("heading", level=1)).to_have_text("关于完善产业园区交通配套的建议")
            expect(page.locator(".meta-grid")).to_contain_text("南山代表团")
            expect(page.locator("ol.timeline")).to_contain_text(first)
            expect(page.locator("ol.timeline")).to_contain_text("代表团/界别：福田代表团 → 南山代表团")


def test_two_contacts_then_everyone_sees_both(sign_in, cast, screen):
    p, lead, _ = signed_case(cast)
    page = sign_in(cast.liaison_gx, screen)
    for method, summary in (("phone", "电话沟通办理思路"), ("visit", "上门走访，代表同意分步推进")):
        page.goto(f"/handling/a/{lead.pk}/contact/")
        page.get_by_label("阶段").select_option("before")
        page.locator("#id_method").select_option(method)
        page.get_by_label("情况摘要").fill(summary)
        page.get_by_role("button", name="保存沟通记录").click()
        expect(page.locator("body")).to_contain_text("沟通情况已记录")

    # The history says what happened (办前沟通（电话）); what was said stays on the contact record,
    # out of the audit trail the auditor reads (issue #19 item 7).
    internal = dict.fromkeys(("staff_npc", "liaison_gx", "leader_gx"), "办前沟通（电话）")
    for who, page in case_page_opens_for_everyone(sign_in, cast, p, screen, expect_text=internal):
        if who in internal:
            expect(page.locator("ol.timeline")).to_contain_text("办前沟通（上门走访，见面）")
            for said in ("电话沟通办理思路", "上门走访，代表同意分步推进"):
                expect(page.locator(f"#a{lead.pk}")).to_contain_text(said)
        if who == "deputy_user":
            expect(page.locator(f"#a{lead.pk} ol.ptl")).to_contain_text("沟通（办前）")


def test_key_dates_set_twice_then_the_case_follows_them(sign_in, cast, screen):
    p, lead, _ = signed_case(cast)
    p = proposal_set_key(actor=cast.staff_npc, proposal=p, is_key=True, leader="张副市长")
    first, second = lead.assigned_on + dt.timedelta(days=50), lead.assigned_on + dt.timedelta(days=70)
    page = sign_in(cast.staff_npc, screen)
    for day in (first, second):
        page.goto(f"/deadlines/key/{p.pk}/")
        page.get_by_label("答复期限").fill(day.isoformat())
        page.get_by_role("button", name="保存", exact=True).click()
        expect(page.locator("body")).to_contain_text("重点件期限已保存")
    expect(page.get_by_label("答复期限")).to_have_value(second.isoformat())
    assert Assignment.objects.get(pk=lead.pk).reply_due == second

    change = f"答复期限：{first:%Y-%m-%d} → {second:%Y-%m-%d}"
    readers = dict.fromkeys(("staff_npc", "coordinator", "liaison_gx", "leader_gx"), change)
    for who, page in case_page_opens_for_everyone(sign_in, cast, p, screen, expect_text=readers):
        if who == "deputy_user":
            expect(page.locator(f"#a{lead.pk}")).to_contain_text(f"{second.year}年{second.month}月{second.day}日")
        else:
            expect(_lead_dates(page, lead)).to_contain_text(f"{second:%Y-%m-%d}")
            expect(page.locator("ol.timeline")).to_contain_text(f"答复期限：（空） → {first:%Y-%m-%d}")
    page = sign_in(cast.coordinator, screen)
    page.goto(f"/deadlines/key/{p.pk}/")
    expect(page.locator("body")).to_contain_text(f"{second:%Y-%m-%d}")


def test_deadline_policy_changed_twice_then_open_due_dates_follow(sign_in, cast, screen):
    p, lead, _ = signed_case(cast)
    page = sign_in(cast.staff_npc, screen)
    section = page.locator("section", has_text="市人大常委会选联任工委")
    for months in ("4", "5"):
        page.goto("/deadlines/policies/")
        section.locator("input[name=reply_months]").fill(months)
        section.get_by_role("button", name="保存").click()
        expect(page.locator("body")).to_contain_text("办理期限规则已保存")
    expect(section.locator("input[name=reply_months]")).to_have_value("5")
    due = Assignment.objects.get(pk=lead.pk).reply_due
    assert due > lead.reply_due + dt.timedelta(days=55)  # three months became five
    assert AuditEvent.objects.filter(verb="policy.update").count() == 2

    readers = {}
    for who, page in case_page_opens_for_everyone(sign_in, cast, p, screen, expect_text=readers):
        if who != "deputy_user":
            expect(_lead_dates(page, lead)).to_contain_text(f"{due:%Y-%m-%d}")
    page = sign_in(cast.sysadmin, screen)  # the other page that shows the policy
    page.goto("/deadlines/policies/")
    expect(
        page.locator("section", has_text="市人大常委会选联任工委").locator("input[name=reply_months]")
    ).to_have_value("5")


def test_letter_settings_saved_twice_then_the_letter_uses_them(sign_in, cast, screen):
    world = build_world(cast)  # 工信局 has sent its reply to the deputy's proposal
    page = sign_in(cast.liaison_gx, screen)
    for prefix, cc in (("深工信函", "市人大常委会选联任工委"), ("深工信复", "市人大常委会选联任工委，市政府督查室")):
        page.goto("/reports/doc-settings/")
        page.get_by_label("发文机关标志").fill("深圳市工业和信息化局")
        page.get_by_label("发文字号代字").fill(prefix)
        page.get_by_label("抄送").fill(cc)
        page.get_by_role("button", name="保存").click()
        expect(page.locator("body")).to_contain_text("公文设置已保存")

    for who in ("liaison_gx", "leader_gx"):
        page = sign_in(getattr(cast, who), screen)
        page.goto("/reports/doc-settings/")
        expect(page.get_by_label("发文字号代字")).to_have_value("深工信复")
        expect(page.get_by_label("抄送")).to_have_value("市人大常委会选联任工委，市政府督查室")
    # The number is given at 签发 (issue #16): a reply signed now takes the new 代字; the one signed
    # before keeps the number it was sent with. 抄送 is read when the letter is made.
    later = approved(cast, title="关于完善产业园区配套的建议")
    for who in ("staff_npc", "liaison_gx", "leader_gx"):
        page = sign_in(getattr(cast, who), screen)
        for reply, new_number in ((later, True), (world.r1, False)):
            resp = page.request.get(f"/reports/replies/{reply.pk}/letter.docx")
            assert resp.status == 200, (who, resp.status)
            text = "\n".join(par.text for par in Document(io.BytesIO(resp.body())).paragraphs)
            assert ("深工信复〔" in text) == new_number and "深工信函" not in text, (who, text[:300])
            assert "市政府督查室" in text
    for _ in case_page_opens_for_everyone(sign_in, cast, world.p1, screen, expect_text={}):
        pass
