"""The browser suite itself: cast roles sign in through the real form, at both screen sizes."""

from playwright.sync_api import expect

from banli.audit.models import AuditEvent


def test_staff_with_two_factor_and_a_handler_sign_in_through_the_login_form(sign_in, cast, screen):
    page = sign_in(cast.staff_npc, screen)  # password, then the authenticator code
    expect(page.locator("body")).to_contain_text("人大工委干事")
    assert AuditEvent.objects.filter(verb="auth.2fa_ok", actor=cast.staff_npc).count() == 1
    page = sign_in(cast.handler_gx, screen)  # password only
    expect(page.locator("body")).to_contain_text("产业处承办人")
    assert not AuditEvent.objects.filter(verb="auth.2fa_ok", actor=cast.handler_gx).exists()
    again = sign_in(cast.staff_npc, screen)  # the same session again: no second code needed
    expect(again.locator("body")).to_contain_text("人大工委干事")
