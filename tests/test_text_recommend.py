"""Unit recommendation: trained from past assignments, stored, explained, followed-or-not recorded."""

import datetime as dt

import pytest

from banli.audit.models import AuditEvent
from banli.cases.services import assignment_create, session_create
from banli.errors import DomainError
from banli.textintel import recommender, selectors, services
from banli.textintel.models import Recommendation, RecommenderModel

from .test_text_support import _fresh_text_caches, register  # noqa: F401

GX = [
    ("关于加快推进工业上楼项目建设的建议", "产业空间不足，制造企业租金成本高，建议建设工业上楼厂房。"),
    ("关于扩大产业用房供给降低企业成本的建议", "中小制造企业产业用房紧缺，建议加大产业用房供给。"),
    ("关于支持专精特新企业发展的建议", "专精特新中小企业融资难，建议设立专项扶持资金。"),
    ("关于推动制造业数字化转型的建议", "制造业企业数字化转型成本高，建议给予技改补贴。"),
    ("关于优化工业园区配套的建议", "工业园区配套不完善，产业用房老旧，建议推进园区改造。"),
]
SW = [
    ("关于支持跨境电商发展的建议", "跨境电商企业物流成本高，建议建设海外仓。"),
    ("关于打造夜间经济消费街区的建议", "夜间消费活力不足，建议打造特色夜间消费街区。"),
    ("关于发放消费券提振消费的建议", "居民消费意愿不强，建议发放消费券。"),
    ("关于提升商圈品质的建议", "商圈同质化严重，建议引进首店品牌。"),
    ("关于稳外贸订单的建议", "外贸企业订单下滑，建议加大出口信保支持。"),
]
COURT = [
    ("关于破解执行难的建议", "部分生效判决执行难，建议加强失信联合惩戒。"),
    ("关于完善诉讼服务中心的建议", "当事人诉讼不便，建议推行网上立案和跨域立案。"),
    ("关于加强劳动争议案件审判的建议", "劳动争议案件审理周期长，建议设立专门审判庭。"),
]


@pytest.fixture
def trained(cast):
    o = cast.orgs
    past = session_create(
        code="SZ7-3", name="市七届人大三次会议", body=o.npc, year=2022, start_date=dt.date(2022, 2, 20)
    )
    for i, (t, c) in enumerate(GX):
        p = register(cast, past, t, c, number=f"2022{i + 1:04d}")
        assignment_create(actor=cast.staff_npc, proposal=p, units=[(o.gx, "lead"), (o.lh, "co")])
    for i, (t, c) in enumerate(SW):
        p = register(cast, past, t, c, number=f"2022{i + 11:04d}")
        assignment_create(actor=cast.staff_npc, proposal=p, units=[(o.sw, "sole")])
    for i, (t, c) in enumerate(COURT):
        p = register(cast, past, t, c, number=f"2022{i + 21:04d}")
        assignment_create(actor=cast.staff_npc, proposal=p, units=[(o.court, "sole")])
    from banli.textintel.index import index_session

    index_session()
    row = services.recommender_train(actor=cast.staff_npc)
    return row


def test_training_stores_the_model_and_audits_it(cast, trained):
    assert RecommenderModel.objects.count() == 1
    assert trained.n_samples == 13 and trained.n_units == 3 and len(bytes(trained.blob)) > 0
    assert AuditEvent.objects.filter(verb="recommender.train").exists()


def test_recommends_the_unit_that_handled_similar_past_proposals_with_co_units(cast, trained):
    p = register(cast, cast.npc_session, "关于加快工业上楼缓解产业用房紧缺的建议", "制造企业产业用房紧缺。")
    rec = selectors.recommendation_view(cast.staff_npc, p)
    assert rec["leads"][0].unit == cast.orgs.gx
    assert rec["leads"][0].score > rec["leads"][1].score
    assert cast.orgs.lh in [u.unit for u in rec["cos"]]
    evidence = [it.proposal.title for it in rec["leads"][0].evidence]
    # the two past cases closest in wording: 工业上楼 and 产业用房 (which one first is a matter of weights)
    assert any("工业上楼" in t for t in evidence[:2]) and any("产业用房" in t for t in evidence[:2])
    p2 = register(cast, cast.npc_session, "关于推行网上立案解决诉讼不便的建议", "")
    assert selectors.recommendation_view(cast.staff_npc, p2)["leads"][0].unit == cast.orgs.court


