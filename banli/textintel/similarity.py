"""TF-IDF vectors of proposals, cosine neighbours, near-duplicate pairs and topic clusters.

The vectors of one body's proposals (all its sessions) are built from SearchDoc.tokens and kept
in process memory as a cache only: each process checks the index's (count, last change) at most
every couple of seconds and rebuilds or extends its copy, so nothing that matters lives in
memory and several app processes agree.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, Max
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from .models import DocKind, SearchDoc
from .text import STOP_WORDS, doc_tokens, term_weight


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
DUPLICATE_SCORE = 0.4  # merge suggestions at or above this (near-duplicates phrased differently score 0.45+)


def split_tokens(s: str) -> list[str]:
    return s.split()


def make_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=split_tokens, sublinear_tf=True, norm=None, dtype=np.float32)


def term_weights(vocab: np.ndarray) -> np.ndarray:
    return np.fromiter((term_weight(t) for t in vocab), dtype=np.float32, count=len(vocab))


@dataclass
class Vectors:
    """A fitted vectorizer, the genre weights of its terms, and row vectors of documents."""

    vectorizer: TfidfVectorizer
    vocab: np.ndarray
    weights: np.ndarray
    X: sp.csr_matrix = None

    @classmethod
    def fit(cls, token_strings: list[str]) -> Vectors:
        vec = make_vectorizer()
        if not token_strings or not any(s.strip() for s in token_strings):
            token_strings = list(token_strings) + ["空"]
        X = vec.fit_transform(token_strings)
        vocab = vec.get_feature_names_out()
        v = cls(vectorizer=vec, vocab=vocab, weights=term_weights(vocab))
        v.X = v._finish(X)[: len(token_strings)]
        return v

    def _finish(self, X) -> sp.csr_matrix:
        X = X @ sp.diags(self.weights)
        return l2_normalize(X.tocsr().astype(np.float32), copy=False)

    def transform(self, token_strings: list[str]) -> sp.csr_matrix:
        return self._finish(self.vectorizer.transform(token_strings))

    def shared_terms(self, q: sp.csr_matrix, row: sp.csr_matrix, k: int = 6) -> list[str]:
        """The terms that contribute most to the cosine of q and row (genre words and the parts
        of a longer shared word left out: 工业上楼, not 工业 and 上楼)."""
        prod = q.multiply(row).tocoo()
        order = np.argsort(-prod.data)[: 4 * k]
        cands = [str(self.vocab[prod.col[i]]) for i in order]
        cands = [t for t in cands if t not in STOP_WORDS]
        out = [t for t in cands if not any(t != o and t in o for o in cands)]
        return out[:k]

    def top_terms(self, centroid: np.ndarray, k: int = 4) -> list[str]:
        out = []
        for i in np.argsort(-centroid):
            t = str(self.vocab[i])
            if t in STOP_WORDS or len(t) < 2 or any(t in o or o in t for o in out):
                continue
            out.append(t)
            if len(out) >= k or centroid[i] <= 0:
                break
        return out


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
            sig = (agg["n"], agg["m"])
            item = self._items.get(body_id)
            if item and item[1].signature == sig:
                self._items[body_id] = (now, item[1])
                return item[1]
            index = None
            if item and agg["n"] >= len(item[1].ids) and item[1].last_change is not None:
                index = _extend(item[1], docs, sig)
            if index is None:
                index = _build(docs, sig)
            self._items[body_id] = (now, index)
            return index


cache = _Cache()


def _build(docs, sig) -> BodyIndex:
    rows = list(docs.order_by("id").values_list("object_id", "session_id", "tokens"))
    vectors = Vectors.fit([r[2] for r in rows])
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
    Xn = old.vectors.transform([c[2] for c in changed]) if changed else None
    X = old.vectors.X[keep]
    vectors = Vectors(vectorizer=old.vectors.vectorizer, vocab=old.vectors.vocab, weights=old.vectors.weights)
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
