"""The unit recommender trains itself when the assignment history changes (after a ledger import,
and daily from the periodic scan), never on a request; until then the panel says it is being prepared."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from banli.cases.services import assignment_create, session_create
from banli.site.periodic import periodic_task as remind_task
from banli.textintel.models import RecommenderModel

from .test_text_recommend import GX, SW
from .test_text_support import _fresh_text_caches, register  # noqa: F401


@pytest.fixture
def history(cast):
    o = cast.orgs
    past = session_create(
        code="SZ7-3", name="市七届人大三次会议", body=o.npc, year=2022, start_date=dt.date(2022, 2, 20)
    )
    for i, (t, c) in enumerate(GX):
        p = register(cast, past, t, c, number=f"2022{i + 1:04d}")
        assignment_create(actor=cast.staff_npc, proposal=p, units=[(o.gx, "lead")])
    for i, (t, c) in enumerate(SW):
        p = register(cast, past, t, c, number=f"2022{i + 11:04d}")
        assignment_create(actor=cast.staff_npc, proposal=p, units=[(o.sw, "sole")])
    return past


def test_panel_without_a_model_is_neutral_and_the_request_trains_nothing(cast, history, login):
    p = register(cast, cast.npc_session, "关于加快工业上楼的建议", "产业用房紧缺。")
    html = login(cast.staff_npc).get(f"/text/recommend/{p.pk}/").content.decode()
    assert "推荐模型正在准备中" in html
    assert "train-recommender" not in html and "<code>" not in html
    assert not RecommenderModel.objects.exists()


def test_the_periodic_scan_trains_the_first_model_then_once_a_day_when_history_changed(cast, history):
    first = remind_task()["recommender_model"]
    row = RecommenderModel.objects.get()
    assert first == row.pk and row.n_samples == 10
    assert remind_task()["recommender_model"] is None  # nothing changed
    p = register(cast, history, "关于稳外贸的建议", "外贸订单下滑。", number="20220031")
    assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.sw, "sole")])
    assert remind_task()["recommender_model"] is None  # already trained today: tonight's scan will
    RecommenderModel.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    assert remind_task()["recommender_model"] is not None
    assert RecommenderModel.objects.order_by("-id").first().n_samples == 11
    RecommenderModel.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    assert remind_task()["recommender_model"] is None  # a day later, but the history is the same


def test_a_ledger_import_retrains_once_it_commits(cast, history, django_capture_on_commit_callbacks):
    from banli.textintel.tasks import index_session_on_commit

    with django_capture_on_commit_callbacks(execute=True):
        index_session_on_commit(history)
    assert RecommenderModel.objects.get().n_samples == 10
