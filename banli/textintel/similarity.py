"""TF-IDF vectors of proposals, cosine neighbours, near-duplicate pairs and topic clusters.

The vectors of one body's proposals (all its sessions) are built from SearchDoc.tokens and kept
in process memory as a cache only: each process checks the index's (count, last change) at most
every couple of seconds and rebuilds or extends its copy, so nothing that matters lives in
memory and several app processes agree.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, Max
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from .models import DocKind, RelatedTerm, RelatedTermStatus, SearchDoc
from .text import _CJK as _CJK_START
from .text import CHAR_PREFIX, STOP_WORDS, doc_tokens, precise_words, term_weight


def single_threaded(func):
    """Run numeric code with one BLAS/OpenMP thread: in a web or worker process on a shared
    machine, more threads oversubscribe the cores (measured: 10× the CPU time for KMeans)."""
    import functools

    from threadpoolctl import threadpool_limits

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper


SHOW_MIN_SCORE = 0.12  # below this, "similar" is noise
# Merge suggestions at or above this cosine: tuned by `banli evaluate-text` on the development set
# (banli/textintel/devset) for the precision target MERGE_PRECISION_TARGET; see docs/decisions.md.
DUPLICATE_SCORE = 0.35
MERGE_PRECISION_TARGET = 0.9
BASELINE_DUPLICATE_SCORE = 0.4  # the plain TF-IDF's former threshold, for the baseline

# Share of the squared norm given to the word block; the rest goes to the character n-grams.
WORD_SHARE = 0.3
# A related term (learned and confirmed, see RelatedTerm) adds this fraction of a word's weight
# to its partner, so 近视 in one text meets 视力 in another.
BRIDGE_WEIGHT = 0.5


def split_tokens(s: str) -> list[str]:
    return s.split()


def make_vectorizer(analyzer=split_tokens) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, norm=None, dtype=np.float32)


def term_weights(vocab: np.ndarray) -> np.ndarray:
    return np.fromiter((term_weight(t) for t in vocab), dtype=np.float32, count=len(vocab))


def _row_of_nonzeros(X: sp.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))


class Featurizer:
    """TF-IDF (sublinear tf, smooth idf) of words and of the character 1–2-grams of content words.

    Words are counted once per compound (`precise_words`); the n-gram counts are the word counts
    times a word → n-gram matrix, one sparse product instead of a Python pass per n-gram. A word the
    history never used still brings its n-grams at transform time (that is how 近视 meets 视力).
    """

    def fit_transform(self, token_strings: list[str]) -> sp.csr_matrix:
        cv = CountVectorizer(analyzer=_precise, dtype=np.float32)
        W = cv.fit_transform(token_strings).tocsr()
        words = cv.get_feature_names_out()
        self.word_index = {str(w): i for i, w in enumerate(words)}
        self.gram_index: dict[str, int] = {}
        self._grams_of: dict[str, list[int]] = {}
        rows, cols = [], []
        for i, w in enumerate(words):
            for g in self._word_grams(str(w), grow=True):
                rows.append(i)
                cols.append(g)
        nw, ng = len(words), len(self.gram_index)
        self.M = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(nw, ng))
        grams = sorted(self.gram_index, key=self.gram_index.get)
        self.vocab = np.array([str(w) for w in words] + [CHAR_PREFIX + g for g in grams], dtype=object)
        F = self._counts(W)
        df = np.bincount(F.indices, minlength=F.shape[1])
        n = F.shape[0]
        self.idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        return self._tfidf(F)

    def get_feature_names_out(self) -> np.ndarray:
        return self.vocab

    def _word_grams(self, w: str, *, grow: bool = False) -> list[int]:
        got = self._grams_of.get(w)
        if got is not None:
            return got
        out = []
        if w not in STOP_WORDS and _CJK_START.match(w):
            for g in list(w) + [w[i : i + 2] for i in range(len(w) - 1)]:
                j = self.gram_index.get(g)
                if j is None and grow:
                    j = self.gram_index[g] = len(self.gram_index)
                if j is not None:
                    out.append(j)
        if grow or len(self._grams_of) < 200_000:
            self._grams_of[w] = out
        return out

    def _counts(self, W: sp.csr_matrix) -> sp.csr_matrix:
        return sp.hstack([W, W @ self.M], format="csr", dtype=np.float32)

    def _tfidf(self, F: sp.csr_matrix) -> sp.csr_matrix:
        F.data = 1 + np.log(F.data)
        return F @ sp.diags(self.idf)

    def transform(self, token_strings: list[str]) -> sp.csr_matrix:
        nw = len(self.word_index)
        indptr, indices, data = [0], [], []
        for s in token_strings:
            counts: dict[int, float] = {}
            for w in _precise(s):
                i = self.word_index.get(w)
                if i is not None:
                    counts[i] = counts.get(i, 0.0) + 1.0
                for g in self._word_grams(w):
                    counts[nw + g] = counts.get(nw + g, 0.0) + 1.0
            indices.extend(counts)
            data.extend(counts.values())
            indptr.append(len(indices))
        F = sp.csr_matrix(
            (np.array(data, np.float32), np.array(indices, np.int64), np.array(indptr, np.int64)),
            shape=(len(token_strings), len(self.vocab)),
        )
        F.sort_indices()
        return self._tfidf(F)


def _precise(s: str) -> list[str]:
    return precise_words(s.split())


@dataclass
class Vectors:
    """A fitted vectorizer, the weights of its terms, and row vectors of documents.

    `plain`: the former features (search-mode words, compound and parts all counted), kept as
    the baseline `banli evaluate-text` prints. Otherwise words (compounds counted once) and the
    character 1–2-grams of content words, each block normalised to its share of the cosine, and
    related terms (`bridges`: a sparse term × term matrix) folded into every vector.
    """

    vectorizer: TfidfVectorizer | Featurizer
    vocab: np.ndarray
    weights: np.ndarray
    X: sp.csr_matrix = None
    plain: bool = False
    is_char: np.ndarray | None = None
    bridges: sp.csr_matrix | None = None
    bridge_pairs: dict = field(default_factory=dict)

    @classmethod
    def fit(cls, token_strings: list[str], *, plain: bool = False, related: dict | None = None) -> Vectors:
        vec = make_vectorizer() if plain else Featurizer()
        if not token_strings or not any(s.strip() for s in token_strings):
            token_strings = list(token_strings) + ["空"]
        X = vec.fit_transform(token_strings)
        vocab = vec.get_feature_names_out()
        weights = term_weights(vocab)
        is_char = None
        if not plain:
            is_char = np.fromiter((t.startswith(CHAR_PREFIX) for t in vocab), dtype=bool, count=len(vocab))
            weights[is_char] = 1.0
        v = cls(vectorizer=vec, vocab=vocab, weights=weights, plain=plain, is_char=is_char)
        v.set_related(related or {})
        v.X = v._finish(X)[: len(token_strings)]
        return v

    def set_related(self, related: dict) -> None:
        """{(a, b): strength} of related words (both directions are used) → the bridge matrix."""
        col = {}
        if related:
            col = {str(t): i for i, t in enumerate(self.vocab)}
        rows, cols, vals, pairs = [], [], [], {}
        for (a, b), strength in related.items():
            i, j = col.get(a), col.get(b)
            if i is None or j is None or i == j:
                continue
            for x, y in ((i, j), (j, i)):
                rows.append(x)
                cols.append(y)
                vals.append(BRIDGE_WEIGHT * float(strength))
            pairs.setdefault(a, set()).add(b)
            pairs.setdefault(b, set()).add(a)
        n = len(self.vocab)
        self.bridges = sp.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(n, n)) if rows else None
        self.bridge_pairs = pairs

    def _finish(self, X) -> sp.csr_matrix:
        X = (X @ sp.diags(self.weights)).tocsr().astype(np.float32)
        if self.plain:
            return l2_normalize(X, copy=False)
        if self.bridges is not None:
            X = (X + X @ self.bridges).tocsr()
        # each block to unit length, then scaled to its share: cos = s·cos_words + (1-s)·cos_chars
        sq = X.copy()
        sq.data **= 2
        char_cols = self.is_char[sq.indices]
        rows = _row_of_nonzeros(sq)
        nw = np.bincount(rows, weights=np.where(char_cols, 0.0, sq.data), minlength=X.shape[0])
        nc = np.bincount(rows, weights=np.where(char_cols, sq.data, 0.0), minlength=X.shape[0])
        sw = np.where(nw > 0, np.sqrt(WORD_SHARE / np.maximum(nw, 1e-12)), 0.0)
        sc = np.where(nc > 0, np.sqrt((1 - WORD_SHARE) / np.maximum(nc, 1e-12)), 0.0)
        X.data *= np.where(char_cols, sc[rows], sw[rows]).astype(np.float32)
        return l2_normalize(X, copy=False)  # a row with one block only

    def transform(self, token_strings: list[str]) -> sp.csr_matrix:
        return self._finish(self.vectorizer.transform(token_strings))

    def shared_terms(self, q: sp.csr_matrix, row: sp.csr_matrix, k: int = 6) -> list[str]:
        """The words that contribute most to the cosine of q and row (genre words, character
        n-grams and the parts of a longer shared word left out: 工业上楼, not 工业 and 上楼)."""
        prod = q.multiply(row).tocoo()
        order = np.argsort(-prod.data)[: 6 * k]
        cands = [str(self.vocab[prod.col[i]]) for i in order]
        cands = [t for t in cands if t not in STOP_WORDS and not t.startswith(CHAR_PREFIX)]
        out = [t for t in cands if not any(t != o and t in o for o in cands)]
        return out[:k]

    def top_terms(self, centroid: np.ndarray, k: int = 4) -> list[str]:
        out = []
        for i in np.argsort(-centroid):
            t = str(self.vocab[i])
            if t.startswith(CHAR_PREFIX):
                continue
            if t in STOP_WORDS or len(t) < 2 or any(t in o or o in t for o in out):
                continue
            out.append(t)
            if len(out) >= k or centroid[i] <= 0:
                break
        return out


# Index rows keep their largest weights only: a query is one pass over the index's nonzeros, and
# the n-grams multiply them; the dropped tail changes cosines by little (see docs/decisions.md).
INDEX_ROW_TERMS = 48


def prune_rows(X: sp.csr_matrix, k: int = INDEX_ROW_TERMS) -> sp.csr_matrix:
    """Each row's k largest entries, the rest dropped, rescaled to unit length."""
    X = X.tocsr()
    counts = np.diff(X.indptr)
    if counts.size == 0 or counts.max() <= k:
        return X
    rows = np.repeat(np.arange(X.shape[0]), counts)
    order = np.lexsort((-X.data, rows))  # by row, then largest first
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size) - X.indptr[rows[order]]
    keep = rank < k
    out = sp.csr_matrix(
        (X.data[keep], X.indices[keep], np.concatenate([[0], np.cumsum(np.minimum(counts, k))])), shape=X.shape
    )
    out.sort_indices()
    return l2_normalize(out, copy=False)  # cosines of what is kept


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first (argpartition, then sort only those)."""
    if k <= 0 or scores.size == 0:
        return np.empty(0, dtype=np.int64)
    k = min(k, scores.size)
    idx = np.argpartition(-scores, k - 1)[:k]
    return idx[np.argsort(-scores[idx], kind="stable")]


@dataclass
class BodyIndex:
    """Vectors of one body's proposals (all sessions), with their ids and sessions."""

    vectors: Vectors
    ids: np.ndarray
    sessions: np.ndarray
    signature: tuple = ()
    last_change: object = None
    row_of: dict = field(default_factory=dict)

    def __post_init__(self):
        self.row_of = {int(p): i for i, p in enumerate(self.ids)}


