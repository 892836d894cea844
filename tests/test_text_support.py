"""Shared realistic data for the text intelligence tests (no tests here)."""

from __future__ import annotations

import datetime as dt

import pytest
import zhconv

from banli.cases.models import Proposal
from banli.cases.services import assignment_create, proposal_register, proposal_review, session_create
from banli.textintel import recommender, similarity
from banli.textintel.index import index_session
from banli.textintel.text import segmenter

# Near-duplicates phrased differently, a traditional-character twin, unrelated proposals.
UPSTAIRS_A = (
    "关于加快推进龙华区工业上楼项目建设的建议",
    "龙华区产业空间不足，企业租金成本高。建议加快工业上楼项目建设，扩大优质产业用房供给，降低中小制造企业用房成本。",
)
UPSTAIRS_B = (
    "关于推动工业上楼缓解制造业企业产业用房紧缺的建议",
    "当前我市制造业企业普遍面临产业用房紧缺、租金上涨问题。建议加快推进工业上楼，建设高品质产业用房，优先保障中小制造企业。",
)
UPSTAIRS_TRAD = (
    zhconv.convert("关于加快龙华区工业上楼项目建设的建议", "zh-tw"),
    zhconv.convert("龙华区产业空间不足，制造企业租金成本高，建议加快推进工业上楼项目，增加产业用房供给。", "zh-tw"),
)
ELDERLY = (
    "关于增加社区长者食堂的建议",
    "我市老年人口快速增长，部分社区缺少长者食堂，老年人助餐难。建议每个街道建设社区长者食堂，给予运营补贴。",
)
SCHOOL_TRAFFIC = (
    "关于加强校园周边交通安全管理的建议",
    "上下学高峰期校园周边交通拥堵，存在安全隐患。建议增设护学岗，优化信号灯配时，规范接送车辆停放。",
)
BUS = (
    "关于优化公交线网解决地铁接驳最后一公里问题的建议",
    "地铁站点接驳公交不便，居民出行难。建议增设微循环公交，优化公交线网。",
)
# The same topic sent to an earlier session, handled by 市工业和信息化局.
PAST_UPSTAIRS = (
    "关于加快工业上楼建设优化产业空间的建议",
    "建议统筹规划工业上楼项目，解决制造企业产业空间不足、租金成本高的问题。",
)
PAST_ELDERLY = ("关于完善社区长者食堂助餐服务的建议", "社区长者食堂覆盖不足，建议扩大老年人助餐服务。")


@pytest.fixture(autouse=True)
def _fresh_text_caches():
    """Process caches are keyed by body id, which a rolled-back test may reuse."""
    similarity.cache.clear()
    recommender.loaded.clear()
    segmenter.invalidate()
    yield
    similarity.cache.clear()
    recommender.loaded.clear()


def register(cast, session, title, content, *, accept=True, number=None) -> Proposal:
    p = proposal_register(
        actor=cast.staff_npc if session.body == cast.orgs.npc else cast.staff_cppcc,
        session=session,
        title=title,
        content=content,
        lead=cast.deputy if session.body == cast.orgs.npc else cast.member,
        number=number,
    )
    if accept:
        p = proposal_review(
            actor=cast.staff_npc if session.body == cast.orgs.npc else cast.staff_cppcc,
            proposal=p,
            decision="accepted",
        )
    return p


class World:
    pass


def build_world(cast) -> World:
    """Two NPC sessions: a past one with handled proposals, the current one with duplicates."""
    w = World()
    o = cast.orgs
    w.past = session_create(
        code="SZ7-3", name="市七届人大三次会议", body=o.npc, year=2022, start_date=dt.date(2022, 2, 20)
    )
    w.cur = cast.npc_session
    w.past_upstairs = register(cast, w.past, *PAST_UPSTAIRS, number="20220011")
    w.past_elderly = register(cast, w.past, *PAST_ELDERLY, number="20220012")
    assignment_create(actor=cast.staff_npc, proposal=w.past_upstairs, units=[(o.gx, "lead"), (o.lh, "co")])
    assignment_create(actor=cast.staff_npc, proposal=w.past_elderly, units=[(o.sw, "sole")])
    w.a = register(cast, w.cur, *UPSTAIRS_A, number="20230001")
    w.b = register(cast, w.cur, *UPSTAIRS_B, number="20230002", accept=False)
    w.trad = register(cast, w.cur, *UPSTAIRS_TRAD, number="20230003", accept=False)
    w.elderly = register(cast, w.cur, *ELDERLY, number="20230004")
    w.school = register(cast, w.cur, *SCHOOL_TRAFFIC, number="20230005")
    w.bus = register(cast, w.cur, *BUS, number="20230006")
    index_session()
    return w
