"""Related terms learned from the archive itself (no pre-trained model, nothing downloaded).

Two words are related when the office's own texts use them alike:
  * direct co-occurrence: normalised PMI of appearing in the same proposal, reply or contact
    (近视 and 视力 meet in the bodies and replies about eyesight);
  * shared contexts: the cosine of the two words' PPMI rows (second order: 充电桩 and
    充电基础设施 are written next to the same words even when never together);
  * same-unit evidence: the cosine of the units that handled the proposals using each word.
Pairs where one word contains the other are left out (their character n-grams already meet), and
so are fixed phrases (two words nearly always written together gain nothing from a bridge).
Learned pairs are suggestions: staff confirm or reject them on the dictionary page, and only
confirmed pairs bridge wording in similarity (see RelatedTerm and similarity.Vectors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .text import _CJK, STOP_WORDS, precise_words

MIN_DF = 4
MAX_DF_SHARE = 0.08  # words in more documents than this are too general to relate
MIN_DF_CAP = 20  # ... but never fewer than this (a small archive)
MAX_TERMS = 4000
MAX_CONTEXTS = 12000
MIN_CO = 3
MIN_CONTEXT = 0.3  # shared-context cosine that makes two words that never meet a candidate
MIN_SCORE = 0.35
MAX_TOGETHER = 0.5  # share of the rarer word's documents that also have the other
PER_WORD = 3
MAX_PAIRS = 3000


@dataclass
class Learned:
    a: str
    b: str
    score: float
    together: int  # documents with both words
    npmi: float
    context: float
    units: float | None


def content_words(token_string: str) -> set[str]:
    return {w for w in precise_words(token_string.split()) if len(w) >= 2 and w not in STOP_WORDS and _CJK.match(w)}


def learn(token_strings: list[str], units: list | None = None) -> list[Learned]:
    """Related word pairs of a corpus, best first. `units[i]`: the unit that handled document i
    (None when unknown, e.g. a reply's unit is counted as its proposal's)."""
    docs = [content_words(s) for s in token_strings]
    n = len(docs)
    if n < 20:
        return []
    df: dict[str, int] = {}
    for d in docs:
        for w in d:
            df[w] = df.get(w, 0) + 1
    max_df = max(MIN_DF_CAP, int(MAX_DF_SHARE * n))
    # every word seen MIN_DF times is a context; only the rarer ones are candidates to relate
    vocab = sorted((w for w, c in df.items() if c >= MIN_DF), key=lambda w: (df[w] > max_df, -df[w], w))
    vocab = vocab[:MAX_CONTEXTS]
    cand_n = min(MAX_TERMS, sum(df[w] <= max_df for w in vocab))
    if cand_n < 2:
        return []
    col = {w: i for i, w in enumerate(vocab)}
    rows, cols = [], []
    for r, d in enumerate(docs):
        for w in d:
            j = col.get(w)
            if j is not None:
                rows.append(r)
                cols.append(j)
    B = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, len(vocab)))
    C = (B.T @ B[:, :cand_n]).tocsr()  # contexts × candidates
    dfv = np.asarray(B.sum(axis=0)).ravel().astype(np.float64)
    C = C.tocoo()
    keep = (C.data >= MIN_CO) & (C.row != C.col)
    i, j, c = C.row[keep], C.col[keep], C.data[keep].astype(np.float64)
    pmi = np.log(c * n / (dfv[i] * dfv[j]))
    npmi = pmi / -np.log(c / n)
    # PPMI rows of the candidates over all contexts; their cosine is the shared-context evidence
    P = sp.csr_matrix((np.maximum(pmi, 0).astype(np.float32), (j, i)), shape=(cand_n, len(vocab)))
    norms = np.sqrt(np.asarray(P.multiply(P).sum(axis=1)).ravel())
    Pn = sp.diags(1 / np.maximum(norms, 1e-9)) @ P
    context = (Pn @ Pn.T).tocsr()
    U = None
    if units is not None:
        ulabels = sorted({u for u in units if u is not None}, key=str)
        if len(ulabels) >= 2:
            uidx = {u: k for k, u in enumerate(ulabels)}
            ur = [r for r, u in enumerate(units) if u is not None]
            D = sp.csr_matrix(
                (np.ones(len(ur), np.float32), (ur, [uidx[units[r]] for r in ur])), shape=(n, len(ulabels))
            )
            U = (B[:, :cand_n].T @ D).toarray()
            U /= np.maximum(np.linalg.norm(U, axis=1, keepdims=True), 1e-9)
    direct = {(int(a), int(b)): (float(x), int(y)) for a, b, x, y in zip(i, j, npmi, c) if a < b < cand_n}
    cand = set(direct)
    ctx = context.tocoo()
    for a, b, x in zip(ctx.row, ctx.col, ctx.data):
        if a < b and x >= MIN_CONTEXT:
            cand.add((int(a), int(b)))
    out = []
    for a, b in cand:
        wa, wb = vocab[a], vocab[b]
        if wa in wb or wb in wa:
            continue
        npm, together = direct.get((a, b), (0.0, 0))
        if together > MAX_TOGETHER * min(dfv[a], dfv[b]):
            continue  # a fixed phrase (专项 整治): both words are already in every text that has one
        cx = float(context[a, b])
        us = float(U[a] @ U[b]) if U is not None else None
        score = 0.2 * max(npm, 0.0) + 0.5 * cx + 0.3 * (us if us is not None else cx)
        if score >= MIN_SCORE:
            out.append(Learned(wa, wb, round(score, 4), together, round(npm, 4), round(cx, 4), us and round(us, 4)))
    out.sort(key=lambda x: (-x.score, x.a, x.b))
    per: dict[str, int] = {}
    kept = []
    for x in out:
        if per.get(x.a, 0) >= PER_WORD or per.get(x.b, 0) >= PER_WORD:
            continue
        per[x.a] = per.get(x.a, 0) + 1
        per[x.b] = per.get(x.b, 0) + 1
        kept.append(x)
        if len(kept) >= MAX_PAIRS:
            break
    return kept
