"""Text intelligence benchmarks (not timed tests): run with `.venv/bin/python bench/text_bench.py`.

Reports, on realistic synthetic proposals (banli.textintel.synth), for the current features (words
with compounds counted once + character 1–2-grams, confirmed related terms folded in) and, with
--plain, the former plain TF-IDF features:
  * similar-proposal search for one proposal against 150 000 (ms, mean of 200 queries, with shared terms)
  * all-pairs merge suggestions for a 10 000-proposal session at the calibrated threshold (s)
  * clustering a 10 000-proposal session (s)
  * training the recommender on 150 000 assignments (s), one prediction (ms)
  * learning related terms from the corpus (s)
  * `banli help` start-up (s) and whether it imported scikit-learn
  * peak memory (max RSS of the process after each step), and the load average (the machine is shared)
The vectors are those the app builds from SearchDoc.tokens; the database is not involved, so the
figures are the computation itself (the app adds one query for the cached index's signature).
Options: --n 150000 --session 10000 --plain --json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")

import django

django.setup()

import numpy as np  # noqa: E402

from banli.textintel import recommender, related, similarity, synth  # noqa: E402
from banli.textintel.text import doc_tokens  # noqa: E402


class clock:
    """Wall and CPU seconds of a block (CPU shows the cost when the machine is shared)."""

    def __init__(self, out: dict, key: str, per: int = 1, unit: str = "s"):
        self.out, self.key, self.per, self.unit = out, key, per, unit

    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()

    def __exit__(self, *exc):
        f = 1000 if self.unit == "ms" else 1
        self.out[f"{self.key}_{self.unit}"] = round((time.perf_counter() - self.w) / self.per * f, 2)
        self.out[f"{self.key}_cpu_{self.unit}"] = round((time.process_time() - self.c) / self.per * f, 2)


ROOT = Path(__file__).resolve().parents[1]


def related_pairs(toks: list[str]) -> dict:
    """A few hundred confirmed related pairs, as an office would have after review."""
    learned = related.learn(toks[:20000])
    return {(x.a, x.b): 1.0 for x in learned[:300]}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150_000)
    ap.add_argument("--plain", action="store_true", help="the former plain TF-IDF features (baseline)")
    ap.add_argument("--session", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out: dict = {"n": a.n, "session_size": a.session, "features": "plain" if a.plain else "words+chars"}
    out["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    with clock(out, "help_startup"):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "banli", "help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    out["help_imports_sklearn"] = "sklearn" in proc.stderr

    t = time.perf_counter()
    sessions = max(1, a.n // a.session)
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    texts = [f.read_text(encoding="utf-8") for f in sorted(seeds.glob("*.txt"))] if seeds.exists() else []
    lexicon = synth.seed_lexicon(texts) if texts else None
    out["lexicon_words"] = len(lexicon or [])
    data = synth.generate(sessions=sessions, per_session=a.session, seed=11, lexicon=lexicon)
    out["generate_s"] = round(time.perf_counter() - t, 2)
    with clock(out, "segment"):
        toks = [doc_tokens(p.title, p.content) for p in data]
    out["segment_docs_per_cpu_s"] = round(len(toks) / max(out["segment_cpu_s"], 1e-9))

    with clock(out, "index_build"):
        vectors = similarity.Vectors.fit(toks, plain=a.plain, related=None if a.plain else related_pairs(toks))
        ids = np.arange(len(toks), dtype=np.int64)
        sess = np.array([int(p.session[3:]) for p in data], dtype=np.int64)
        index = similarity.BodyIndex(vectors=vectors, ids=ids, sessions=sess)
    out["vocabulary"] = len(vectors.vocab)
    out["matrix_nnz"] = int(vectors.X.nnz)
    out["rss_after_index_mb"] = round(rss_mb())

    rng = np.random.default_rng(0)
    picks = rng.choice(len(toks), size=min(a.queries, len(toks)), replace=False)
    with clock(out, "similar_one_vs_all", per=len(picks), unit="ms"):
        for r in picks:
            q = similarity.query_vector(index, proposal_id=int(r))
            same = index.sessions == index.sessions[r]
            scores = similarity.scores_for(index, q)
            similarity.neighbours(index, q, top=5, exclude={int(r)}, mask=same, scores=scores)
            similarity.neighbours(index, q, top=5, exclude={int(r)}, mask=~same, scores=scores)
    with clock(out, "similar_typed_text", per=50, unit="ms"):
        for r in picks[:50]:
            p = data[int(r)]
            q = similarity.query_vector(index, title=p.title, content=p.content)  # as the clerk types
            similarity.neighbours(index, q, top=5)

    threshold = similarity.BASELINE_DUPLICATE_SCORE if a.plain else similarity.DUPLICATE_SCORE
    out["merge_threshold"] = threshold
    last = index.sessions.max()
    rows = np.flatnonzero(index.sessions == last)
    Xs = vectors.X[rows]
    with clock(out, "merge_pairs_session"):
        I, J, V = similarity.pairs_above(Xs, threshold)
        for i, j in zip(I[:20], J[:20]):  # the first page shown, with its shared terms
            vectors.shared_terms(Xs[i], Xs[j])
    out["merge_pairs_found"] = len(V)
    out["rss_after_pairs_mb"] = round(rss_mb())

    with clock(out, "cluster_session"):
        labels, centroids = similarity.cluster_rows(Xs)
        for k in range(centroids.shape[0]):
            vectors.top_terms(centroids[k])
    out["clusters"] = int(centroids.shape[0])
    out["unclustered"] = int((labels < 0).sum())
    out["rss_after_clusters_mb"] = round(rss_mb())

    samples = [recommender.Sample(tk, p.lead, tuple(p.cos), p.session) for tk, p in zip(toks, data)]
    with clock(out, "train_recommender"):
        model = recommender.train(samples, plain=a.plain)
    with clock(out, "model_dump"):
        blob = recommender.dumps(model)
    out["model_bytes"] = len(blob)
    with clock(out, "model_load"):
        recommender.loads(blob)
    with clock(out, "recommend_one", per=100, unit="ms"):
        for r in picks[:100]:
            model.predict([toks[int(r)]], top=3)
    if not a.plain:
        with clock(out, "learn_related_terms"):
            learned = related.learn(toks, [p.lead for p in data])
        out["related_pairs_learned"] = len(learned)
    out["peak_rss_mb"] = round(rss_mb())
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    if a.json:
        print(json.dumps(out, indent=1))
    else:
        for k, v in out.items():
            print(f"{k:28} {v}")


if __name__ == "__main__":
    main()
