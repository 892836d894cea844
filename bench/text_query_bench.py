"""One similar-proposal query and the merge suggestions of a session, plain TF-IDF vs the current
features (with and without the index's row pruning), in one run: `.venv/bin/python bench/text_query_bench.py`.

CPU seconds are printed next to wall seconds: on a shared machine the wall clock mostly measures
the other processes. Options: --n 150000 --session 10000 --queries 200
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")

import django

django.setup()

import numpy as np  # noqa: E402

from banli.textintel import similarity, synth  # noqa: E402
from banli.textintel.text import doc_tokens  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150_000)
    ap.add_argument("--session", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    a = ap.parse_args()
    out: dict = {"n": a.n, "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    data = synth.generate(sessions=max(1, a.n // a.session), per_session=a.session, seed=11)
    toks = [doc_tokens(p.title, p.content) for p in data]
    sess = np.array([int(p.session[3:]) for p in data], dtype=np.int64)
    rng = np.random.default_rng(0)
    picks = rng.choice(len(toks), size=min(a.queries, len(toks)), replace=False)
    for name, plain, prune in (("plain", True, False), ("current_unpruned", False, False), ("current", False, True)):
        c = time.process_time()
        v = similarity.Vectors.fit(toks, plain=plain)
        if prune:
            v.X = similarity.prune_rows(v.X)
        r: dict = {"fit_cpu_s": round(time.process_time() - c, 2), "nnz": int(v.X.nnz)}
        index = similarity.BodyIndex(vectors=v, ids=np.arange(len(toks), dtype=np.int64), sessions=sess)
        c, w = time.process_time(), time.perf_counter()
        for row in picks:
            q = similarity.query_vector(index, proposal_id=int(row))
            same = index.sessions == index.sessions[row]
            scores = similarity.scores_for(index, q)
            similarity.neighbours(index, q, top=5, exclude={int(row)}, mask=same, scores=scores)
            similarity.neighbours(index, q, top=5, exclude={int(row)}, mask=~same, scores=scores)
        r["query_cpu_ms"] = round((time.process_time() - c) / len(picks) * 1000, 2)
        r["query_wall_ms"] = round((time.perf_counter() - w) / len(picks) * 1000, 2)
        rows = np.flatnonzero(index.sessions == index.sessions.max())
        threshold = similarity.BASELINE_DUPLICATE_SCORE if plain else similarity.DUPLICATE_SCORE
        c, w = time.process_time(), time.perf_counter()
        _, _, V = similarity.pairs_above(v.X[rows], threshold)
        r["merge_session_cpu_s"] = round(time.process_time() - c, 2)
        r["merge_session_wall_s"] = round(time.perf_counter() - w, 2)
        r["merge_pairs"] = len(V)
        out[name] = r
        print(name, r, flush=True)
    out["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
