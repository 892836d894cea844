"""Dashboards: every number links to exactly the cases it counts, within the user's scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from banli.audit.models import AuditEvent
from banli.cases.models import Contact, Evaluation, Verdict
from banli.stats import figures as F
from banli.stats.models import AssessmentWeights
from banli.stats.selectors import stats_for

from .test_reports_summary import build_seed000, build_seed002

COUNT_KEYS = [
    "received",
    "by_channel.plenary",
    "by_channel.interim",
    "accepted",
    "not_accepted",
    "merged",
    "assigned",
    "assignments",
    "by_role.lead",
    "by_role.co",
    "by_role.separate",
    "by_role.sole",
    "replies_due",
    "replies_sent",
    "class_counts.A",
    "class_counts.B",
    "class_counts.C",
    "class_counts.D",
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "b_open",
    "b_converted",
    "overdue",
]


def _total(resp) -> int:
    assert resp.status_code == 200, resp.status_code
    return int(re.search(r'id="case-total">(\d+)<', resp.content.decode()).group(1))


def _with_evaluations(cast, session):
    from banli.cases.models import Assignment

    due = list(Assignment.objects.filter(proposal__session=session).exclude(role="co").order_by("id")[:30])
    verdicts = [Verdict.SATISFIED] * 20 + [Verdict.BASICALLY] * 7 + [Verdict.UNSATISFIED] * 3
    Evaluation.objects.bulk_create(
        [Evaluation(assignment=a, verdict=v, on=dt.date(2023, 7, 1)) for a, v in zip(due, verdicts)]
    )
    Contact.objects.bulk_create(
        [
            Contact(assignment=a, on=dt.date(2023, 3, 5), stage="before", method="visit", face_to_face=True)
            for a in due[:12]
        ]
    )


def test_every_count_links_to_exactly_its_cases_for_body_staff(cast, login):
    session = build_seed002(cast)
    _with_evaluations(cast, session)
    client = login(cast.staff_cppcc)
    stats = stats_for(sessions=[session], org=None)
    for key in COUNT_KEYS:
        resp = client.get("/stats/cases/", {"key": key, "session": session.pk})
        assert _total(resp) == F.value_of(stats, key), key


def test_rate_numerators_and_denominators_link_to_their_lists(cast, login):
    session = build_seed002(cast)
    _with_evaluations(cast, session)
    client = login(cast.coordinator)
    gov = cast.orgs.gov
    stats = stats_for(sessions=[session], org=gov)
    resp = client.get("/stats/cases/", {"key": "satisfied+basically_satisfied", "session": session.pk, "org": gov.pk})
    assert _total(resp) == stats["satisfied"] + stats["basically_satisfied"] == 27
    assert (
        _total(client.get("/stats/cases/", {"key": "evaluated", "session": session.pk, "org": gov.pk}))
        == stats["evaluated"]
        == 30
    )
    assert _total(client.get("/stats/cases/", {"key": "face_to_face", "session": session.pk, "org": gov.pk})) == round(
        stats["face_to_face_rate"] * stats["replies_sent"]
    )


def test_overview_shows_figures_as_links_and_the_ranking(cast, login):
    session = build_seed002(cast)
    client = login(cast.coordinator)
    resp = client.get("/stats/", {"session": session.pk, "org": cast.orgs.gov.pk})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "74.84%" in html  # A-class rate of the government system
    assert f"/stats/cases/?session={session.pk}&amp;org={cast.orgs.gov.pk}&amp;key=class_counts.A" in html
    for unit in ("市工业和信息化局", "市商务局", "龙华区人民政府"):
        assert unit in html
    assert "市中级人民法院" not in html  # outside the coordinator's subtree
    assert 'id="stats-chart-data"' in html and "<script>" not in html


def test_unit_ranking_equals_each_units_own_figures(cast, login):
    session = build_seed002(cast)
    from banli.stats.ranking import unit_rows

    rows = unit_rows(sessions=[session], org=cast.orgs.gov, weights=AssessmentWeights(owner=cast.orgs.gov))
    assert {r.unit.name for r in rows} == {"市工业和信息化局", "市商务局", "龙华区人民政府"}
    assert (
        sum(r.stats["replies_due"] for r in rows)
        == stats_for(sessions=[session], org=cast.orgs.gov)["replies_due"]
        == 616
    )
    assert sorted(r.rank for r in rows) == [1, 1, 1]  # all answered everything on time: a shared first place


def test_unit_liaison_sees_only_their_unit(cast, login):
    session = build_seed000(cast)
    client = login(cast.liaison_gx)
    resp = client.get("/stats/", {"session": session.pk})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "市工业和信息化局" in html and "收案与交办" not in html
    assert client.get("/stats/", {"session": session.pk, "org": cast.orgs.sw.pk}).status_code == 404
    assert client.get("/stats/cases/", {"key": "received", "session": session.pk}).status_code == 404
    assert _total(client.get("/stats/cases/", {"key": "by_role.co", "session": session.pk})) == 59


@pytest.mark.parametrize("who", ["handler_gx", "deputy_user", "outsider", "sysadmin", "auditor"])
def test_roles_without_statistics_get_nothing(cast, login, who):
    session = build_seed000(cast)
    client = login(getattr(cast, who))
    assert client.get("/stats/", {"session": session.pk}).status_code == 403
    assert client.get("/stats/cases/", {"key": "replies_due", "session": session.pk}).status_code == 403


def test_other_bodys_session_is_not_found_for_body_staff(cast, login):
    session = build_seed000(cast)  # an NPC session
    client = login(cast.staff_cppcc)
    assert client.get("/stats/", {"session": session.pk}).status_code == 404


def test_weights_are_saved_by_coordinator_and_refused_to_units(cast, login):
    session = build_seed002(cast)
    client = login(cast.coordinator)
    data = {
        "reply_rate": 50,
        "on_time_sign_rate": 0,
        "on_time_reply_rate": 50,
        "satisfaction_rate": 0,
        "contact_rate": 0,
        "face_to_face_rate": 0,
        "overdue_penalty": "2",
    }
    resp = client.post(f"/stats/assessment/?session={session.pk}", data)
    assert resp.status_code == 302
    w = AssessmentWeights.objects.get(owner=cast.orgs.gov)
    assert w.weights["reply_rate"] == 50
    assert AuditEvent.objects.filter(verb="assessment.weights").count() == 1
    page = client.get("/stats/assessment/", {"session": session.pk}).content.decode()
    assert "100.0" in page  # every unit answered everything on time
    bad = client.post(f"/stats/assessment/?session={session.pk}", {**data, "reply_rate": 500})
    assert "0到100之间" in bad.content.decode()
    unit = login(cast.liaison_gx)  # the same test client, now signed in as the liaison
    assert unit.post(f"/stats/assessment/?session={session.pk}", data).status_code == 403
    assert AuditEvent.objects.filter(verb="assessment.weights").count() == 1
    assert AssessmentWeights.objects.get(owner=cast.orgs.gov).weights["reply_rate"] == 50


def test_dashboard_tables_export_as_xlsx(cast, login):
    import io

    from openpyxl import load_workbook

    session = build_seed002(cast)
    client = login(cast.coordinator)
    resp = client.get("/stats/", {"session": session.pk, "org": cast.orgs.gov.pk, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["指标", "单位排名"]
    assert len(list(wb["单位排名"].values)) == 4
    resp = client.get(
        "/stats/cases/", {"session": session.pk, "org": cast.orgs.gov.pk, "key": "class_counts.D", "format": "xlsx"}
    )
    assert len(list(load_workbook(io.BytesIO(resp.content)).active.values)) == 5
    assert AuditEvent.objects.filter(verb="stats.export").count() == 2


def test_grouped_unit_figures_equal_stats_for_each_unit(cast):
    """The one-query ranking gives each unit exactly its own stats_for figures."""
    from banli.stats.ranking import grouped_stats

    session = build_seed002(cast)
    _with_evaluations(cast, session)
    grouped = grouped_stats(sessions=[session], org=None)
    assert set(grouped) == {cast.orgs.gx.pk, cast.orgs.sw.pk, cast.orgs.lh.pk, cast.orgs.court.pk}
    for unit_id, g in grouped.items():
        from banli.orgs.models import Org

        s = stats_for(sessions=[session], org=Org.objects.get(pk=unit_id))
        for key, value in g.items():
            if not key.startswith("_"):
                assert s[key] == value, (unit_id, key)


def test_trend_json_lists_the_bodys_sessions_in_scope(cast, login):
    session = build_seed002(cast)
    client = login(cast.staff_cppcc)
    data = client.get("/stats/trend.json", {"session": session.pk}).json()
    assert data["names"] == ["市政协七届四次会议"]
    assert data["replies_due"] == [628] and data["reply_rate"] == [100.0]  # 616 government + 12 court
    assert login(cast.deputy_user).get("/stats/trend.json", {"session": session.pk}).status_code == 403


def test_rate_parts_shown_equal_their_lists(cast):
    """The “n / d” under each rate (summed per unit) equals the length of the lists they link to."""
    from banli.stats.ranking import grouped_stats, raw_totals
    from banli.stats.views import EXTRA_KEYS

    session = build_seed002(cast)
    _with_evaluations(cast, session)
    for org in (None, cast.orgs.gov, cast.orgs.gx):
        totals = raw_totals(grouped_stats(sessions=[session], org=org), EXTRA_KEYS)
        for key in EXTRA_KEYS:
            assert totals[key] == F.cases_for(sessions=[session], org=org, key=key).count(), (org, key)
