"""The leader previews the reply letter, sees the 发文字号 签发 will give, signs, and finds that number
on the case page and in the letter; a wrong number is voided and reissued (issue #16)."""

from __future__ import annotations

import io

from docx import Document
from playwright.sync_api import expect

from banli.cases.models import AssignmentRole as R
from banli.handling.services import today

from ..factories import accepted, assigned, submitted


def test_leader_previews_signs_and_the_number_is_on_the_page_and_the_letter(sign_in, cast, screen):
    p = accepted(cast, title="关于完善产业园区配套的建议", number="20230101")
    a = assigned(cast, p, units=[(cast.orgs.gx, R.SOLE)])
    submitted(cast, a, text="一、关于园区道路。已列入年度计划，预计年内完工。")
    first, second = f"工业函〔{today().year}〕1号", f"工业函〔{today().year}〕2号"

    leader = sign_in(cast.leader_gx, screen)
    leader.goto(f"/cases/{p.pk}/")
    card = leader.locator(f"#a{a.pk}")
    expect(card.locator(".next-number")).to_have_text(f"签发后将编号为 {first}")
    preview = card.locator("a.letter-preview")
    resp = leader.request.get(preview.get_attribute("href"))
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf" and resp.body()[:5] == b"%PDF-"

    messages = []
    leader.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    card.get_by_role("button", name="签发", exact=True).click()
    expect(card.locator(".letter-no")).to_have_text(first)
    assert first in messages[0]
    docx = leader.request.get(card.locator(".letter-links a", has_text="Word").get_attribute("href"))
    text = "\n".join(x.text for x in Document(io.BytesIO(docx.body())).paragraphs)
    assert first in text

    # A wrong number: voided with its reason, the next one issued; the liaison sees the new one.
    card.get_by_role("button", name="作废并重新编号").first.click()
    card.get_by_label("作废原因（必填）").fill("编号重复")
    leader.once("dialog", lambda d: d.accept())
    card.locator("form[id^=renum] button").click()
    expect(card.locator(".letter-no")).to_have_text(second)

    liaison = sign_in(cast.liaison_gx, screen)
    liaison.goto(f"/cases/{p.pk}/")
    expect(liaison.locator(f"#a{a.pk} .letter-no")).to_have_text(second)
    expect(liaison.locator(f"#a{a.pk}")).not_to_contain_text("作废并重新编号")
