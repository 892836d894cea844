"""Due dates, traffic lights, the overdue dashboard, extensions, supervision, policies."""

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from banli.audit.models import AuditEvent
from banli.calendar import workdays as cal
from banli.calendar.models import Policy
from banli.cases.models import Assignment, KeyDates, ReviewState
from banli.cases.models import AssignmentRole as R
from banli.cases.services import assignment_create, proposal_register, proposal_review, proposal_set_key
from banli.deadlines import lights
from banli.deadlines.models import Extension, ExtensionState, Reminder, Supervision
from banli.deadlines.selectors import dashboard_assignments
from banli.deadlines.services import (
    extension_decide,
    extension_request,
    key_dates_set,
    policy_update,
    reminder_send,
    supervision_record,
)
from banli.errors import DomainError, NotFound
from banli.notify.models import Notification

from . import factories as f

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    cal.clear_cache()
    yield
    cal.clear_cache()


def make_case(cast, title="关于加快数字经济发展的建议", session=None, staff=None):
    staff = staff or cast.staff_npc
    session = session or cast.npc_session
    p = proposal_register(actor=staff, session=session, title=title, lead=cast.deputy, submitted_on=session.start_date)
    return proposal_review(actor=staff, proposal=p, decision=ReviewState.ACCEPTED)


def assign(cast, p, units, on, staff=None):
    return assignment_create(actor=staff or cast.staff_npc, proposal=p, units=units, assigned_on=on)


# --- due dates on assignment ---------------------------------------------------------------------


def test_assignment_gets_policy_due_dates_across_national_day(cast):
    p = make_case(cast)
    lead, co = assign(cast, p, [(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)], D(2024, 9, 27))
    assert lead.sign_due == D(2024, 10, 10)  # 5 working days over 国庆 and the 9-29 make-up Sunday
    assert lead.adjust_due == D(2024, 10, 10)
    assert lead.reply_due == D(2024, 12, 27)
    assert lead.opinion_due is None
    assert co.opinion_due == D(2024, 10, 28)  # 30 days → 10-27 is a Sunday → next working day
    assert not lead.due_provisional


def test_due_dates_reaching_an_unpublished_year_are_provisional(cast):
    p = make_case(cast)
    (a,) = assign(cast, p, [(cast.orgs.gx, R.SOLE)], D(2026, 11, 20))
    assert a.reply_due == D(2027, 2, 22)  # 2027-02-20 is a Saturday; 2027 counted as weekdays only
    assert a.due_provisional is True


def test_body_policy_drives_new_assignments_and_recomputes_open_ones(cast):
    p = make_case(cast)
    (a,) = assign(cast, p, [(cast.orgs.gx, R.SOLE)], D(2024, 3, 1))
    p2 = make_case(cast, title="关于另一事项的建议")
    (signed,) = assign(cast, p2, [(cast.orgs.sw, R.SOLE)], D(2024, 3, 1))
    signed = f.signed(cast, signed, day=D(2024, 3, 4))
    policy_update(actor=cast.staff_npc, body=cast.orgs.npc, sign_workdays=3, reply_months=2)
    a.refresh_from_db()
    signed.refresh_from_db()
    assert (a.sign_due, a.reply_due) == (D(2024, 3, 6), D(2024, 5, 6))  # 05-01..05-05 劳动节
    assert signed.sign_due == D(2024, 3, 8)  # already signed: its sign due date stays as it was
    assert signed.reply_due == D(2024, 5, 6)
    assert AuditEvent.objects.filter(verb="assignment.due_recompute", assignment_id=a.pk).exists()
    (new,) = assign(cast, make_case(cast, title="第三件"), [(cast.orgs.court, R.SOLE)], D(2024, 3, 1))
    assert new.sign_due == D(2024, 3, 6)


def test_policy_is_changed_only_by_its_own_body_staff_or_sysadmin(cast):
    for user in (cast.staff_cppcc, cast.coordinator, cast.liaison_gx, cast.deputy_user):
        with pytest.raises(DomainError):
            policy_update(actor=user, body=cast.orgs.npc, sign_workdays=1)
    assert not Policy.objects.exists()
    policy_update(actor=cast.sysadmin, body=cast.orgs.npc, sign_workdays=4)
    with pytest.raises(DomainError, match="不能短于"):
        policy_update(actor=cast.staff_npc, body=cast.orgs.npc, reply_months=4, reply_max_months=3)
    assert Policy.objects.get().sign_workdays == 4