class _Cache:
    CHECK_EVERY = 2.0

    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict[int, tuple[float, BodyIndex]] = {}

    def clear(self):
        with self._lock:
            self._items.clear()

    def get(self, body_id: int) -> BodyIndex:
        now = time.monotonic()
        item = self._items.get(body_id)
        if item and now - item[0] < self.CHECK_EVERY:
            return item[1]
        with self._lock:
            docs = SearchDoc.objects.filter(kind=DocKind.PROPOSAL, body_org_id=body_id)
            agg = docs.aggregate(n=Count("id"), m=Max("updated_at"))
            confirmed = RelatedTerm.objects.filter(status=RelatedTermStatus.CONFIRMED)
            rel = confirmed.aggregate(n=Count("id"), m=Max("updated_at"))
            sig = (agg["n"], agg["m"], rel["n"], rel["m"])
            item = self._items.get(body_id)
            if item and item[1].signature == sig:
                self._items[body_id] = (now, item[1])
                return item[1]
            index = None
            if (
                item
                and agg["n"] >= len(item[1].ids)
                and item[1].last_change is not None
                and item[1].signature[2:] == sig[2:]
            ):
                index = _extend(item[1], docs, sig)
            if index is None:
                related = dict.fromkeys(confirmed.values_list("word_a", "word_b"), 1.0)
                index = _build(docs, sig, related)
            self._items[body_id] = (now, index)
            return index


