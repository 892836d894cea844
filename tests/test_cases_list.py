"""The proposal list: scope, filters, sorting, pagination, empty state, fixed query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banli.cases.models import ProposalStatus, ReviewState
from banli.cases.selectors import proposals_visible_to, with_status
from banli.cases.services import proposal_register

from .factories import case_set


@pytest.fixture
def cases(cast):
    return case_set(cast)


def numbers(resp):
    assert resp.status_code == 200, resp.status_code
    return [p.number for p in resp.context["rows"]]


LIST = "/cases/"


# --- scope ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user, expected",
    [
        ("staff_npc", {"20230001", "20230002", "20230003", "20230004", "20230005"}),
        ("staff_cppcc", {"20240001"}),
        ("coordinator", {"20230001", "20230002", "20230004", "20240001"}),
        ("liaison_gx", {"20230001", "20240001"}),
        ("leader_sw", {"20230001", "20230004"}),
        ("liaison_lh", {"20230002"}),
        ("liaison_lh_fgj", {"20230002"}),
        ("liaison_court", {"20230005"}),
        ("handler_gx", set()),
        ("deputy_user", {"20230001"}),
        ("cosigner_user", {"20230001", "20230003"}),
        ("outsider", {"20230002", "20230004", "20230005"}),
        ("member_user", {"20240001"}),
    ],
)
def test_each_role_lists_exactly_its_own_cases(cast, cases, login, user, expected):
    u = getattr(cast, user)
    if u.roles == {"proposer"}:  # a proposer's list is the portal (the staff list is a staff page)
        resp = login(u).get(LIST)
        assert (resp.status_code, resp["Location"]) == (302, "/portal/")
        assert {p.number for p in proposals_visible_to(u)} == expected
        return
    assert set(numbers(login(u).get(LIST))) == expected


@pytest.mark.parametrize("user", ["sysadmin", "secadmin", "auditor"])
def test_admins_cannot_list_cases(cast, cases, login, user):
    resp = login(getattr(cast, user)).get(LIST)
    assert resp.status_code == 403
    assert "关于加快数字经济发展的建议" not in resp.content.decode()


def test_anonymous_is_sent_to_login(client, cases):
    resp = client.get(LIST)
    assert resp.status_code == 302 and "/login/" in resp["Location"]


# --- filters ---------------------------------------------------------------------------------------


def test_filters_by_session_review_state_unit_role_key_and_text(cast, cases, login):
    c = login(cast.coordinator)
    assert set(numbers(c.get(LIST, {"session": cast.cppcc_session.pk}))) == {"20240001"}
    staff = login(cast.staff_npc)
    assert numbers(staff.get(LIST, {"review": ReviewState.SUBMITTED})) == ["20230003"]
    assert set(numbers(staff.get(LIST, {"unit": cast.orgs.sw.pk}))) == {"20230001", "20230004"}
    assert numbers(staff.get(LIST, {"unit": cast.orgs.sw.pk, "role": "co"})) == ["20230001"]
    assert set(numbers(staff.get(LIST, {"role": "sole"}))) == {"20230002", "20230004", "20230005"}
    assert numbers(staff.get(LIST, {"key": "1"})) == ["20230003"]
    assert numbers(staff.get(LIST, {"q": "养老"})) == ["20230004"]
    assert numbers(staff.get(LIST, {"q": "0005"})) == ["20230005"]


def test_unit_filter_finds_sub_assignments_too(cast, cases, login):
    assert numbers(login(cast.staff_npc).get(LIST, {"unit": cast.orgs.lh_fgj.pk})) == ["20230002"]


@pytest.mark.parametrize("status", ProposalStatus.values)
def test_status_filter_matches_the_derived_status(cast, cases, login, status):
    expected = {p.number for p in with_status(proposals_visible_to(cast.staff_npc)) if p.status == status}
    assert set(numbers(login(cast.staff_npc).get(LIST, {"status": status}))) == expected


def test_status_filter_examples(cast, cases, login):
    staff = login(cast.staff_npc)
    assert numbers(staff.get(LIST, {"status": "closed"})) == ["20230004"]
    assert set(numbers(staff.get(LIST, {"status": "in_handling"}))) == {"20230001", "20230002", "20230005"}


def test_filters_stay_inside_scope(cast, cases, login):
    """Filtering by another unit never reveals cases outside the user's scope."""
    assert numbers(login(cast.liaison_gx).get(LIST, {"unit": cast.orgs.court.pk})) == []
    assert numbers(login(cast.liaison_gx).get(LIST, {"q": "律师"})) == []