def test_key_proposal_carries_its_own_dates(cast):
    p = make_case(cast)
    (a,) = assign(cast, p, [(cast.orgs.gx, R.SOLE)], D(2024, 3, 1))
    with pytest.raises(DomainError, match="请先设为重点"):
        key_dates_set(actor=cast.staff_npc, proposal=p, reply_due=D(2024, 4, 30))
    p = proposal_set_key(actor=cast.staff_npc, proposal=p, is_key=True, leader="张副市长")
    with pytest.raises(DomainError):
        key_dates_set(actor=cast.coordinator, proposal=p, reply_due=D(2024, 4, 30))
    key_dates_set(actor=cast.staff_npc, proposal=p, reply_due=D(2024, 4, 30))
    a.refresh_from_db()
    assert a.reply_due == D(2024, 4, 30)
    assert KeyDates.objects.get(proposal=p).reply_due == D(2024, 4, 30)


# --- lights --------------------------------------------------------------------------------------------


@pytest.fixture
def four_cases(cast):
    """Signed late, replied late, extended, and still open — all assigned on 2024-03-01."""
    o = cast.orgs
    on = D(2024, 3, 1)
    (signed_late,) = assign(cast, make_case(cast, "迟签收"), [(o.gx, R.SOLE)], on)
    signed_late = f.signed(cast, signed_late, day=D(2024, 3, 15))
    (replied_late,) = assign(cast, make_case(cast, "迟答复"), [(o.sw, R.SOLE)], on)
    f.signed(cast, replied_late, day=D(2024, 3, 4))
    replied_late = f.sent(cast, replied_late, day=D(2024, 6, 20)).assignment
    (extended,) = assign(cast, make_case(cast, "已延期"), [(o.court, R.SOLE)], on)
    extended = f.extended(cast, f.signed(cast, extended, day=D(2024, 3, 4)), D(2024, 8, 30), day=D(2024, 5, 20))
    (still_open,) = assign(cast, make_case(cast, "未签收"), [(o.lh, R.SOLE)], on)
    return signed_late, replied_late, extended, still_open


def test_lights_over_time_for_the_four_kinds_of_case(four_cases):
    signed_late, replied_late, extended, still_open = four_cases
    # 2024-03-05: the sign due date (03-08) is 3 working days away → yellow for the unsigned case.
    assert lights.light(still_open, D(2024, 3, 5)).color == "yellow"
    assert lights.light(still_open, D(2024, 3, 4)).color == "green"
    assert lights.light(still_open, D(2024, 3, 11)).color == "red"
    assert "签收已逾期" in lights.light(still_open, D(2024, 3, 11)).text
    # Signed late: no longer red for signing, but the history says so; reply due 06-03 far away.
    lt = lights.light(signed_late, D(2024, 3, 20))
    assert lt.color == "green" and lt.history == ["逾期签收5个工作日"]
    # Reply due 2024-06-03: red for the signed-late case on 06-04, not for the extended one.
    assert lights.light(signed_late, D(2024, 6, 4)).color == "red"
    lt = lights.light(extended, D(2024, 6, 4))
    assert lt.color == "green" and "已延期至2024-08-30（原2024-06-03）" in lt.history
    assert lights.light(extended, D(2024, 8, 27)).color == "yellow"
    assert lights.light(extended, D(2024, 9, 2)).color == "red"
    # Replied late: done, with the lateness kept.
    lt = lights.light(replied_late, D(2024, 7, 1))
    assert lt.color == "done" and lt.history and lt.history[0].startswith("逾期答复")


