"""The case page's history renders whatever JSON an audit event holds (issue #12, defect 1).

The history is append-only: one event the page cannot render would take the case page down for good.
"""

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banli.audit.services import audit_record

from .factories import case_set

# Text a field can hold: Django's form fields refuse NUL, and PostgreSQL's jsonb cannot store it.
TEXT = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))

KEYS = st.sampled_from(
    ["state", "role", "review_state", "assist_depts", "commitments", "text", "content", "is_key", "due", "x"]
) | st.text(TEXT, max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(TEXT, max_size=20)
    | st.text(TEXT, min_size=200, max_size=2000)
    | st.sampled_from(["handling", "lead", "accepted", "2026-01-31", "<script>alert(1)</script>"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)
# Top-level old/new: mostly objects keyed like real snapshots (so a change row is rendered), or anything.
SNAPSHOT = st.dictionaries(KEYS, JSON, max_size=5) | JSON


@pytest.fixture
def world(cast):
    return cast, case_set(cast).main


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(old=SNAPSHOT, new=SNAPSHOT, same_keys=st.booleans())
def test_case_page_history_answers_200_for_any_json(world, client, old, new, same_keys):
    cast, p = world
    if same_keys and isinstance(old, dict) and isinstance(new, dict):
        new = {k: new.get(k, ["changed", {"to": v}]) for k, v in old.items()}  # every key compared
    # Each example's event is rolled back after it: the page renders this event (and the case's own
    # history), not every earlier example's too — which made each example slower than the last.
    with transaction.atomic():
        audit_record(actor=cast.staff_npc, verb="plan.save", obj=p, proposal_id=p.pk, old=old, new=new)
        url = reverse("cases:detail", args=[p.pk])
        client.force_login(cast.staff_npc)
        resp = client.get(url)
        assert resp.status_code == 200, (old, new)
        assert "办理历史" in resp.content.decode()
        client.force_login(cast.deputy_user)  # the proposer follows the case on the portal
        assert client.get(url, follow=True).status_code == 200, (old, new)
        transaction.set_rollback(True)


def test_a_changed_list_reads_as_a_list(world, client):
    cast, p = world
    audit_record(
        actor=cast.staff_npc,
        verb="plan.save",
        obj=p,
        proposal_id=p.pk,
        summary="修改办理方案",
        old={"assist_depts": ["中小企业处"], "commitments": [["修路", "2026-06-30"]]},
        new={"assist_depts": ["办公室", "外贸处"], "commitments": [["修路", "2026-06-30"], ["建食堂", None]]},
    )
    client.force_login(cast.staff_npc)
    html = client.get(reverse("cases:detail", args=[p.pk])).content.decode()
    assert '协办处室：<span class="old">中小企业处</span> → <span class="new">办公室、外贸处</span>' in html
    # Free text (commitments) never enters the audit log: the history says how much changed, not what.
    assert '承诺事项：<span class="old">〔已略去，1项〕</span> → <span class="new">〔已略去，2项〕</span>' in html
