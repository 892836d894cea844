"""Related terms learned from the archive, reviewed by staff, and bridging wording once confirmed."""

import pytest

from banli.audit.models import AuditEvent
from banli.errors import DomainError
from banli.textintel import related, selectors, services
from banli.textintel.index import index_session
from banli.textintel.models import RelatedTerm, RelatedTermStatus
from banli.textintel.text import doc_tokens

from .test_text_support import _fresh_text_caches, register  # noqa: F401

OTHER = [
    ("关于缓解老旧小区停车难的建议", "老旧小区停车位不足，夜间车辆乱停，建议建设立体停车库，错峰共享停车位。"),
    ("关于优化地铁接驳公交的建议", "地铁站点接驳公交线路少，建议增设微循环公交，方便居民出行。"),
    ("关于规范共享单车停放的建议", "共享单车乱停放占用人行道，建议划定停放区域，加强企业管理。"),
    ("关于治理工地夜间施工噪声的建议", "工地夜间施工噪声扰民，建议严格夜间施工审批，加强执法检查。"),
]


EYE_WORDS = ["学生", "户外活动", "眼睛", "电子屏幕", "体检", "课业负担", "照明", "家长"]
ROAD_WORDS = ["停车位", "公交线路", "地铁站", "单车", "人行道", "红绿灯", "出租车", "高峰"]


def _corpus():
    """Texts about eyesight that say 近视 or 视力 (never both) amid the same varied context words,
    and texts about roads; 24 of each."""
    texts, units = [], []
    for i in range(24):
        word = "近视" if i % 2 else "视力"
        ctx = "，".join(EYE_WORDS[(i // 2 + k) % 8] for k in (0, 3, 5))
        texts.append(doc_tokens(f"关于{word}问题的建议", f"{ctx}，{word}。"))
        units.append("教育局")
        road = "，".join(ROAD_WORDS[(i + k) % 8] for k in (0, 2, 5))
        texts.append(doc_tokens("关于交通出行的建议", f"{road}。"))
        units.append("交通局")
    return texts, units


def test_words_used_alike_are_learned_without_ever_meeting(db):
    texts, units = _corpus()
    learned = related.learn(texts, units)
    top = next(x for x in learned if "近视" in (x.a, x.b))
    assert {top.a, top.b} == {"近视", "视力"} and top.together == 0
    # words on different subjects are not related
    assert not any({x.a, x.b} & {"近视", "视力"} and {x.a, x.b} & set(ROAD_WORDS) for x in learned)


def test_a_fixed_phrase_is_not_a_related_pair(db):
    texts = [doc_tokens("关于开展专项整治的建议", f"对第{i}片区开展专项整治。") for i in range(30)]
    texts += [doc_tokens("关于公园建设的建议", "增加公园绿地。") for _ in range(10)]
    assert not any({x.a, x.b} == {"专项", "整治"} for x in related.learn(texts))


@pytest.fixture
def eyes(cast):
    """Two proposals of the current session about eyesight, one saying 近视 and one 视力."""
    a = register(cast, cast.npc_session, "关于加强学生近视防控的建议", "近视低龄化趋势明显。")
    b = register(cast, cast.npc_session, "关于保护学生视力健康的建议", "视力不良检出率高。")
    for t, c in OTHER:
        register(cast, cast.npc_session, t, c)
    index_session()
    return a, b


def _score(user, a, b) -> float:
    same = selectors.similar_for_proposal(user, a)["same"]
    return next((it.score for it in same if it.proposal.pk == b.pk), 0.0)


def test_only_a_confirmed_pair_bridges_wording(cast, eyes):
    a, b = eyes
    before = _score(cast.staff_npc, a, b)
    term = RelatedTerm.objects.create(word_a="近视", word_b="视力", score=0.8)
    assert _score(cast.staff_npc, a, b) == pytest.approx(before, abs=1e-6)  # a suggestion changes nothing
    services.related_term_decide(actor=cast.staff_npc, term=term, decision="confirm")
    from banli.textintel import similarity

    similarity.cache.clear()
    after = _score(cast.staff_npc, a, b)
    assert after > before + 0.05
    services.related_term_decide(actor=cast.staff_npc, term=term, decision="reject")
    similarity.cache.clear()
    assert _score(cast.staff_npc, a, b) == pytest.approx(before, abs=1e-6)


def test_confirming_is_audited_and_a_unit_liaison_cannot_decide(cast):
    term = RelatedTerm.objects.create(word_a="融资", word_b="贷款", score=0.7)
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError):
        services.related_term_decide(actor=cast.liaison_gx, term=term, decision="confirm")
    term.refresh_from_db()
    assert term.status == RelatedTermStatus.SUGGESTED and AuditEvent.objects.count() == before
    services.related_term_decide(actor=cast.staff_npc, term=term, decision="confirm")
    term.refresh_from_db()
    assert term.status == RelatedTermStatus.CONFIRMED and term.decided_by == cast.staff_npc
    assert AuditEvent.objects.filter(verb="related.confirm").exists()


def test_relearning_keeps_staff_decisions_and_drops_unsupported_suggestions(cast):
    for i in range(24):
        word = "近视" if i % 2 else "视力"
        ctx = "，".join(EYE_WORDS[(i // 2 + k) % 8] for k in (0, 3, 5))
        register(cast, cast.npc_session, f"关于{word}问题的建议", f"{ctx}，{word}。")
        road = "，".join(ROAD_WORDS[(i + k) % 8] for k in (0, 2, 5))
        register(cast, cast.npc_session, "关于交通出行的建议", f"{road}。")
    index_session()
    RelatedTerm.objects.create(word_a="甲乙", word_b="丙丁", score=0.9)  # nothing supports it
    kept = RelatedTerm.objects.create(word_a="学位", word_b="入学", score=0.9)
    services.related_term_decide(actor=cast.staff_npc, term=kept, decision="reject")
    out = services.related_terms_learn()
    assert out["learned"] > 0 and out["removed"] == 1
    assert not RelatedTerm.objects.filter(word_a="甲乙").exists()
    kept.refresh_from_db()
    assert kept.status == RelatedTermStatus.REJECTED
    pairs = {frozenset((r.word_a, r.word_b)) for r in RelatedTerm.objects.all()}
    assert frozenset(("近视", "视力")) in pairs
    assert RelatedTerm.objects.get(word_a__in=["近视", "视力"], word_b__in=["近视", "视力"]).status == "suggested"


def test_dictionary_page_lists_pairs_and_outsiders_get_404(cast, client):
    term = RelatedTerm.objects.create(word_a="充电桩", word_b="充电设施", score=0.66)
    client.force_login(cast.staff_npc)
    html = client.get("/text/dictionary/").content.decode()
    assert "充电桩" in html and "待确认 1 对" in html
    r = client.post(f"/text/dictionary/related/{term.pk}/confirm/")
    assert r.status_code == 302
    term.refresh_from_db()
    assert term.status == RelatedTermStatus.CONFIRMED
    client.force_login(cast.liaison_gx)
    assert client.post(f"/text/dictionary/related/{term.pk}/reject/").status_code == 404
    assert client.get("/text/dictionary/").status_code == 403  # a page outside the role, as before
    client.force_login(cast.staff_npc)
    assert client.post(f"/text/dictionary/related/{term.pk}/maybe/").status_code == 404
    term.refresh_from_db()
    assert term.status == RelatedTermStatus.CONFIRMED