@pytest.mark.parametrize("today", [D(2024, 3, 5), D(2024, 3, 11), D(2024, 6, 4), D(2024, 8, 28), D(2024, 9, 2)])
def test_dashboard_sql_filter_agrees_with_the_light_function(cast, four_cases, today):
    qs = Assignment.objects.all()
    red = set(qs.filter(lights.red_q(today)).values_list("pk", flat=True))
    yellow = set(qs.filter(lights.yellow_q(today)).values_list("pk", flat=True))
    for a in qs:
        color = lights.light(a, today).color
        assert (a.pk in red) == (color == "red"), (a, today)
        assert (a.pk in yellow) == (color == "yellow"), (a, today)


def test_co_unit_light_follows_the_opinion_due_date(cast):
    p = make_case(cast)
    _lead, co = assign(cast, p, [(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)], D(2024, 3, 1))
    co = f.signed(cast, co, day=D(2024, 3, 4))
    assert co.opinion_due == D(2024, 4, 1)  # 03-31 is a Sunday
    assert lights.light(co, D(2024, 4, 2)).color == "red"
    co = f.opinion_sent(cast, co, day=D(2024, 3, 20))
    assert lights.light(co, D(2024, 4, 2)).color == "done"


def test_dashboard_scope_and_filters(cast, four_cases):
    signed_late, replied_late, _extended, still_open = four_cases
    today = D(2024, 6, 4)
    red = set(dashboard_assignments(cast.staff_npc, today=today, status="red"))
    assert red == {signed_late, still_open}
    late = set(dashboard_assignments(cast.staff_npc, today=today, status="late"))
    assert late == {signed_late, replied_late}
    # The coordinator sees the government units only (not the court); a unit sees itself only.
    assert set(dashboard_assignments(cast.coordinator, today=today, status="red")) == {signed_late, still_open}
    assert set(dashboard_assignments(cast.coordinator, today=today, status="open")) == {
        signed_late,
        replied_late,
        still_open,
    }
    assert set(dashboard_assignments(cast.liaison_gx, today=today, status="red")) == {signed_late}
    assert set(dashboard_assignments(cast.staff_cppcc, today=today, status="red")) == set()
    assert set(dashboard_assignments(cast.staff_npc, today=today, status="red", due_kind="sign")) == {still_open}


def test_dashboard_page_and_xlsx_export(cast, four_cases, login, monkeypatch):
    monkeypatch.setattr("banli.deadlines.views._today", lambda request: D(2024, 6, 4))
    c = login(cast.staff_npc)
    page = c.get("/deadlines/?status=red").content.decode()
    assert "迟签收" in page and "未签收" in page and "已延期" not in page
    assert "逾期件数较多的单位" in page and "龙华区人民政府" in page
    r = c.get("/deadlines/export.xlsx?status=red")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(r.content)).active
    titles = sorted(row[2] for row in ws.iter_rows(min_row=2, values_only=True))
    assert titles == ["未签收", "迟签收"]
    assert AuditEvent.objects.filter(verb="deadlines.export").exists()
    assert login(cast.deputy_user).get("/deadlines/").status_code == 403
    assert login(cast.sysadmin).get("/deadlines/export.xlsx").status_code == 403


def test_light_tag_links_to_the_deadlines_page(cast, four_cases, login):
    from django.template import Context, Template
    from django.test import RequestFactory

    still_open = four_cases[3]
    html = Template("{% load deadlines_tags %}{% light a '2024-03-11' %}").render(Context({"a": still_open}))
    assert "light-red" in html
    request = RequestFactory().get("/")

    def as_seen_by(user):
        request.user = user
        request.__dict__.pop("_banli_deadline_pages", None)
        return Template("{% load deadlines_tags %}{% light a today %}").render(
            Context({"a": still_open, "today": D(2024, 3, 11), "request": request})
        )

    html = as_seen_by(cast.liaison_lh)
    assert "light-red" in html and f"/deadlines/assignments/{still_open.pk}/" in html and "逾期" in html
    page = login(cast.liaison_lh).get(f"/deadlines/assignments/{still_open.pk}/")
    assert page.status_code == 200
    # another unit's liaison and the proposer see the light, but no link to a page they cannot open
    for user in (cast.liaison_gx, cast.deputy_user):
        html = as_seen_by(user)
        assert "light-red" in html and "/deadlines/assignments/" not in html
    assert login(cast.liaison_gx).get(f"/deadlines/assignments/{still_open.pk}/").status_code == 404


