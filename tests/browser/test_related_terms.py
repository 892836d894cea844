"""Staff confirm and reject related terms learned from the archive on the dictionary page (issue #18):
decide, decide again, then reopen as each role that sees the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from banli.audit.models import AuditEvent
from banli.textintel.models import RelatedTerm, RelatedTermStatus

pytestmark = pytest.mark.browser


def _row(page, table: str, pair: str):
    return page.locator(f"#{table} tr[data-pair='{pair}']")


def test_related_terms_confirmed_then_changed_and_seen_by_all_body_staff(sign_in, cast, screen):
    # what `banli learn-related-terms` stores: suggestions with their evidence
    RelatedTerm.objects.create(word_a="近视", word_b="视力", score=0.82, evidence={"together": 14, "units": 0.9})
    RelatedTerm.objects.create(word_a="融资", word_b="贷款", score=0.74, evidence={"together": 0, "units": 0.8})
    RelatedTerm.objects.create(word_a="停车", word_b="照明", score=0.41, evidence={"together": 3})

    page = sign_in(cast.staff_npc, screen)
    page.goto("/text/dictionary/")
    expect(page.locator("#related-title")).to_contain_text("待确认 3 对")
    expect(_row(page, "related-suggested", "近视～视力")).to_contain_text("同现 14 篇")
    _row(page, "related-suggested", "近视～视力").get_by_role("button", name="确认").click()
    expect(page.locator("body")).to_contain_text("已确认相关词“近视～视力”")
    expect(_row(page, "related-decided", "近视～视力")).to_contain_text("已确认")
    _row(page, "related-suggested", "停车～照明").get_by_role("button", name="否决").click()
    expect(page.locator("body")).to_contain_text("已否决相关词“停车～照明”")
    expect(page.locator("#related-title")).to_contain_text("待确认 1 对")

    # decide again: the confirmed pair turned out wrong
    _row(page, "related-decided", "近视～视力").get_by_role("button", name="改为否决").click()
    expect(_row(page, "related-decided", "近视～视力")).to_contain_text("已否决")
    _row(page, "related-decided", "近视～视力").get_by_role("button", name="改为确认").click()
    expect(_row(page, "related-decided", "近视～视力")).to_contain_text("已确认")

    statuses = dict(RelatedTerm.objects.values_list("word_a", "status"))
    assert statuses == {"近视": "confirmed", "融资": "suggested", "停车": "rejected"}
    assert AuditEvent.objects.filter(verb="related.confirm").count() == 2
    assert AuditEvent.objects.filter(verb="related.reject").count() == 2

    # the other body's staff see the same decisions (the dictionary serves every body)
    other = sign_in(cast.staff_cppcc, screen)
    other.goto("/text/dictionary/")
    expect(_row(other, "related-decided", "近视～视力")).to_contain_text("已确认")
    expect(_row(other, "related-decided", "停车～照明")).to_contain_text("已否决")
    expect(_row(other, "related-suggested", "融资～贷款")).to_be_visible()

    # a unit liaison does not get the page, and cannot decide
    liaison = sign_in(cast.liaison_gx, screen)
    response = liaison.goto("/text/dictionary/")
    assert response.status == 403
    assert RelatedTerm.objects.get(word_a="融资").status == RelatedTermStatus.SUGGESTED
