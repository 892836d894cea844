"""banli evaluate-text: the development set, the measures and the plain baseline in the same run."""

import io
import json

from django.core.management import call_command

from banli.textintel import evaluation


def test_the_development_set_is_large_both_scripts_and_not_the_demo_templates():
    triples = evaluation.load_devset()
    texts, units, pairs = evaluation._pairs(triples)
    assert len(pairs) >= 100 and sum(p.duplicate for p in pairs) >= 50
    import zhconv

    traditional = [t for t in texts if zhconv.convert(t, "zh-cn") != t]
    assert len(traditional) >= 15
    assert all(u for u in units)


def test_evaluate_text_prints_current_and_baseline_measures(db):
    out = io.StringIO()
    call_command("evaluate-text", "--per-session", "300", "--json", stdout=out)
    data = json.loads(out.getvalue())
    for side in ("current", "baseline"):
        d = data[side]
        assert 0 <= d["routing"]["top1"] <= d["routing"]["top3"] <= 1
        assert 0 <= d["duplicates"]["first"] <= d["duplicates"]["top3"] <= 1
        assert d["merge"]["pairs"] == 180 and d["merge"]["duplicates"] == 60
    assert data["current"]["features"] != data["baseline"]["features"]
    text = io.StringIO()
    call_command("evaluate-text", "--per-session", "300", stdout=text)
    assert "普通TF-IDF基线" in text.getvalue() and "并案建议精确率" in text.getvalue()