# --- extensions ------------------------------------------------------------------------------------------


@pytest.fixture
def sole(cast):
    (a,) = assign(cast, make_case(cast), [(cast.orgs.gx, R.SOLE)], D(2024, 3, 1))
    return f.signed(cast, a, day=D(2024, 3, 4))


def test_extension_requested_by_the_unit_and_approved_by_the_assigning_office(cast, sole):
    ext = extension_request(
        actor=cast.liaison_gx,
        assignment=sole,
        reason="涉及多部门协调",
        requested_due=D(2024, 7, 31),
        on=D(2024, 5, 20),
    )
    assert Notification.objects.filter(user=cast.staff_npc, verb="extension.request").exists()
    with pytest.raises(DomainError, match="已有一份延期申请"):
        extension_request(actor=cast.liaison_gx, assignment=sole, reason="再次", requested_due=D(2024, 8, 30))
    extension_decide(actor=cast.staff_npc, extension=ext, approve=True, granted_due=D(2024, 7, 15), on=D(2024, 5, 21))
    sole.refresh_from_db()
    ext.refresh_from_db()
    assert (sole.reply_due, sole.reply_due_original) == (D(2024, 7, 15), D(2024, 6, 3))
    assert (ext.state, ext.granted_due, ext.decided_by) == (ExtensionState.APPROVED, D(2024, 7, 15), cast.staff_npc)
    assert AuditEvent.objects.filter(verb="extension.decide", assignment_id=sole.pk).exists()
    assert Notification.objects.filter(user=cast.liaison_gx, verb="extension.decide").exists()
    # A second extension keeps the first original date; history has both.
    ext2 = extension_request(actor=cast.leader_gx, assignment=sole, reason="仍需调研", requested_due=D(2024, 8, 30))
    extension_decide(actor=cast.staff_npc, extension=ext2, approve=False, note="请按期答复")
    sole.refresh_from_db()
    assert (sole.reply_due, sole.reply_due_original) == (D(2024, 7, 15), D(2024, 6, 3))
    assert list(Extension.objects.filter(assignment=sole).values_list("state", flat=True).order_by("id")) == [
        "approved",
        "refused",
    ]


def test_extension_limits_and_refusals_write_nothing(cast, sole):
    with pytest.raises(DomainError, match="最晚为 2024-09-02"):  # 6 months → 09-01 Sunday → 09-02
        extension_request(actor=cast.liaison_gx, assignment=sole, reason="复杂", requested_due=D(2024, 9, 30))
    with pytest.raises(DomainError, match="请填写延期理由"):
        extension_request(actor=cast.liaison_gx, assignment=sole, reason=" ", requested_due=D(2024, 7, 1))
    for outsider in (cast.liaison_sw, cast.handler_gx, cast.coordinator, cast.deputy_user):
        with pytest.raises(NotFound):
            extension_request(actor=outsider, assignment=sole, reason="x", requested_due=D(2024, 7, 1))
    assert not Extension.objects.exists()
    ext = extension_request(actor=cast.liaison_gx, assignment=sole, reason="复杂", requested_due=D(2024, 7, 1))
    # Only the assigning office (the 人大 office here) decides; the coordinator and the unit may not.
    for user in (cast.coordinator, cast.liaison_gx, cast.staff_cppcc):
        with pytest.raises(NotFound):
            extension_decide(actor=user, extension=ext, approve=True)
    with pytest.raises(DomainError, match="写明理由"):
        extension_decide(actor=cast.staff_npc, extension=ext, approve=False)
    sole.refresh_from_db()
    assert sole.reply_due == D(2024, 6, 3) and Extension.objects.get().state == "pending"


def test_extension_forms_through_the_pages(cast, sole, login):
    c = login(cast.liaison_gx)
    r = c.post(
        f"/deadlines/assignments/{sole.pk}/extension/", {"reason": "需跨部门协调", "requested_due": "2024-07-01"}
    )
    assert r.status_code == 302
    ext = Extension.objects.get()
    assert login(cast.staff_npc).get("/deadlines/extensions/").content.decode().count("需跨部门协调") == 1
    r = login(cast.staff_npc).post(
        f"/deadlines/extensions/{ext.pk}/decide/", {"decision": "approve", "granted_due": "2024-06-28"}
    )
    sole.refresh_from_db()
    assert sole.reply_due == D(2024, 6, 28)
    assert (
        login(cast.liaison_sw)
        .post(f"/deadlines/extensions/{ext.pk}/decide/", {"decision": "refuse", "note": "x"})
        .status_code
        == 404
    )


