"""Search finds every word of the text, wherever segmentation put its boundaries (issue #18, item 5).

Runs on SQLite (FTS5) and PostgreSQL (tsvector): run it with DATABASE_URL set for the second."""

import pytest

from banli.textintel import selectors
from banli.textintel.models import DictTerm, SearchDoc
from banli.textintel.text import search_grams, segmenter, tokens

from .test_text_support import _fresh_text_caches, register  # noqa: F401

# Texts where search-mode segmentation cuts through 产业金融处 (…处张 三, …处处 长)
CONTEXTS = [
    "请联系人：产业金融处张三，电话已公开。",
    "此事由产业金融处处长牵头研究。",
    "經產業金融處研究，擬分三年推進。",
]


def _found(user, q):
    return {d.object_id for d in selectors.search(user, q).docs}


@pytest.fixture
def docs(cast):
    out = [
        register(cast, cast.npc_session, f"关于完善中小企业融资服务的建议（{i}）", c) for i, c in enumerate(CONTEXTS)
    ]
    out.append(register(cast, cast.npc_session, "关于加强科技金融服务的建议", "科技金融处负责，产业园区配套。"))
    from banli.textintel.index import index_session

    index_session()
    return out


def test_segmentation_alone_would_miss_the_word(db):
    # the reason for character bigrams: the word's own pieces are not all among the text's tokens
    assert "处" not in tokens(CONTEXTS[0]) and "处" not in tokens(CONTEXTS[1])
    assert "产业 业金 金融 融处" in search_grams(CONTEXTS[0])


def test_a_department_name_is_found_in_every_text_that_has_it(cast, docs):
    assert _found(cast.staff_npc, "产业金融处") == {p.pk for p in docs[:3]}
    assert _found(cast.staff_npc, "產業金融處") == {p.pk for p in docs[:3]}


def test_with_the_name_in_the_user_dictionary_it_is_still_found(cast, docs):
    DictTerm.objects.create(word="产业金融处")
    segmenter.invalidate()
    assert _found(cast.staff_npc, "产业金融处") == {p.pk for p in docs[:3]}


def test_separate_words_of_a_query_still_match_apart(cast, docs):
    # 科技金融处 and 产业园区 are in one text: a query of two words finds it
    assert docs[3].pk in _found(cast.staff_npc, "金融处 产业园区")


def test_every_word_of_a_text_finds_it(cast, docs):
    for word in ["牵头", "处长", "研究", "此事"]:
        assert docs[1].pk in _found(cast.staff_npc, word), word


def test_a_single_character_and_latin_words_are_found(cast):
    p = register(cast, cast.npc_session, "关于建设5G基站的建议", "推进5G网络和AI应用，处处便民。")
    from banli.textintel.index import index_session

    index_session()
    assert p.pk in _found(cast.staff_npc, "5g基站")
    assert p.pk in _found(cast.staff_npc, "AI")
    assert p.pk in _found(cast.staff_npc, "民")  # the last character of a run


def test_the_index_holds_grams_of_title_and_content(cast, docs):
    g = SearchDoc.objects.get(kind="proposal", object_id=docs[0].pk).grams
    assert "融资" in g.split() and "张三" in g.split()
