"""Each role's main path in Chromium at 1366 and 390 px (issue #12): one walk per role, clicking what a
person clicks, confirming the dialogs a person confirms. Each walk saves a screenshot of the role's main
page at phone width under /tmp/walks/ for a person to look at."""

from __future__ import annotations

import os

from django.utils import timezone
from playwright.sync_api import expect

from banli.cases.models import Assignment, Contact, Proposal, Reply
from banli.handling import services as svc

from ..test_portal_world import build_world, publish
from .cases import distributed_case, signed_case

SHOTS = os.environ.get("BANLI_WALK_SHOTS", "/tmp/walks")


def _shot(page, screen, name):
    if screen == "phone":
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
    # nothing on the page is wider than the screen (no sideways scrolling on a phone)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, (name, width)


def _confirming(page):
    questions = []
    page.on("dialog", lambda d: (questions.append(d.message), d.accept()))
    return questions


def test_body_staff_registers_accepts_and_assigns(sign_in, cast, screen):
    page = sign_in(cast.staff_npc, screen)
    _shot(page, screen, "body_staff_home")
    page.goto("/cases/new/")
    page.get_by_label("标题").fill("关于增设社区托育点的建议")
    page.get_by_label("领衔人").fill("王代表")
    page.get_by_label("提交日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("body")).to_contain_text("《关于增设社区托育点的建议》")
    p = Proposal.objects.get(title="关于增设社区托育点的建议")
    page.goto(f"/cases/{p.pk}/")

    questions = _confirming(page)
    page.get_by_role("radio", name="立案", exact=True).check()
    page.get_by_role("button", name="提交审查结果").click()
    expect(page.locator(".case-badges")).to_contain_text("待交办")
    form = page.locator("form.assign-form").first
    for label, unit in (("主办单位", "市工业和信息化局"), ("会办单位", "市商务局")):  # the unit picker (issue #13)
        box = form.get_by_label(label)
        box.fill(unit)
        expect(page.locator(f"#{box.get_attribute('aria-controls')}")).to_have_attribute("data-q", unit)
        box.press("Enter")
    form.get_by_role("button", name="交办").click()
    expect(page.locator("#h-assign").locator("xpath=../..")).to_contain_text("市工业和信息化局")
    assert questions == [
        "确定提交审查结果？不予立案和并案将告知提出人。",
        "确定按所选单位和办理方式交办？交办后单位将收到签收通知。",
    ]
    roles = dict(Assignment.objects.filter(proposal=p).values_list("unit__name", "role"))
    assert roles == {"市工业和信息化局": "lead", "市商务局": "co"}
    _shot(page, screen, "body_staff_case")


def test_unit_liaison_signs_plans_contacts_drafts_and_submits(sign_in, cast, screen):
    # 工信局 lead is signed already; 商务局's liaison signs the co assignment, 工信局's carries the lead on.
    p, lead, co = signed_case(cast)
    page = sign_in(cast.liaison_sw, screen)
    _shot(page, screen, "unit_liaison_home")
    questions = _confirming(page)
    page.goto(f"/cases/{p.pk}/")
    page.locator(f"form[action='/handling/a/{co.pk}/sign/'] button").click()
    expect(page.locator(f"form[action='/handling/a/{co.pk}/sign/']")).to_have_count(0)
    assert questions == ["确认签收该件？"]

    page = sign_in(cast.liaison_gx, screen)
    questions = _confirming(page)
    page.goto(f"/cases/{p.pk}/")
    page.locator(f"#a{lead.pk}").get_by_role("link", name="制定办理方案").click()
    page.select_option("#id_lead_dept", label="市工业和信息化局产业发展处")
    page.get_by_role("button", name="保存方案").click()
    expect(page.locator("body")).to_contain_text("办理方案已保存")

    page.goto(f"/cases/{p.pk}/")
    page.locator(f"#a{lead.pk}").get_by_role("link", name="记录沟通").click()
    page.get_by_label("阶段").select_option("before")
    page.get_by_label("情况摘要").fill("电话沟通办理思路，代表同意分步推进")
    page.get_by_role("button", name="保存沟通记录").click()
    expect(page.locator("body")).to_contain_text("沟通情况已记录")
    assert Contact.objects.filter(assignment=lead).count() == 1

    page.locator(f"#a{lead.pk}").get_by_role("link", name="起草答复").click()
    page.select_option("#id_result_class", "A")
    page.fill("#id_text", "经研究，您提出的建议已全部采纳。")
    page.fill("#id_contact_name", "周敏")
    page.fill("#id_contact_phone", "0755-88886666")
    page.select_option("#id_disclosure", "public")
    page.get_by_role("button", name="保存并提交领导签发").click()
    expect(page.locator("body")).to_contain_text("答复稿已保存并提交领导签发")
    assert questions == ["提交领导签发后不能再修改，确认提交？"]
    assert Reply.objects.get(assignment=lead).state == "in_review"
    page.goto(f"/cases/{p.pk}/")
    expect(page.locator("ol.timeline")).to_contain_text("答复稿状态：草稿 → 待签发")  # not reply_state: draft
    _shot(page, screen, "unit_liaison_case")


def test_unit_leader_signs_off_the_reply(sign_in, cast, screen):
    p, lead, _ = distributed_case(cast)
    r = svc.reply_save_draft(
        actor=cast.handler_gx,
        assignment=lead,
        version=0,
        result_class="A",
        text="经研究，您提出的建议已全部采纳。",
        signer="",
        contact_name="周敏",
        contact_phone="0755-88886666",
        disclosure="public",
        disclosure_reason="",
    )
    svc.reply_submit(actor=cast.liaison_gx, reply=r)
    page = sign_in(cast.leader_gx, screen)
    _shot(page, screen, "unit_leader_home")
    page.goto(f"/cases/{p.pk}/")
    questions = _confirming(page)
    page.locator(f"#a{lead.pk}").get_by_role("button", name="签发", exact=True).click()
    expect(page.locator("body")).to_contain_text("已签发")
    (question,) = questions  # the number the letter will take is named before signing (issue #16)
    assert question.startswith("签发后将编号为") and question.endswith("确认签发该答复？")
    r.refresh_from_db()
    assert r.state == "approved" and r.signer
    _shot(page, screen, "unit_leader_case")


def test_deputy_follows_progress_and_evaluates_on_the_portal(sign_in, cast, screen):
    world = build_world(cast)
    page = sign_in(cast.deputy_user, screen)
    assert "/portal/" in page.url
    _shot(page, screen, "deputy_home")
    page.get_by_role("link", name="关于支持中小企业工业上楼的建议").first.click()
    card = page.locator(f"#a{world.p1_gx.pk}")
    expect(card).to_contain_text("市工业和信息化局")
    expect(card).to_contain_text("答复（A类）")
    _shot(page, screen, "deputy_proposal")
    card.get_by_role("link", name="评价市工业和信息化局的办理工作").click()
    expect(page.get_by_role("group", name="总体评价")).to_be_visible()  # .all() below does not wait for the page
    for group in page.locator("form fieldset").all():  # 办理态度, 办理结果, 总体评价: the first answer, 满意
        group.locator("input[type=radio]").first.check()
    questions = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_timeout(300)
    assert questions == ["评价提交后不能修改，确定提交吗？"]
    assert "/evaluate/" in page.url  # cancelled: still on the form, nothing recorded
    page.once("dialog", lambda d: (questions.append(d.message), d.accept()))
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("body")).to_contain_text("已提交对市工业和信息化局的评价")
    expect(page.locator(f"#a{world.p1_gx.pk}")).to_contain_text("王代表评价：满意")
    assert len(questions) == 2


def test_public_visitor_reads_a_published_reply(anon_page, cast, screen):
    world = build_world(cast)
    publish(cast, world)
    page = anon_page(screen)
    missing = []
    page.on("response", lambda r: r.status == 404 and missing.append(r.url))
    page.goto("/public/")
    _shot(page, screen, "public_home")
    page.get_by_role("link", name="关于支持中小企业工业上楼的建议").first.click()
    expect(page.locator("body")).to_contain_text("新建厂房面积达到120万平方米")
    assert "13812345678" not in page.inner_text("body")
    _shot(page, screen, "public_reply")
    assert not missing, missing
    icon = page.locator("link[rel=icon]").get_attribute("href")  # else every browser asks for /favicon.ico: 404
    assert page.request.get(icon).status == 200