# --- supervision and manual reminders -------------------------------------------------------------------------


def test_manual_reminder_reaches_liaison_and_leader(cast, sole):
    rows = reminder_send(actor=cast.coordinator, assignment=sole, message="请本周内报送办理方案")
    assert {r.recipient for r in rows} == {cast.liaison_gx, cast.leader_gx}
    texts = Notification.objects.filter(user=cast.leader_gx).values_list("text", flat=True)
    assert any("请本周内报送办理方案" in t for t in texts)
    assert AuditEvent.objects.filter(verb="assignment.remind", assignment_id=sole.pk).exists()


def test_only_supervising_offices_in_scope_may_remind_or_supervise(cast, sole):
    for user in (cast.liaison_gx, cast.leader_gx, cast.staff_cppcc, cast.deputy_user, cast.sysadmin):
        with pytest.raises(NotFound):
            reminder_send(actor=user, assignment=sole, message="催")
        with pytest.raises(NotFound):
            supervision_record(actor=user, assignment=sole, kind="regular", note="督")
    assert not Reminder.objects.exists() and not Supervision.objects.exists()
    with pytest.raises(DomainError, match="督办领导"):
        supervision_record(actor=cast.staff_npc, assignment=sole, kind="leader", note="请加快")
    assert not Supervision.objects.exists()


def test_supervision_records_the_three_kinds(cast, sole, login):
    supervision_record(actor=cast.staff_npc, assignment=sole, kind="regular", note="电话督办")
    supervision_record(actor=cast.coordinator, assignment=sole, kind="key", note="重点督办")
    s = supervision_record(actor=cast.staff_npc, assignment=sole, kind="leader", note="召开督办会", leader="李主任")
    assert s.org == cast.orgs.npc
    assert list(Supervision.objects.order_by("id").values_list("kind", flat=True)) == ["regular", "key", "leader"]
    page = login(cast.liaison_gx).get(f"/deadlines/assignments/{sole.pk}/").content.decode()
    assert "领导督办" in page and "李主任" in page and "召开督办会" in page
    r = login(cast.staff_npc).post(f"/deadlines/assignments/{sole.pk}/remind/", {"message": "请尽快签收"})
    assert r.status_code == 302 and Reminder.objects.filter(kind="manual").count() == 2


def test_key_proposal_page_for_the_leader(cast, sole, login):
    p = proposal_set_key(
        actor=cast.staff_npc, proposal=sole.proposal, is_key=True, leader="张副市长", plan="三月调研，五月座谈"
    )
    supervision_record(actor=cast.staff_npc, assignment=sole, kind="leader", note="实地督办", leader="张副市长")
    page = login(cast.leader_gx).get(f"/deadlines/key/{p.pk}/").content.decode()
    assert "张副市长" in page and "三月调研" in page and "实地督办" in page
    assert "张副市长" in login(cast.coordinator).get("/deadlines/key/").content.decode()
    assert login(cast.liaison_sw).get(f"/deadlines/key/{p.pk}/").status_code == 404


# --- calendar and policy pages -------------------------------------------------------------------------------------


def test_sysadmin_enters_next_years_schedule_and_due_dates_follow(cast, login):
    (a,) = assign(cast, make_case(cast), [(cast.orgs.gx, R.SOLE)], D(2026, 12, 24))
    assert a.sign_due == D(2026, 12, 31) and a.due_provisional
    text = "2027-01-01 休 元旦\n2027-01-02 休 元旦\n2027-01-03 休 元旦\n"
    assert (
        login(cast.staff_npc).post("/deadlines/calendar/2027/", {"days": text, "confirmed": "on"}).status_code == 404
    )
    r = login(cast.sysadmin).post("/deadlines/calendar/2027/", {"days": "2027-13-01 休 元旦", "confirmed": "on"})
    assert "日期“2027-13-01”无效" in r.content.decode()
    r = login(cast.sysadmin).post("/deadlines/calendar/2027/", {"days": text, "confirmed": "on"})
    assert r.status_code == 302
    assert cal.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)
    a.refresh_from_db()
    assert a.reply_due == D(2027, 3, 24) and not a.due_provisional
    assert AuditEvent.objects.filter(verb="calendar.set").exists()


