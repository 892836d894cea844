"""What people see when a case closes with a co unit, and when a B reply is converted to A
(issue #12, defects 3 and 4), in Chromium at 1366 and 390 px."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from banli.cases.models import Assignment
from banli.cases.models import AssignmentRole as R
from banli.cases.models import AssignmentState as S
from banli.cases.services import assignment_create
from banli.handling.models import FollowUp

from ..factories import accepted, approved, evaluated, on, sent, signed


def _overdue_co_case(cast):
    """王代表's suggestion assigned 60 days ago: 市工信局 主办 (reply signed off), 市商务局 会办,
    signed but its opinion overdue."""
    day = timezone.localdate() - dt.timedelta(days=60)
    p = accepted(cast, day=day, title="关于园区配套的建议")
    with on(day):
        lead, co = assignment_create(
            actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)], assigned_on=day
        )
    signed(cast, co, day=day)
    r = approved(cast, lead)
    return p, lead, co, r


def test_the_lead_replies_without_the_co_opinion_and_every_role_sees_the_co_unit_end(sign_in, cast, screen):
    p, lead, co, _r = _overdue_co_case(cast)
    staff = sign_in(cast.staff_npc, screen)
    staff.goto(f"/cases/{p.pk}/")
    expect(staff.locator(f"#a{co.pk} .a-head")).to_contain_text("逾期")  # before: the opinion is overdue

    # The lead unit's liaison sends the reply, saying why without the co unit's opinion.
    liaison = sign_in(cast.liaison_gx, screen)
    liaison.goto(f"/cases/{p.pk}/")
    card = liaison.locator(f"#a{lead.pk}")
    card.get_by_role("button", name="正式答复").click()
    card.locator("textarea[name=missing_opinion_reason]").fill("市商务局逾期未提交，已电话催办")
    liaison.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="确认正式答复").click()
    expect(liaison.locator("body")).to_contain_text("市商务局：未提交（已先行答复，会办办结）", timeout=15_000)
    co.refresh_from_db()
    assert co.state == S.CLOSED

    # Body staff: the co unit's card says 已办结 and 未提交, and nothing is overdue any more.
    staff.goto(f"/cases/{p.pk}/")
    co_card = staff.locator(f"#a{co.pk}")
    expect(co_card.locator(".a-head")).to_contain_text("已办结")
    expect(co_card.locator(".a-head")).not_to_contain_text("逾期")
    expect(co_card).to_contain_text("会办意见：未提交")
    expect(staff.locator(".status")).to_contain_text("已答复")

    # The proposer evaluates; the whole proposal is 已办结, with no unit still open or overdue.
    evaluated(cast, lead.replies.get(state="sent"))
    staff.goto(f"/cases/{p.pk}/")
    expect(staff.locator(".status")).to_contain_text("已办结")
    expect(staff.locator("#h-assign ~ * .light-red")).to_have_count(0)
    expect(staff.locator(".a-head", has_text="逾期")).to_have_count(0)
    staff.goto("/deadlines/?status=red")
    expect(staff.locator("main")).not_to_contain_text(p.number)

    # The co unit's liaison sees its own assignment ended, its opinion recorded as not submitted.
    co_liaison = sign_in(cast.liaison_sw, screen)
    co_liaison.goto(f"/cases/{p.pk}/")
    mine = co_liaison.locator(f"#a{co.pk}")
    expect(mine.locator(".a-head")).to_contain_text("已办结")
    expect(mine).to_contain_text("会办意见：未提交")
    expect(mine).not_to_contain_text("提交会办意见")

    # The deputy sees the proposal closed and no unit overdue.
    deputy = sign_in(cast.deputy_user, screen)
    deputy.goto(f"/portal/p/{p.pk}/")
    expect(deputy.locator(f"#a{co.pk}")).to_contain_text("已办结")
    expect(deputy.locator(".light-red")).to_have_count(0)


def test_a_withdrawn_assignment_shows_withdrawn_and_no_light(sign_in, cast, screen):
    """The lead unit asks to be relieved and the office re-assigns the lead to 龙华区: the old lead
    card is 已撤回, with no light and no list of co opinions it no longer waits for."""
    from banli.handling import services as svc

    day = timezone.localdate() - dt.timedelta(days=3)
    p = accepted(cast, day=day, title="关于撤回交办的建议")
    with on(day):
        lead, _co = assignment_create(
            actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)], assigned_on=day
        )
    req = svc.adjustment_request(actor=cast.liaison_gx, assignment=lead, reason="不属于本单位职责")
    svc.adjustment_decide(actor=cast.staff_npc, request=req, approve=True, unit=cast.orgs.lh, note="改交龙华区")
    assert Assignment.objects.get(pk=lead.pk).state == S.WITHDRAWN
    page = sign_in(cast.staff_npc, screen)
    page.goto(f"/cases/{p.pk}/")
    card = page.locator(f"#a{lead.pk}")
    expect(card.locator(".a-head")).to_contain_text("已撤回")
    expect(card.locator(".light")).to_have_count(0)
    expect(card).not_to_contain_text("已完成")
    expect(card).not_to_contain_text("尚未提交")
    # the new lead unit's card waits for the co unit's opinion instead
    new_lead = Assignment.objects.get(proposal=p, unit=cast.orgs.lh)
    expect(page.locator(f"#a{new_lead.pk} .a-head .light")).to_have_count(1)


def test_converting_to_a_with_two_commitments_given_different_outcomes(sign_in, cast, screen):
    day = timezone.localdate() - dt.timedelta(days=20)
    r = sent(
        cast,
        day=day,
        title="关于建设产业园的建议",
        result_class="B",
        commitments=[("建设产业园一期", day + dt.timedelta(days=200)), ("出台扶持办法", day + dt.timedelta(days=100))],
    )
    evaluated(cast, r, day=day)
    a = r.assignment
    park, policy = r.commitments.order_by("seq")
    kept_on = day + dt.timedelta(days=10)

    page = sign_in(cast.liaison_gx, screen)
    page.goto(f"/cases/{a.proposal_id}/")
    card = page.locator(f"#a{a.pk}")
    card.locator("details.convert-a summary").click()
    card.locator(f"select[name=outcome_{park.pk}]").select_option("done")
    card.locator(f"input[name=text_{park.pk}]").fill("产业园一期已竣工投用")
    card.locator(f"input[name=on_{park.pk}]").fill(f"{kept_on:%Y-%m-%d}")
    card.locator(f"select[name=outcome_{policy.pk}]").select_option("explained")
    card.locator(f"input[name=text_{policy.pk}]").fill("改由省里统一出台")
    card.locator("input[name=note]").fill("园区建成，主要问题已解决")
    page.once("dialog", lambda d: d.accept())
    card.get_by_role("button", name="转为A类").click()
    expect(page.locator("body")).to_contain_text("已转为A类")

    # The case page: each commitment with its own outcome and note.
    card = page.locator(f"#a{a.pk}")
    expect(card).to_contain_text(f"{kept_on:%Y-%m-%d} 落实完成：产业园一期已竣工投用")
    expect(card).to_contain_text("不能落实说明：改由省里统一出台")
    expect(card).to_contain_text("不能落实（已说明）")

    # The B ledger lists the case once, converted, with both commitments' states.
    page.goto("/handling/b-ledger/")
    rows = page.locator("tbody tr", has_text=a.proposal.number)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("已转A类")
    expect(rows).to_contain_text("建设产业园一期")
    expect(rows).to_contain_text("已落实")
    expect(rows).to_contain_text("不能落实（已说明）")
    assert FollowUp.objects.get(assignment=a).state == "converted"