cache = _Cache()


def _build(docs, sig, related: dict | None = None) -> BodyIndex:
    rows = list(docs.order_by("id").values_list("object_id", "session_id", "tokens"))
    vectors = Vectors.fit([r[2] for r in rows], related=related)
    vectors.X = prune_rows(vectors.X)
    return BodyIndex(
        vectors=vectors,
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        sessions=np.array([r[1] for r in rows], dtype=np.int64),
        signature=sig,
        last_change=sig[1],
    )


def _extend(old: BodyIndex, docs, sig) -> BodyIndex | None:
    """Add or replace the rows changed since `old` with the old vocabulary; None → rebuild."""
    changed = list(docs.filter(updated_at__gt=old.last_change).values_list("object_id", "session_id", "tokens"))
    if len(changed) > max(50, len(old.ids) // 5):
        return None  # enough new text that the vocabulary and IDF should be refitted
    keep = np.ones(len(old.ids), dtype=bool)
    for pid, _, _ in changed:
        r = old.row_of.get(pid)
        if r is not None:
            keep[r] = False
    if int(keep.sum()) + len(changed) != sig[0]:
        return None  # something was deleted
    Xn = prune_rows(old.vectors.transform([c[2] for c in changed])) if changed else None
    X = old.vectors.X[keep]
    vectors = dataclasses.replace(old.vectors, X=None)
    vectors.X = sp.vstack([X, Xn]).tocsr() if Xn is not None else X
    ids = np.concatenate([old.ids[keep], np.array([c[0] for c in changed], dtype=np.int64)])
    sessions = np.concatenate([old.sessions[keep], np.array([c[1] for c in changed], dtype=np.int64)])
    return BodyIndex(vectors=vectors, ids=ids, sessions=sessions, signature=sig, last_change=sig[1])


@dataclass
class Hit:
    proposal_id: int
    session_id: int
    score: float
    terms: list[str]
    bridges: list[tuple[str, str]] = field(default_factory=list)  # (query's word, document's word)


def bridges_between(vectors: Vectors, q_tokens: str, d_tokens: str, k: int = 4) -> list[tuple[str, str]]:
    """Confirmed related terms that connected the two texts: a word of one whose partner is in
    the other while the word itself is not (近视 in the query, 视力 in the document)."""
    if not vectors.bridge_pairs:
        return []
    qw = set(precise_words(q_tokens.split()))
    dw = set(precise_words(d_tokens.split()))
    out = []
    for a in sorted(qw - dw):
        for b in sorted(vectors.bridge_pairs.get(a, ())):
            if b in dw and b not in qw:
                out.append((a, b))
    return out[:k]


def query_vector(
    index: BodyIndex, *, proposal_id: int | None = None, title: str = "", content: str = ""
) -> sp.csr_matrix:
    if proposal_id is not None and proposal_id in index.row_of:
        return index.vectors.X[index.row_of[proposal_id]]
    return index.vectors.transform([doc_tokens(title, content)])


def scores_for(index: BodyIndex, q: sp.csr_matrix) -> np.ndarray:
    """Cosine of q with every row (CSR matrix × dense vector: one pass over the index)."""
    qd = np.zeros(q.shape[1], dtype=np.float32)
    qd[q.indices] = q.data
    return index.vectors.X @ qd


def neighbours(
    index: BodyIndex,
    q: sp.csr_matrix,
    *,
    top: int = 5,
    exclude: set[int] = frozenset(),
    min_score: float = SHOW_MIN_SCORE,
    mask: np.ndarray | None = None,
    scores: np.ndarray | None = None,
) -> list[Hit]:
    """The `top` documents of the index most similar to q (cosine), best first.

    `scores` (from scores_for) lets two calls with different masks share one product."""
    if q.nnz == 0 or len(index.ids) == 0:
        return []
    scores = scores_for(index, q) if scores is None else scores.copy()
    if mask is not None:
        scores = np.where(mask, scores, -1.0)
    for pid in exclude:
        r = index.row_of.get(pid)
        if r is not None:
            scores[r] = -1.0
    hits = []
    for r in top_k(scores, top):
        s = float(scores[r])
        if s < min_score:
            break
        hits.append(
            Hit(int(index.ids[r]), int(index.sessions[r]), s, index.vectors.shared_terms(q, index.vectors.X[r]))
        )
    return hits


@single_threaded
def pairs_above(X: sp.csr_matrix, threshold: float = DUPLICATE_SCORE, chunk: int = 1000):
    """All pairs i < j with cosine ≥ threshold, closest first, as arrays (i, j, score).

    Terms found in many documents make a sparse product dense, so they are multiplied as a
    small dense matrix (BLAS) and the rare terms as a sparse one; the sum is the exact cosine.
    """
    X = X.tocsr()
    n = X.shape[0]
    df = np.bincount(X.indices, minlength=X.shape[1])
    common = df > max(50, n // 100)
    Xc = X[:, np.flatnonzero(common)].toarray().astype(np.float32)
    Xr = X[:, np.flatnonzero(~common)].tocsr()
    XcT, XrT = Xc.T.copy(), Xr.T.tocsc()
    I, J, V = [], [], []
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        S = Xc[start:stop] @ XcT
        R = (Xr[start:stop] @ XrT).tocoo()
        S[R.row, R.col] += R.data
        rows, cols = np.nonzero(threshold <= S)
        keep = cols > rows + start
        rows, cols = rows[keep], cols[keep]
        I.append(rows + start)
        J.append(cols)
        V.append(S[rows, cols])
    if not I:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float32)
    I, J, V = np.concatenate(I), np.concatenate(J), np.concatenate(V)
    order = np.argsort(-V, kind="stable")
    return I[order], J[order], V[order]


@single_threaded
def cluster_rows(X: sp.csr_matrix, *, k: int | None = None, min_sim: float = 0.15, seed: int = 0):
    """KMeans over the (L2-normalised) rows; returns (labels, term-space centroids).

    Label -1: the row is too far from its cluster's centre to belong to it. Large sets are first
    reduced to 100 latent dimensions (truncated SVD), which is faster and groups paraphrases better.
    """
    from sklearn.cluster import KMeans

    n = X.shape[0]
    if n == 0:
        return np.empty(0, dtype=int), np.zeros((0, X.shape[1]))
    if k is None:
        k = int(min(150, max(1, round(1.5 * n**0.5))))
    k = min(k, n)
    if n > 2000 and X.shape[1] > 200:
        from sklearn.cluster import MiniBatchKMeans
        from sklearn.decomposition import TruncatedSVD

        # k-means++ seeding over every row is the slow part at 10^4 rows: seed on a sample
        Z = l2_normalize(TruncatedSVD(n_components=100, random_state=seed).fit_transform(X))
        km = MiniBatchKMeans(n_clusters=k, batch_size=2048, init_size=min(n, 20 * k), n_init=3, random_state=seed)
        labels = km.fit_predict(Z)
    else:
        labels = KMeans(n_clusters=k, n_init=1, max_iter=60, random_state=seed).fit_predict(X)
    onehot = sp.csr_matrix((np.ones(n, dtype=np.float32), (labels, np.arange(n))), shape=(k, n))
    sizes = np.maximum(np.asarray(onehot.sum(axis=1)).ravel(), 1)
    centroids = np.asarray((onehot @ X).todense()) / sizes[:, None]
    cn = centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
    sim = _rowwise_dot(X, cn, labels)
    labels = np.where(sim >= min_sim, labels, -1)
    return labels, centroids


def _rowwise_dot(X: sp.csr_matrix, C: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """x_i · C[labels[i]] for every row, without materialising a dense n × V matrix."""
    X = X.tocsr()
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    return np.bincount(rows, weights=X.data * C[labels[rows], X.indices], minlength=X.shape[0])


def batch_neighbours(
    index: BodyIndex,
    rows: np.ndarray,
    *,
    top: int = 5,
    min_score: float = SHOW_MIN_SCORE,
    chunk: int = 500,
    with_terms: bool = True,
) -> list[list[Hit]]:
    """For each row of the index in `rows`, its top neighbours in the whole index (itself excluded)."""
    out: list[list[Hit]] = []
    XT = index.vectors.X.T.tocsc()
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        S = (index.vectors.X[part] @ XT).toarray()
        S[np.arange(len(part)), part] = -1.0
        for k, r in enumerate(part):
            hits = []
            for c in top_k(S[k], top):
                s = float(S[k, c])
                if s < min_score:
                    break
                terms = index.vectors.shared_terms(index.vectors.X[r], index.vectors.X[c]) if with_terms else []
                hits.append(Hit(int(index.ids[c]), int(index.sessions[c]), s, terms))
            out.append(hits)
    return out
