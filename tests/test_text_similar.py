"""Similar proposals, merge suggestions and topic clusters on realistic proposals."""

from banli.audit.models import AuditEvent
from banli.cases.models import ReviewState
from banli.textintel import selectors, similarity
from banli.textintel.services import proposal_merge_duplicate

from .test_text_support import _fresh_text_caches, build_world  # noqa: F401


def _ids(items):
    return [it.proposal.pk for it in items]


def test_near_duplicates_phrased_differently_are_found_and_unrelated_are_not(cast):
    w = build_world(cast)
    data = selectors.similar_for_proposal(cast.staff_npc, w.a)
    same = _ids(data["same"])
    assert w.trad.pk in same and w.b.pk in same
    assert w.elderly.pk not in same and w.school.pk not in same and w.bus.pk not in same
    assert w.a.pk not in same


def test_traditional_twin_scores_as_a_near_duplicate_with_explaining_terms(cast):
    w = build_world(cast)
    data = selectors.similar_for_proposal(cast.staff_npc, w.a)
    trad = next(it for it in data["same"] if it.proposal.pk == w.trad.pk)
    assert trad.score >= similarity.DUPLICATE_SCORE
    assert "工业上楼" in trad.terms and "龙华区" in trad.terms


def test_same_topic_in_a_past_session_is_listed_with_how_it_was_handled(cast):
    w = build_world(cast)
    data = selectors.similar_for_proposal(cast.staff_npc, w.a)
    past = data["past"]
    assert _ids(past)[0] == w.past_upstairs.pk
    assert w.past_elderly.pk not in _ids(past)
    units = {h["unit"]: h["role"] for h in past[0].handled}
    assert units == {"市工业和信息化局": "主办", "龙华区人民政府": "会办"}


def test_similar_while_typing_finds_duplicates_of_the_current_and_past_sessions(cast):
    w = build_world(cast)
    data = selectors.similar_for_text(
        cast.staff_npc, body=cast.orgs.npc, session=w.cur, title="关于推进工业上楼的建议", content=""
    )
    assert w.a.pk in _ids(data["same"]) and w.past_upstairs.pk in _ids(data["past"])
    assert w.elderly.pk not in _ids(data["same"])


def test_past_case_outside_the_users_scope_is_neither_shown_nor_counted(cast):
    w = build_world(cast)
    # 商务局's liaison sees the current proposal once it is assigned to them, not the 工信 past case
    # (issue #19: it used to be listed, without a link; now it is not there at all).
    from banli.cases.services import assignment_create

    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.sw, "sole")])
    data = selectors.similar_for_proposal(cast.liaison_sw, w.a)
    assert w.past_upstairs.pk not in _ids(data["past"])
    assert all(it.visible for group in data.values() for it in group)


def test_proposers_get_no_similar_proposals(cast):
    w = build_world(cast)
    assert selectors.similar_for_proposal(cast.deputy_user, w.a) == {"same": [], "past": []}


def test_merge_suggestions_pair_the_duplicates_only(cast):
    w = build_world(cast)
    pairs = selectors.merge_suggestions(w.cur)
    pair_ids = {frozenset((p.main.pk, p.other.pk)) for p in pairs}
    assert frozenset((w.a.pk, w.trad.pk)) in pair_ids
    assert frozenset((w.a.pk, w.b.pk)) in pair_ids
    involved = {pk for pair in pair_ids for pk in pair}
    assert not involved & {w.elderly.pk, w.school.pk, w.bus.pk}
    top = pairs[0]
    assert top.main.number < top.other.number and top.score >= similarity.DUPLICATE_SCORE


def test_merged_and_assigned_proposals_leave_merge_suggestions(cast):
    w = build_world(cast)
    proposal_merge_duplicate(actor=cast.staff_npc, proposal=w.trad, into=w.a, score=0.9)
    pair_ids = {frozenset((p.main.pk, p.other.pk)) for p in selectors.merge_suggestions(w.cur)}
    assert frozenset((w.a.pk, w.trad.pk)) not in pair_ids


def test_merge_duplicate_goes_through_review_with_audit(cast):
    w = build_world(cast)
    proposal_merge_duplicate(actor=cast.staff_npc, proposal=w.b, into=w.a, score=0.61)
    w.b.refresh_from_db()
    assert w.b.review_state == ReviewState.MERGED and w.b.merged_into_id == w.a.pk
    e = AuditEvent.objects.filter(verb="proposal.review", proposal_id=w.b.pk).latest("seq")
    assert "20230001" in e.summary and "61%" in w.b.review_reason


def test_unit_liaison_cannot_merge_and_nothing_is_written(cast):
    import pytest

    from banli.errors import DomainError

    w = build_world(cast)
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError):
        proposal_merge_duplicate(actor=cast.liaison_gx, proposal=w.b, into=w.a)
    w.b.refresh_from_db()
    assert w.b.review_state == ReviewState.SUBMITTED and AuditEvent.objects.count() == before


def test_clusters_group_a_topic_and_name_it_by_its_terms(cast):
    w = build_world(cast)
    from banli.cases.services import proposal_register

    # a session big enough to cluster: the world plus more proposals on two topics
    for _i, t in enumerate(
        ["关于扩大社区长者食堂覆盖面的建议", "关于社区长者食堂运营补贴的建议", "关于发展老年助餐服务长者食堂的建议"]
    ):
        proposal_register(
            actor=cast.staff_npc, session=w.cur, title=t, content="老年人助餐难，社区长者食堂不足。", lead=cast.deputy
        )
    from banli.textintel.index import index_session

    index_session(w.cur)
    clusters = selectors.session_clusters(cast.staff_npc, w.cur)
    named = [c for c in clusters if c.label]
    elderly = next(c for c in named if any("长者" in t or "食堂" in t for t in c.terms))
    titles = [p.title for p in elderly.proposals]
    assert any("长者食堂" in t for t in titles) and not any("工业上楼" in t for t in titles)
    upstairs = next(c for c in named if w.a in c.proposals)
    assert w.b in upstairs.proposals and w.elderly not in upstairs.proposals


def test_unit_sees_only_its_share_in_clusters(cast):
    w = build_world(cast)
    from banli.cases.services import assignment_create

    assignment_create(actor=cast.staff_npc, proposal=w.a, units=[(cast.orgs.gx, "sole")])
    clusters = selectors.session_clusters(cast.liaison_gx, w.cur)
    shown = {p.pk for c in clusters for p in c.proposals}
    assert shown == {w.a.pk}


def test_seed_004_style_traditional_text_with_pinyin_glosses_matches_its_simplified_twin(cast):
    from banli.textintel.index import index_session

    from .test_text_support import register

    s = cast.cppcc_session
    trad = register(
        cast,
        s,
        "關於推動龍華區產業用房(fáng)建設的提案",
        "市政協(xié)委員建議加快龍華區產業用房(fáng)供給，推進工業上樓，降低企業租金。",
    )
    simp = register(
        cast, s, "关于加快龙华区产业用房供给的提案", "建议推进工业上楼，增加龙华区产业用房，降低企业租金成本。"
    )
    other = register(cast, s, "关于加强社区养老服务的提案", "建议建设社区长者食堂，发展居家养老。")
    index_session(s)
    data = selectors.similar_for_proposal(cast.staff_cppcc, trad)
    assert _ids(data["same"]) == [simp.pk]
    assert data["same"][0].score >= similarity.DUPLICATE_SCORE and "产业用房" in data["same"][0].terms
    assert other.pk not in _ids(data["same"])