def test_serving_a_recommendation_never_retrains(cast, trained, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("retrained while serving")

    monkeypatch.setattr(recommender, "train", boom)
    p = register(cast, cast.npc_session, "关于发放消费券的建议", "")
    assert selectors.recommendation_view(cast.staff_npc, p)["leads"][0].unit == cast.orgs.sw
    assert RecommenderModel.objects.count() == 1


def test_coordinator_is_only_offered_units_under_the_government(cast, trained):
    p = register(cast, cast.npc_session, "关于破解执行难的建议", "")
    # not yet in the government system's scope: the coordinator may not assign it, so no recommendation
    assert selectors.recommendation_view(cast.coordinator, p) is None
    assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.sw, "separate")])
    rec = selectors.recommendation_view(cast.coordinator, p)
    # the court is outside the government system, so it is never offered to the coordinator
    assert rec["leads"] and cast.orgs.court not in [u.unit for u in rec["leads"]]
    assert selectors.recommendation_view(cast.staff_npc, p)["leads"][0].unit == cast.orgs.court


def test_followed_is_recorded_when_the_proposal_is_assigned(cast, trained, login, django_capture_on_commit_callbacks):
    p = register(cast, cast.npc_session, "关于推动工业上楼的建议", "产业用房不足。")
    c = login(cast.staff_npc)
    r = c.get(f"/text/recommend/{p.pk}/")
    assert r.status_code == 200 and "市工业和信息化局" in r.content.decode()
    c.get(f"/text/recommend/{p.pk}/")  # a second view does not log twice
    assert Recommendation.objects.filter(proposal=p).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create(actor=cast.staff_npc, proposal=p, units=[(cast.orgs.gx, "lead")])
    rec = Recommendation.objects.get(proposal=p)
    assert rec.followed is True and rec.in_top3 is True and rec.chosen_lead == cast.orgs.gx

    q = register(cast, cast.npc_session, "关于支持跨境电商的建议", "")
    c.get(f"/text/recommend/{q.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        assignment_create(actor=cast.staff_npc, proposal=q, units=[(cast.orgs.court, "sole")])
    rec = Recommendation.objects.get(proposal=q)
    assert rec.followed is False and rec.chosen_lead == cast.orgs.court

    page = c.get("/text/recommender/").content.decode()
    assert "50.00%" in page and "1 / 2" in page


def test_accuracy_rates_are_a_dash_before_any_decision(cast, login):
    body = login(cast.staff_npc).get("/text/recommender/").content.decode()
    assert "尚未训练" in body and "—" in body


def test_unit_roles_cannot_see_or_train_the_recommender(cast, trained, login):
    p = register(cast, cast.npc_session, "关于推动工业上楼的建议", "")
    for user in (cast.liaison_gx, cast.deputy_user, cast.leader_gx):
        c = login(user)
        assert c.get(f"/text/recommend/{p.pk}/").status_code == 404
        assert c.get("/text/recommender/").status_code == 403
        assert c.post("/text/recommender/").status_code == 403
    assert Recommendation.objects.count() == 0 and RecommenderModel.objects.count() == 1
    with pytest.raises(DomainError):
        services.recommender_train(actor=cast.liaison_gx)
    assert RecommenderModel.objects.count() == 1


def test_training_with_too_few_assignments_is_refused(cast):
    with pytest.raises(DomainError, match="太少"):
        services.recommender_train(actor=cast.staff_npc)
    assert RecommenderModel.objects.count() == 0 and not AuditEvent.objects.filter(verb="recommender.train").exists()


def test_evaluation_split_by_session_reports_top1_and_top3():
    from banli.textintel import synth
    from banli.textintel.text import doc_tokens

    data = synth.generate(sessions=3, per_session=200, seed=1)
    samples = [recommender.Sample(doc_tokens(p.title, p.content), p.lead, tuple(p.cos), p.session) for p in data]
    last = max(s.group for s in samples)
    res = recommender.evaluate([s for s in samples if s.group != last], [s for s in samples if s.group == last])
    assert res["test"] == 200 and res["top3"] >= res["top1"] > 0.6


def test_staff_retrain_from_the_accuracy_page(cast, trained, login):
    r = login(cast.staff_npc).post("/text/recommender/", follow=True)
    assert "已重新训练交办推荐模型（13 件" in r.content.decode()
    assert RecommenderModel.objects.count() == 2


def test_session_reindex_after_a_bulk_import_runs_on_commit(cast, django_capture_on_commit_callbacks):
    from banli.cases.models import Proposal
    from banli.textintel.models import SearchDoc
    from banli.textintel.tasks import index_session_on_commit

    Proposal.objects.bulk_create(
        [
            Proposal(
                session=cast.npc_session,
                number=f"2023{i:04d}",
                title=f"关于低空经济第{i}项的建议",
                kind="suggestion",
                lead=cast.deputy,
            )
            for i in range(1, 4)
        ]
    )
    assert not SearchDoc.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        index_session_on_commit(cast.npc_session)
    assert SearchDoc.objects.filter(kind="proposal").count() == 3
