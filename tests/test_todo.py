"""我的待办 (issue #13): per role, counts from one query each that equal their lists."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banli.cases.models import AssignmentRole as R
from banli.deadlines import services as deadlines
from banli.handling import services as handling
from banli.site.todo import todo_counts, todos_for
from tests import factories as f

pytestmark = pytest.mark.django_db

COUNT = re.compile(r'data-todo="(?P<key>[a-z_]+)">\s*<span class="todo-count">(?P<n>\d+)</span>')


def _world(cast):
    """One case in each state a role has to act on, all in 市工业和信息化局 (市商务局 gets nothing)."""
    w = {}
    w["review"] = f.registered(cast, title="待审查的建议")
    w["assign"] = f.accepted(cast, title="待交办的建议")
    w["sign"] = f.assigned(cast, title="待签收的建议")
    w["adjust"] = f.assigned(cast, title="申请调整的建议")
    handling.adjustment_request(actor=cast.liaison_gx, assignment=w["adjust"], reason="职责不符")
    w["signed"] = f.signed(cast, title="已签收未分办的建议")
    w["planned"] = f.planned(cast, title="已分办的建议")
    deadlines.extension_request(
        actor=cast.liaison_gx,
        assignment=w["planned"],
        reason="涉及多部门协调",
        requested_due=w["planned"].reply_due + dt.timedelta(days=30),
    )
    w["in_review"] = f.submitted(cast, title="待签发的建议").assignment
    w["sent_reply"] = f.sent(cast, title="已答复的建议")
    w["sent"] = w["sent_reply"].assignment
    co = f.assigned_all(cast, title="会办的建议", units=[(cast.orgs.sw, R.LEAD), (cast.orgs.gx, R.CO)])
    w["co"] = f.signed(cast, next(a for a in co if a.role == R.CO))
    return w


def _home_counts(client) -> dict[str, int]:
    html = client.get("/").content.decode()
    return {m["key"]: int(m["n"]) for m in COUNT.finditer(html)}


def _list_rows(client, key) -> int:
    resp = client.get(f"/todo/{key}/", follow=True)
    assert resp.status_code == 200
    return resp.content.decode().count("data-row=")


EXPECTED = {
    "staff_npc": {"review": 1, "assign": 1, "adjust": 1, "extension": 1},
    "liaison_gx": {"sign": 1, "plan": 1, "reply": 2, "opinion": 1, "evaluation": 1},
    "leader_gx": {"approve": 1},
    "handler_gx": {"tasks": 2},
    "liaison_sw": {"sign": 1, "plan": 0, "reply": 0, "opinion": 0, "evaluation": 0},
    "coordinator": {"adjust": 0, "extension": 0},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_sees_its_counts_and_each_count_equals_its_list(cast, login, who):
    _world(cast)
    user = getattr(cast, who)
    client = login(user)
    counts = _home_counts(client)
    assert set(counts) == {t.key for t in todos_for(user)}
    for key, n in EXPECTED[who].items():
        assert counts[key] == n, (key, counts)
    for key, n in counts.items():
        assert _list_rows(client, key) == n, key


def test_counts_take_one_query_per_item(cast):
    _world(cast)
    for user in (cast.staff_npc, cast.coordinator, cast.liaison_gx, cast.leader_gx, cast.handler_gx):
        items = todos_for(user)
        user.roles  # noqa: B018 - roles are read once per request
        with CaptureQueriesContext(connection) as ctx:
            todo_counts(user)
        # The user's org and unit are looked up once per request; then one COUNT per item.
        counts = [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
        assert len(counts) == len(items), user


def test_proposer_sees_to_evaluate_and_replies_on_the_portal_and_in_the_list(cast, login):
    w = _world(cast)
    client = login(cast.deputy_user)
    html = client.get("/portal/").content.decode()
    assert 'data-todo="to_evaluate">待评价 <span class="badge bg-light text-dark">1</span>' in html
    assert _list_rows(client, "to_evaluate") == 1
    assert f"/portal/a/{w['sent'].pk}/evaluate/" in client.get("/portal/todo/to_evaluate/").content.decode()
    assert client.get("/todo/to_evaluate/")["Location"] == "/portal/todo/to_evaluate/"  # the portal's own page
    f.evaluated(cast, w["sent_reply"])
    assert _list_rows(client, "to_evaluate") == 0
    assert _list_rows(client, "replies") == 1
    # nobody else's proposals: the outsider has nothing
    assert _list_rows(login(cast.outsider), "replies") == 0


def test_an_item_not_of_the_users_roles_is_404(cast, login):
    assert login(cast.liaison_gx).get("/todo/review/").status_code == 404
    assert login(cast.deputy_user).get("/todo/sign/").status_code == 404
    assert login(cast.staff_npc).get("/todo/nothing/").status_code == 404


def test_overdue_and_due_soon_for_the_office(cast, login):
    old = f.assigned(cast, title="逾期未签收的建议", day=dt.date(2023, 3, 1))
    client = login(cast.staff_npc)
    counts = _home_counts(client)
    assert counts["overdue"] == 1 and _list_rows(client, "overdue") == 1
    assert str(old.proposal.number) in client.get("/todo/overdue/").content.decode()
    coordinator = login(cast.coordinator)
    assert _home_counts(coordinator)["supervise"] == 1
    deadlines.supervision_record(actor=cast.coordinator, assignment=old, kind="regular", note="请尽快签收")
    assert _home_counts(coordinator)["supervise"] == 0
