"""The security administrator issues, rotates and revokes an integration token (desktop and phone),
and the token works, stops working, and the page shows it; /api/docs/ renders with nothing fetched
from outside the site (the Swagger UI assets are served locally)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from playwright.sync_api import expect

from banli.api.models import IntegrationToken


def api_status(live_url: str, secret: str) -> int:
    req = urllib.request.Request(f"{live_url}/api/v1/proposals/", headers={"Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            json.loads(resp.read())
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def test_secadmin_issues_rotates_and_revokes_a_token(sign_in, cast, screen, live_url):
    page = sign_in(cast.secadmin, screen)
    page.goto("/api/tokens/")
    expect(page.get_by_role("heading", name="接口令牌")).to_be_visible()
    page.get_by_label("集成名称").fill("代表履职平台")
    page.select_option("#id_org", label=cast.orgs.npc.name)
    page.get_by_label("读取（案件、统计、台账导出、相似与推荐）").check()
    page.get_by_label("登记与立案审查").check()
    page.get_by_role("button", name="签发令牌").click()
    expect(page.get_by_test_id("new-secret")).to_be_visible()
    first = page.locator("#token-secret").inner_text().strip()
    assert first.startswith("bnl_")
    token = IntegrationToken.objects.get(name="代表履职平台")
    assert token.actions == ["read", "register"] and first not in token.secret_hash
    assert api_status(live_url, first) == 200

    # Reopened, the secret is gone from the page; the row is there.
    page.goto("/api/tokens/")
    row = page.locator("tr[data-token='代表履职平台']")
    expect(row).to_contain_text("有效")
    expect(page.get_by_test_id("new-secret")).to_have_count(0)

    page.once("dialog", lambda d: d.accept())
    row.get_by_role("button", name="轮换").click()
    expect(page.get_by_test_id("new-secret")).to_be_visible()
    second = page.locator("#token-secret").inner_text().strip()
    assert second != first
    assert api_status(live_url, first) == 401
    assert api_status(live_url, second) == 200

    page.goto("/api/tokens/")
    page.once("dialog", lambda d: d.accept())
    page.locator("tr[data-token='代表履职平台']").get_by_role("button", name="吊销").click()
    expect(page.locator("body")).to_contain_text("已吊销“代表履职平台”的令牌")
    page.reload()
    expect(page.locator("tr[data-token='代表履职平台']")).to_contain_text("已吊销")
    expect(page.locator("tr[data-token='代表履职平台']").get_by_role("button", name="轮换")).to_have_count(0)
    assert api_status(live_url, second) == 401


def test_a_refused_issue_keeps_what_was_typed(sign_in, cast, screen):
    page = sign_in(cast.secadmin, screen)
    page.goto("/api/tokens/")
    page.get_by_label("集成名称").fill("市政府OA")
    page.select_option("#id_org", label=cast.orgs.gov.name)
    page.get_by_role("button", name="签发令牌").click()
    expect(page.locator("body")).to_contain_text("请至少选择一项允许的操作。")
    expect(page.get_by_label("集成名称")).to_have_value("市政府OA")
    assert not IntegrationToken.objects.exists()


def test_other_roles_cannot_open_the_token_page(sign_in, cast):
    for user in (cast.sysadmin, cast.auditor, cast.staff_npc):
        page = sign_in(user)
        assert page.goto("/api/tokens/").status == 403


def test_the_api_docs_render_offline(sign_in, cast, screen, live_url):
    page = sign_in(cast.staff_npc, screen)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_url) else None)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("建议提案列表")
    assert page.locator(".swagger-ui .opblock").count() >= 30
    assert outside == []
