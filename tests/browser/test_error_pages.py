"""What a newcomer sees when a page is missing (issue #12, defect 10): the Chinese 404 page,
never Django's debug page with the URL map."""

from playwright.sync_api import expect


def test_anonymous_missing_page_is_the_chinese_404(anon_page, live_url, screen):
    page = anon_page(screen)
    resp = page.goto("/nope/")
    assert resp.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    body = page.inner_text("body")
    assert "URLconf" not in body and "Page not found" not in body and "cases/" not in body
    # the site's own stylesheet is served: the page is styled, not bare HTML
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_signed_in_missing_case_is_the_same_404(sign_in, cast):
    page = sign_in(cast.handler_gx)
    resp = page.goto("/cases/999999/")
    assert resp.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
