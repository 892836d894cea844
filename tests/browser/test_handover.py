"""工作交接 in Chromium at 1366 and 390 px (issue #12, defect 7): the person handing over work opens the
page from the menu, sees which cases (and department tasks) will move, confirms, and the receiver
signs in, finds the moved case in their list and acts on it."""

from __future__ import annotations

from playwright.sync_api import expect

from banli.cases.models import Assignment, AssignmentState, DeptTask, Reply
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create
from banli.demo.build import enroll_demo_security
from banli.orgs.services import user_create

from .cases import distributed_case, signed_case


def _open_handover(page, from_label: str):
    if page.locator("nav").get_by_role("link", name="工作移交").is_visible():
        page.locator("nav").get_by_role("link", name="工作移交").click()
    else:  # the phone's collapsed menu
        page.goto("/handling/handover/")
    expect(page.get_by_role("heading", name="工作移交", exact=False).first).to_be_visible()
    page.locator("select[name=from_user]").select_option(label=from_label)
    page.get_by_role("button", name="查看将移交的在办件").click()


def test_a_liaison_hands_over_and_the_new_liaison_signs_a_moved_case(sign_in, cast, screen):
    p, working, _co = signed_case(cast)
    p2, lead2, _ = _pending_case(cast)
    newcomer = user_create(
        username="liaison_gx2",
        org=cast.orgs.gx_office,
        roles=["unit_liaison"],
        password=cast.password,
        full_name="新联络员",
        validate=False,
    )
    enroll_demo_security([newcomer])

    page = sign_in(cast.liaison_gx, screen)
    _open_handover(page, "工信联络员（市工业和信息化局办公室）")
    preview = page.locator(".handover-preview")
    expect(preview).to_contain_text("工信联络员的在办件：2 件")
    expect(preview).to_contain_text(p.number)
    expect(preview).to_contain_text(p2.number)
    expect(preview).to_contain_text("待签收")
    options = page.locator("select[name=to_user] option").all_inner_texts()
    assert [o for o in options if o.strip("-").strip()] == ["新联络员（市工业和信息化局办公室）"], options
    page.locator("select[name=to_user]").select_option(label="新联络员（市工业和信息化局办公室）")
    page.locator("textarea[name=note]").fill("岗位调整")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="确认移交 2 件").click()
    expect(page.locator("body")).to_contain_text("已将工信联络员的 2 件在办件移交给新联络员。")

    page = sign_in(newcomer, screen)
    page.goto("/cases/")
    page.get_by_role("link", name=p2.title).first.click()
    expect(page.locator("body")).to_contain_text("工作移交：工信联络员 → 新联络员")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="签收").first.click()
    expect(page.locator("body")).to_contain_text("已签收")
    assert Assignment.objects.get(pk=lead2.pk).state == AssignmentState.HANDLING
    assert Assignment.objects.get(pk=working.pk).state == AssignmentState.HANDLING


def _pending_case(cast):
    """An accepted suggestion assigned to 市工信局 (承办), not yet signed for."""
    from banli.cases.models import ReviewState
    from banli.cases.services import proposal_register, proposal_review

    p = proposal_register(
        actor=cast.staff_npc, session=cast.npc_session, title="关于5G基站建设的建议", lead=cast.deputy
    )
    p = proposal_review(actor=cast.staff_npc, proposal=p, decision=ReviewState.ACCEPTED)
    (a,) = assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.SOLE)])
    return p, a, None


def test_a_handler_alone_in_the_department_hands_over_to_another_department(sign_in, cast, screen):
    p, lead, _co = distributed_case(cast)
    assert DeptTask.objects.get(assignment=lead).handler == cast.handler_gx

    page = sign_in(cast.liaison_gx, screen)
    _open_handover(page, "产业处承办人（市工业和信息化局产业发展处）")
    preview = page.locator(".handover-preview")
    expect(preview).to_contain_text("产业处承办人的在办件：1 件，处室任务 1 个")
    expect(preview).to_contain_text("处室任务（市工业和信息化局产业发展处，牵头）")
    page.locator("select[name=to_user]").select_option(label="中小处承办人（市工业和信息化局中小企业处）")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="确认移交 1 件").click()
    expect(page.locator("body")).to_contain_text(
        "已将产业处承办人的 1 件在办件移交给中小处承办人（含处室任务 1 个）。"
    )

    page = sign_in(cast.handler_gx_sme, screen)
    page.goto("/cases/")
    page.get_by_role("link", name=p.title).first.click()
    expect(page.locator("body")).to_contain_text("工作移交：产业处承办人 → 中小处承办人")
    page.goto(f"/handling/a/{lead.pk}/reply/")
    page.select_option("#id_result_class", "A")
    page.fill("#id_text", "经研究，我局已将园区配套纳入年度计划。")
    page.get_by_role("button", name="保存答复稿").click()
    expect(page.locator("body")).to_contain_text("答复稿已保存。")
    assert Reply.objects.get(assignment=lead).created_by == cast.handler_gx_sme
