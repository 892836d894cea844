"""Pages ask the database the same number of questions however much data there is (issue #15).

Each page is rendered over a small world, the world grows (more proposals, assignments, replies
in the viewer's scope and outside it), and the page is rendered again: the query count must not
change. A page that asks once per row, or once per unit, fails here long before it fails under load.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from banli.cases.models import AssignmentRole as R

from . import factories as f

D = dt.date


def _grow(cast, n: int) -> None:
    """n more proposals: assigned to 市工信局 (lead) with 市商务局 (co); every other one replied."""
    o = cast.orgs
    for i in range(n):
        p = f.accepted(cast, title=f"关于第{i}项工作的建议", day=D(2024, 3, 1))
        lead, _co = f.assigned_all(cast, p, units=[(o.gx, R.LEAD), (o.sw, R.CO)], day=D(2024, 3, 4))
        if i % 2:
            f.sent(cast, lead, day=D(2024, 3, 20))


def _count(client, url: str) -> int:
    client.get(url)  # caches warm (calendar years, the permission matrix)
    with CaptureQueriesContext(connection) as q:
        r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return len(q.captured_queries)


@pytest.mark.parametrize(
    "who, url",
    [
        ("staff_npc", "/cases/"),
        ("staff_npc", "/cases/?status=in_handling"),
        ("staff_npc", "/cases/?sort=title"),
        ("liaison_gx", "/cases/"),
        ("liaison_gx", "/cases/?status=in_handling"),
        ("leader_gx", "/cases/"),
        ("coordinator", "/cases/"),
    ],
)
def test_the_case_list_asks_as_often_for_three_cases_as_for_twelve(cast, client, login, who, url):
    _grow(cast, 3)
    login(getattr(cast, who))
    small = _count(client, url)
    _grow(cast, 9)
    assert _count(client, url) == small


@pytest.mark.parametrize("who", ["staff_npc", "liaison_gx", "liaison_sw", "leader_gx"])
def test_a_case_page_asks_as_often_in_a_small_archive_as_in_a_larger_one(cast, client, login, who):
    _grow(cast, 1)
    p = f.accepted(cast, title="关于本页的建议", day=D(2024, 3, 1))
    lead, _co = f.assigned_all(cast, p, units=[(cast.orgs.gx, R.LEAD), (cast.orgs.sw, R.CO)], day=D(2024, 3, 4))
    f.sent(cast, lead, day=D(2024, 3, 20))
    login(getattr(cast, who))
    small = _count(client, f"/cases/{p.pk}/")
    _grow(cast, 8)
    assert _count(client, f"/cases/{p.pk}/") == small
