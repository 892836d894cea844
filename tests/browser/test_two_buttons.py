"""Forms with two submit buttons act on the button clicked, and data-confirm asks first
(issue #12, defect 2: the site script disabled the buttons before the browser built the form data,
so the clicked button's name=value was lost; a button's data-confirm was never read)."""

import datetime as dt

from playwright.sync_api import expect

from banli.cases.models import DeptTask, Reply
from banli.deadlines.models import Extension, ExtensionState
from banli.deadlines.services import extension_request
from banli.handling.models import HandlingPlan

from .cases import distributed_case, signed_case


def test_agreeing_to_an_extension_records_it_as_agreed(sign_in, cast, screen):
    _p, lead, _ = signed_case(cast)
    wanted = lead.reply_due + dt.timedelta(days=10)
    ext = extension_request(actor=cast.liaison_gx, assignment=lead, reason="需跨部门协调", requested_due=wanted)
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/deadlines/assignments/{lead.pk}/")
    page.get_by_role("button", name="同意延期").click()
    expect(page.locator("body")).to_contain_text("已同意延期")
    page.reload()
    expect(page.locator("body")).to_contain_text(f"批准至 {wanted:%Y-%m-%d}")
    assert Extension.objects.get(pk=ext.pk).state == ExtensionState.APPROVED


def test_refusing_an_extension_still_refuses(sign_in, cast):
    _p, lead, _ = signed_case(cast)
    wanted = lead.reply_due + dt.timedelta(days=10)
    ext = extension_request(actor=cast.liaison_gx, assignment=lead, reason="需跨部门协调", requested_due=wanted)
    page = sign_in(cast.staff_npc)
    page.goto(f"/deadlines/assignments/{lead.pk}/")
    page.get_by_label("审批意见（不同意时必填）").fill("理由不充分")
    page.get_by_role("button", name="不同意").click()
    expect(page.locator("body")).to_contain_text("已退回延期申请")
    assert Extension.objects.get(pk=ext.pk).state == ExtensionState.REFUSED


def test_plan_save_and_distribute_distributes(sign_in, cast, screen):
    p, lead, _ = signed_case(cast)
    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/handling/a/{lead.pk}/plan/")
    page.select_option("#id_lead_dept", label="市工业和信息化局产业发展处")
    page.get_by_label("市工业和信息化局中小企业处").check()
    page.get_by_role("button", name="保存并分办到处室").click()
    expect(page.locator("body")).to_contain_text("办理方案已保存并分办")
    page.goto(f"/handling/a/{lead.pk}/plan/")
    expect(page.locator("body")).to_contain_text("上次分办")
    assert HandlingPlan.objects.get(assignment=lead).distributed_at is not None
    assert DeptTask.objects.filter(assignment=lead).count() == 2
    # the departments' handlers now see the case
    handler = sign_in(cast.handler_gx_sme, screen)
    assert handler.goto(f"/cases/{p.pk}/").status == 200


def _fill_complete_reply(page):
    page.select_option("#id_result_class", "A")
    page.fill("#id_text", "经研究，您提出的建议已全部采纳。")
    page.fill("#id_contact_name", "周敏")
    page.fill("#id_contact_phone", "0755-88886666")
    page.select_option("#id_disclosure", "public")


def test_reply_save_and_submit_asks_then_submits(sign_in, cast, screen):
    _p, lead, _ = distributed_case(cast)
    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/handling/a/{lead.pk}/reply/")
    _fill_complete_reply(page)

    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.get_by_role("button", name="保存并提交领导签发").click()
    page.wait_for_timeout(500)
    assert questions == ["提交领导签发后不能再修改，确认提交？"]
    assert not Reply.objects.filter(assignment=lead).exists()  # cancel: nothing sent, nothing saved
    expect(page.get_by_role("button", name="保存并提交领导签发")).to_be_enabled()

    page.once("dialog", lambda d: (questions.append(d.message), d.accept()))
    page.get_by_role("button", name="保存并提交领导签发").click()
    expect(page.locator("body")).to_contain_text("答复稿已保存并提交领导签发")
    page.goto(f"/handling/a/{lead.pk}/reply/")
    expect(page.locator("body")).to_contain_text("答复稿已提交领导签发")
    assert len(questions) == 2
    assert Reply.objects.get(assignment=lead).state == "in_review"


def test_reply_plain_save_does_not_ask_and_does_not_submit(sign_in, cast):
    _p, lead, _ = distributed_case(cast)
    page = sign_in(cast.liaison_gx)
    page.goto(f"/handling/a/{lead.pk}/reply/")
    _fill_complete_reply(page)
    page.on("dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"unexpected question: {d.message}")))
    page.get_by_role("button", name="保存答复稿").click()
    page.wait_for_load_state()
    page.goto(f"/handling/a/{lead.pk}/reply/")
    expect(page.get_by_role("button", name="保存并提交领导签发")).to_be_visible()
    assert Reply.objects.get(assignment=lead).state == "draft"


def test_form_level_confirm_cancel_does_nothing_accept_signs(sign_in, cast, screen):
    p, _lead, co = signed_case(cast)
    page = sign_in(cast.liaison_sw, screen)
    page.goto(f"/cases/{p.pk}/")
    sign = page.locator(f"form[action='/handling/a/{co.pk}/sign/'] button")
    page.once("dialog", lambda d: d.dismiss())
    sign.click()
    page.wait_for_timeout(500)
    co.refresh_from_db()
    assert co.state == "pending_sign"
    page.once("dialog", lambda d: d.accept())
    sign.click()
    page.wait_for_load_state()
    page.reload()
    expect(page.locator(f"form[action='/handling/a/{co.pk}/sign/']")).to_have_count(0)
    co.refresh_from_db()
    assert co.state != "pending_sign"
