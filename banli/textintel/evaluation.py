"""Offline evaluation of routing and duplicate detection on the development set (no database).

The development set (banli/textintel/devset/triples.jsonl) was written by hand for this purpose,
not generated: each line is a proposal title `a`, a paraphrase `b` of it (the same request in
other words, some in traditional script, phrased as deputies and members write) and a distractor
`c` on a neighbouring subject that must not be merged with either, with the lead units. The
history the models learn from is a synthetic two-session archive (`synth.generate`), so the set
measures wording the history never used.

Measures, for the current features and the plain TF-IDF baseline in the same run:
  * routing: lead unit top-1 / top-3 of every dev title whose unit the history knows;
  * duplicates: for each paraphrase pair, is the partner ranked 1st / within the top 3 among all
    dev titles and one background session;
  * merge decisions: precision / recall of “score ≥ threshold” on the labelled pairs
    (a–b duplicates; a–c and b–c distractors), and the threshold the precision target gives.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import recommender, similarity, synth
from .recommender import calibrated_threshold
from .text import doc_tokens

DEVSET = Path(__file__).resolve().parent / "devset" / "triples.jsonl"


@dataclass
class Pair:
    a: int  # index into texts
    b: int
    duplicate: bool


def load_devset(path: Path = DEVSET) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _pairs(triples: list[dict]) -> tuple[list[str], list[str], list[Pair]]:
    """Texts, their lead units and the labelled pairs of the development set."""
    texts, units, pairs = [], [], []
    for t in triples:
        k = len(texts)
        texts += [t["a"], t["b"], t["c"]]
        units += [t["unit"], t["unit"], t.get("c_unit", "")]
        pairs += [Pair(k, k + 1, True), Pair(k, k + 2, False), Pair(k + 1, k + 2, False)]
    return texts, units, pairs


def history(*, sessions: int = 2, per_session: int = 3000, seed: int = 5):
    return synth.generate(sessions=sessions, per_session=per_session, seed=seed)


def evaluate(*, plain: bool = False, hist=None, related: dict | None = None, threshold: float | None = None) -> dict:
    """Routing and duplicate measures of one feature set (`plain`: the former TF-IDF baseline)."""
    hist = hist if hist is not None else history()
    triples = load_devset()
    texts, units, pairs = _pairs(triples)
    dev_tokens = [doc_tokens(t) for t in texts]
    hist_tokens = [doc_tokens(p.title, p.content) for p in hist]
    out: dict = {"features": "plain TF-IDF (words)" if plain else "words + character 1–2-grams + related terms"}

    # routing: train on the history, predict the dev titles whose lead unit the history knows
    t0 = time.perf_counter()
    model = recommender.train(
        [recommender.Sample(tk, p.lead, tuple(p.cos), p.session) for tk, p in zip(hist_tokens, hist)], plain=plain
    )
    out["train_seconds"] = round(time.perf_counter() - t0, 2)
    known = {p.lead for p in hist}
    idx = [i for i, u in enumerate(units) if u in known]
    preds = model.predict([dev_tokens[i] for i in idx], top=3)
    top1 = sum(preds[k][0][0][0] == units[i] for k, i in enumerate(idx))
    top3 = sum(units[i] in [u for u, _ in preds[k][0][:3]] for k, i in enumerate(idx))
    out["routing"] = {"n": len(idx), "top1": round(top1 / len(idx), 3), "top3": round(top3 / len(idx), 3)}

    # duplicates: one index over the last history session and every dev title
    last = max(p.session for p in hist)
    background = [tk for tk, p in zip(hist_tokens, hist) if p.session == last]
    vectors = similarity.Vectors.fit(hist_tokens + dev_tokens, plain=plain, related=None if plain else related)
    X = vectors.transform(dev_tokens + background)
    if not plain:
        X = similarity.prune_rows(X)  # as the app's index holds them
    n_dev = len(texts)
    out["duplicates"] = _ranking(X[:n_dev], pairs)
    out["duplicates_with_background"] = _ranking(X, pairs)

    # merge decisions on the labelled pairs
    Xd = X[:n_dev]
    scored = [(float(Xd[p.a].multiply(Xd[p.b]).sum()), p.duplicate) for p in pairs]
    tuned = calibrated_threshold(scored, similarity.MERGE_PRECISION_TARGET, min_support=5)
    used = threshold if threshold is not None else similarity.DUPLICATE_SCORE
    out["merge"] = _merge_measures(scored, used)
    out["merge"]["tuned_threshold"] = round(tuned, 3) if tuned <= 1 else None
    out["merge_operating_points"] = []
    for target in (0.8, 0.9, 0.95, 1.0):
        t = calibrated_threshold(scored, target, min_support=5)
        if t <= 1:
            m = _merge_measures(scored, t)
            out["merge_operating_points"].append(
                {
                    "precision_target": target,
                    "threshold": m["threshold"],
                    "precision": m["precision"],
                    "recall": m["recall"],
                }
            )
    out["scores"] = {
        "duplicates_median": round(float(np.median([s for s, d in scored if d])), 3),
        "distractors_median": round(float(np.median([s for s, d in scored if not d])), 3),
        "distractors_max": round(float(max(s for s, d in scored if not d)), 3),
    }
    return out


def _ranking(X, pairs: list[Pair]) -> dict:
    """Where each paraphrase's partner ranks among all other rows of X (both directions)."""
    ranks = []
    for pr in pairs:
        if not pr.duplicate:
            continue
        for q, target in ((pr.a, pr.b), (pr.b, pr.a)):
            scores = (X @ X[q].T).toarray().ravel()
            scores[q] = -1.0
            ranks.append(int((scores > scores[target]).sum()) + 1)
    ranks = np.array(ranks)
    return {
        "pool": X.shape[0],
        "queries": len(ranks),
        "first": round(float((ranks == 1).mean()), 3),
        "top3": round(float((ranks <= 3).mean()), 3),
    }


def _merge_measures(scored: list[tuple[float, bool]], threshold: float) -> dict:
    proposed = [d for s, d in scored if s >= threshold]
    positives = sum(d for _, d in scored)
    tp = sum(proposed)
    return {
        "threshold": round(threshold, 3),
        "pairs": len(scored),
        "duplicates": positives,
        "proposed": len(proposed),
        "true_proposed": tp,
        "false_proposed": len(proposed) - tp,
        "precision": round(tp / len(proposed), 3) if proposed else None,
        "recall": round(tp / positives, 3) if positives else None,
    }


def learned_related(hist) -> dict:
    """Related pairs learned from the history, all taken as if staff had confirmed them."""
    from .related import learn

    pairs = learn([doc_tokens(p.title, p.content) for p in hist], [p.lead for p in hist])
    return {(x.a, x.b): 1.0 for x in pairs}
