"""One explanation for the web panel and the command line (issue #18, item 4): shared terms, the
related terms that bridged the wording, the past cases behind a unit recommendation."""

import io
import json

from django.core.management import call_command

from banli.textintel import recommender, selectors, services
from banli.textintel.models import RelatedTerm

from .test_text_recommend import trained  # noqa: F401
from .test_text_related import eyes  # noqa: F401
from .test_text_support import _fresh_text_caches, register  # noqa: F401


def _cmd(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_a_bridging_related_term_is_explained_alike_on_the_web_and_the_cli(cast, eyes, client):  # noqa: F811
    a, b = eyes
    term = RelatedTerm.objects.create(word_a="近视", word_b="视力", score=0.8)
    services.related_term_decide(actor=cast.staff_npc, term=term, decision="confirm")

    web = next(it for it in selectors.similar_for_proposal(cast.staff_npc, a)["same"] if it.proposal.pk == b.pk)
    data = selectors.explain_similar(body_id=cast.orgs.npc.pk, proposal_id=a.pk)
    plain = next(d for d in data["similar"] if d["id"] == b.pk)
    assert web.bridges == [("近视", "视力")]
    assert plain["bridges"] == [{"query_term": "近视", "related_term": "视力"}]
    assert plain["shared_terms"] == web.terms and plain["score"] == round(web.score, 4)

    client.force_login(cast.staff_npc)
    html = client.get(f"/text/similar/{a.pk}/").content.decode()
    assert "相关词" in html and "近视～视力" in html

    cli = _cmd("similar", "--text", a.title + "\n" + a.content, "--json")
    assert {"query_term": "近视", "related_term": "视力"} in next(d for d in cli["similar"] if d["id"] == b.pk)[
        "bridges"
    ]


def test_the_cli_recommendation_is_the_panels_with_the_cases_behind_it(cast, trained):  # noqa: F811
    p = register(cast, cast.npc_session, "关于加快工业上楼缓解产业用房紧缺的建议", "制造企业产业用房紧缺。")
    web = selectors.recommendation_view(cast.staff_npc, p)
    plain = selectors.explain_recommendation(body_id=cast.orgs.npc.pk, proposal_id=p.pk)
    assert [u["unit_id"] for u in plain["units"]] == [u.unit.pk for u in web["leads"]]
    assert [u["unit_id"] for u in plain["co_units"]] == [u.unit.pk for u in web["cos"]]
    top = plain["units"][0]
    assert [c["id"] for c in top["cases"]] == [it.proposal.pk for it in web["leads"][0].evidence]
    assert all(c["shared_terms"] for c in top["cases"])
    cli = _cmd("recommend-units", "--text", "关于加快工业上楼缓解产业用房紧缺的建议\n制造企业产业用房紧缺。", "--json")
    assert cli["units"][0]["unit"] == "市工业和信息化局"
    assert [c["id"] for c in cli["units"][0]["cases"]] == [c["id"] for c in top["cases"]]


def test_no_co_units_are_suggested_where_the_history_has_no_pattern():
    import random

    rng = random.Random(3)
    words = ["学位", "停车", "养老", "医保", "就业", "治水"]
    samples = []
    for i in range(600):
        w = words[i % 6]
        # co units drawn at random: nothing in the text predicts them
        cos = tuple(u for u in ("甲局", "乙局", "丙局") if rng.random() < 0.3)
        samples.append(recommender.Sample(f"{w} {w} 问题 第{i % 7}", f"{w}局", cos, i // 300))
    model = recommender.train(samples)
    assert model.co_threshold > 1  # never shown
    # a real pattern is calibrated and shown
    samples = [recommender.Sample(s.tokens, s.lead, ("乙局",) if s.lead == "学位局" else (), s.group) for s in samples]
    model = recommender.train(samples)
    assert model.co_threshold <= 1
    ((_leads, cos),) = model.predict(["学位 学位 问题"])
    assert cos[0][0] == "乙局" and cos[0][1] >= model.co_threshold
