"""What a person sees when the input is too long or the file is hostile (issue #19 items 1 and 9)."""

import pytest
from playwright.sync_api import expect

from banli.cases.models import Attachment, Proposal

from .. import factories as f

pytestmark = pytest.mark.browser

TOO_LONG = "关于推动工业上楼的具体建议。" * 1786  # 25,004 characters


def test_portal_refuses_a_too_long_proposal_with_the_limit_and_the_length(sign_in, cast, screen):
    page = sign_in(cast.deputy_user, screen)
    page.goto("/portal/new/")
    page.get_by_label("标题").fill("关于推动工业上楼的建议")
    page.get_by_label("内容").fill(TOO_LONG)
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交").click()
    message = f"内容不能超过 20000 字（现为 {len(TOO_LONG)} 字），请删减后再提交。"
    expect(page.get_by_text(message)).to_be_visible()
    assert not Proposal.objects.filter(title="关于推动工业上楼的建议").exists()
    # the text is still there to shorten (not cut silently), and once shortened it goes through
    assert len(page.get_by_label("内容").input_value()) == len(TOO_LONG)
    page.get_by_label("内容").fill(TOO_LONG[:20000])
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交").click()
    expect(page.locator("body")).to_contain_text("已提交")
    p = Proposal.objects.get(title="关于推动工业上楼的建议")
    assert len(p.content) == 20000
    # reopened by the deputy and by the body's staff
    page.goto(f"/portal/p/{p.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(p.title)
    staff = sign_in(cast.staff_npc, screen)
    assert staff.goto(f"/cases/{p.pk}/").status == 200
    expect(staff.get_by_role("heading", level=1)).to_contain_text(p.title)


def test_an_upload_with_javascript_is_refused_with_the_reason(sign_in, cast, screen):
    p = f.registered(cast)
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/cases/{p.pk}/")
    evil = (
        b"%PDF-1.7\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\ntrailer<<>>\n%%EOF\n"
    )
    page.locator("input[type=file][name=files]").set_input_files(
        files=[{"name": "答复函.pdf", "mimeType": "application/pdf", "buffer": evil}]
    )
    page.get_by_role("button", name="上传附件").click()
    expect(page.locator("body")).to_contain_text("附件“答复函.pdf”包含 JavaScript 脚本")
    expect(page.locator("body")).to_contain_text("已拒绝")
    assert not Attachment.objects.filter(proposal=p).exists()
    # a clean file is accepted afterwards and listed for the staff
    clean = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    page.goto(f"/cases/{p.pk}/")
    page.locator("input[type=file][name=files]").set_input_files(
        files=[{"name": "答复函.pdf", "mimeType": "application/pdf", "buffer": clean}]
    )
    page.get_by_role("button", name="上传附件").click()
    expect(page.locator(".attach-list")).to_contain_text("答复函.pdf")