def test_policy_page(cast, login):
    c = login(cast.staff_npc)
    page = c.get("/deadlines/policies/").content.decode()
    assert "市人大常委会选联任工委" in page and "市政协提案委员会" not in page
    values = {f: getattr(Policy(), f) for f in Policy.FIELDS}
    values.update(body=cast.orgs.npc.pk, sign_workdays=7)
    assert c.post("/deadlines/policies/", values).status_code == 302
    assert Policy.objects.get(body=cast.orgs.npc).sign_workdays == 7
    values["body"] = cast.orgs.cppcc.pk
    assert c.post("/deadlines/policies/", values).status_code == 404
    assert login(cast.liaison_gx).get("/deadlines/policies/").status_code == 403


# --- route permissions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    [
        "deadlines:dashboard",
        "deadlines:extensions",
        "deadlines:key_list",
        "deadlines:plans",
        "deadlines:policies",
        "deadlines:calendar",
        "notify:inbox",
    ],
)
def test_pages_follow_the_route_table(cast, login, url_name):
    """Every user declared for a page gets it; every other role is refused."""
    from django.urls import reverse

    from banli.security.matrix import permission_matrix

    allowed = permission_matrix()[url_name]["GET"]
    url = reverse(url_name)
    for name in (
        "staff_npc",
        "coordinator",
        "liaison_gx",
        "leader_gx",
        "handler_gx",
        "deputy_user",
        "sysadmin",
        "auditor",
    ):
        user = getattr(cast, name)
        ok = "authenticated" in allowed or bool(user.roles & allowed)
        status = login(user).get(url).status_code
        assert (status == 200) == ok, (name, url_name, status)


def test_plan_pages(cast, login):
    c = login(cast.staff_npc)
    r = c.post(
        "/deadlines/plans/",
        {"name": "2023年建议分阶段督办", "session": cast.npc_session.pk, "start": "2023-03-01", "checks": "2"},
    )
    assert r.status_code == 302
    from banli.deadlines.models import SupervisionPlan

    plan = SupervisionPlan.objects.get()
    assert plan.phases.count() == 3 and "签收与方案" in c.get(f"/deadlines/plans/{plan.pk}/").content.decode()
    assert login(cast.staff_cppcc).get(f"/deadlines/plans/{plan.pk}/").status_code == 404
    r = login(cast.staff_cppcc).post("/deadlines/plans/", {"name": "越权", "session": cast.npc_session.pk})
    assert SupervisionPlan.objects.count() == 1


def test_district_decides_extensions_of_its_sub_assignments(cast):
    o = cast.orgs
    p = make_case(cast, "区级分解")
    (parent,) = assign(cast, p, [(o.lh, R.SOLE)], D(2024, 3, 1))
    (sub,) = assignment_create(
        actor=cast.liaison_lh, proposal=p, units=[(o.lh_fgj, R.SOLE)], parent=parent, assigned_on=D(2024, 3, 4)
    )
    assert sub.reply_due <= parent.reply_due  # a sub-assignment never gets more time than its parent
    sub = f.signed(cast, sub, day=D(2024, 3, 5))
    ext = extension_request(
        actor=cast.liaison_lh_fgj, assignment=sub, reason="需征求街道意见", requested_due=D(2024, 6, 20)
    )
    assert Notification.objects.filter(user=cast.liaison_lh, verb="extension.request").exists()
    with pytest.raises(NotFound):
        extension_decide(actor=cast.staff_npc, extension=ext, approve=True)
    extension_decide(actor=cast.liaison_lh, extension=ext, approve=True)
    sub.refresh_from_db()
    assert sub.reply_due == D(2024, 6, 20)