def test_invalid_filter_values_are_ignored(cast, cases, login):
    resp = login(cast.staff_npc).get(LIST, {"status": "bogus", "session": "x", "unit": "999999", "sort": "password"})
    assert len(numbers(resp)) == 5


def test_filtered_empty_list_says_so_with_a_way_out(cast, cases, login):
    resp = login(cast.staff_npc).get(LIST, {"q": "不存在的标题"})
    body = resp.content.decode()
    assert "暂无符合条件的建议提案" in body and "清除筛选条件" in body


def test_empty_list_for_a_new_body(cast, login):
    body = login(cast.staff_npc).get(LIST).content.decode()
    assert "暂无符合条件的建议提案" in body and "共 0 件" in body


# --- sorting ---------------------------------------------------------------------------------------


def test_default_order_is_newest_session_then_number(cast, cases, login):
    assert numbers(login(cast.coordinator).get(LIST)) == ["20240001", "20230001", "20230002", "20230004"]


def test_sort_by_number_title_and_date_both_ways(cast, cases, login):
    staff = login(cast.staff_npc)
    asc = numbers(staff.get(LIST, {"sort": "number"}))
    assert asc == sorted(asc)
    assert numbers(staff.get(LIST, {"sort": "-number"})) == asc[::-1]
    assert numbers(staff.get(LIST, {"sort": "submitted"})) == [
        "20230003",
        "20230001",
        "20230002",
        "20230004",
        "20230005",
    ]
    assert numbers(staff.get(LIST, {"sort": "-submitted"})) == [
        "20230005",
        "20230004",
        "20230002",
        "20230001",
        "20230003",
    ]
    titles = [p.title for p in staff.get(LIST, {"sort": "title"}).context["rows"]]
    assert titles == sorted(titles)


def test_header_links_toggle_direction_and_keep_filters(cast, cases, login):
    resp = login(cast.staff_npc).get(LIST, {"sort": "number", "key": "0"})
    links = resp.context["sort_links"]
    assert "sort=-number" in links["number"]["url"] and "key=0" in links["number"]["url"]
    assert links["number"]["dir"] == "asc"
    assert "sort=title" in links["title"]["url"]


# --- pagination ------------------------------------------------------------------------------------


def test_pages_of_fifty_with_total_and_links(cast, login):
    for i in range(53):
        proposal_register(
            actor=cast.staff_npc, session=cast.npc_session, title=f"关于第{i}项工作的建议", lead=cast.deputy
        )
    staff = login(cast.staff_npc)
    first = staff.get(LIST, {"sort": "number", "key": "0"})
    assert len(numbers(first)) == 50
    body = first.content.decode()
    assert "共 53 件" in body and "?sort=number&amp;key=0&amp;page=2" in body
    second = staff.get(LIST, {"sort": "number", "key": "0", "page": 2})
    assert numbers(second) == ["20230051", "20230052", "20230053"]
    assert numbers(staff.get(LIST, {"page": "999"})) == numbers(staff.get(LIST, {"page": 2}))


def test_query_count_does_not_grow_with_rows(cast, login):
    """No N+1: a page of 3 and a page of 12 proposals with assignments cost the same queries."""
    from banli.cases.models import AssignmentRole as R
    from banli.cases.models import ReviewState as RS
    from banli.cases.services import assignment_create, proposal_review

    def add(n):
        for i in range(n):
            p = proposal_register(
                actor=cast.staff_npc,
                session=cast.npc_session,
                title=f"关于事项{i}的建议",
                lead=cast.deputy,
                cosigners=[cast.cosigner],
            )
            proposal_review(actor=cast.staff_npc, proposal=p, decision=RS.ACCEPTED)
            assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)])

    staff = login(cast.staff_npc)
    add(3)
    staff.get(LIST)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as small:
        numbers(staff.get(LIST))
    add(9)
    with CaptureQueriesContext(connection) as big:
        assert len(numbers(staff.get(LIST))) == 12
    assert len(big) == len(small), [q["sql"][:120] for q in big.captured_queries]


def test_unit_column_names_each_unit_with_its_role(cast, cases, login):
    body = login(cast.staff_npc).get(LIST).content.decode()
    assert '市工业和信息化局<span class="role">（主办）</span>' in body
    assert '市商务局<span class="role">（会办）</span>' in body
