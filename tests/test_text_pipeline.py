"""The Chinese text pipeline: normalisation, user dictionary, genre words, highlighting."""

import zhconv

from banli.textintel.models import DictTerm
from banli.textintel.text import STOP_WORDS, doc_tokens, highlight, normalize, query_terms, segmenter, tokens

from .test_text_support import _fresh_text_caches  # noqa: F401


def test_traditional_text_is_normalised_to_simplified_for_matching():
    assert normalize("關於加強龍華區產業發展的建議") == "关于加强龙华区产业发展的建议"
    assert tokens(zhconv.convert("龙华区工业上楼", "zh-tw")) == tokens("龙华区工业上楼")


def test_pinyin_glosses_of_seed_004_are_dropped():
    assert normalize("市政協(xié)交辦龍華區(qū)") == "市政协交办龙华区"


def test_builtin_local_terms_stay_whole(db):
    assert "工业上楼" in tokens("推动工业上楼")
    assert "免申即享" in tokens("推广免申即享政策")


def test_staff_added_term_is_used_by_segmentation(db):
    assert "河套深港" not in tokens("支持河套深港科技创新合作区建设")
    DictTerm.objects.create(word="河套深港")
    segmenter.invalidate()
    assert "河套深港" in tokens("支持河套深港科技创新合作区建设")


def test_genre_words_are_not_query_terms_unless_alone(db):
    assert query_terms("关于加快推进工业上楼的建议") == ["工业上楼"]
    assert set(query_terms("关于建议")) <= STOP_WORDS | {"关于建议"}


def test_title_counts_twice_in_document_tokens(db):
    toks = doc_tokens("长者食堂", "社区").split()
    assert toks.count("长者") == 2 and toks.count("社区") == 1


def test_highlight_marks_traditional_text_as_written_and_escapes_html():
    html = highlight("<b>推動工業上樓</b>", ["工业"])
    assert "<mark>工業</mark>" in html and "&lt;b&gt;" in html
