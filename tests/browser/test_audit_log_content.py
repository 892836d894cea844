"""The auditor's log names who did what to which object and shows no case content (issue #19 item 7); the
case page keeps showing the content to the people working on the case."""

import datetime as dt

from playwright.sync_api import expect

from banli.handling import services as handling
from tests import factories as f

SECRET = "机密事项甲乙丙丁"
PHONE = "13912345678"


def test_auditor_sees_the_contact_event_without_its_text(sign_in, cast, screen):
    a = f.signed(cast)
    for i in (1, 2):  # recorded, then recorded again
        handling.contact_add(
            actor=cast.liaison_gx,
            assignment=a,
            on=dt.date.today(),
            stage="before",
            method="phone",
            summary=f"第{i}次：{SECRET}，电话{PHONE}",
        )
    page = sign_in(cast.auditor, screen)
    page.goto("/security/audit/?verb=contact.")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("办前沟通（电话）")
    body = page.inner_text("body")
    assert SECRET not in body and PHONE not in body and "第2次" not in body
    # The liaison still reads what was said, on the case page.
    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/cases/{a.proposal_id}/")
    expect(page.get_by_text(f"第2次：{SECRET}", exact=False).first).to_be_visible()
