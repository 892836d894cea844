"""Unit recommendation (智能交办): which unit should lead, and which should co-handle.

A linear model over the same TF-IDF features as similarity: a logistic (SGD, log loss,
one-vs-rest, probabilities normalised) head for the lead unit, and one binary logistic head per
frequent co unit (multi-label).
Trained from past assignments by itself (`recommender_refresh`: after a ledger import and daily from
the periodic scan), or by `banli train-recommender` or the button on the accuracy page,
and stored as a blob in the database, so every app process serves the same model and serving
never retrains. A process keeps the model it loaded until a newer row appears.
"""

from __future__ import annotations

import dataclasses
import io
import threading
import time
import warnings
from dataclasses import dataclass

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier

from banli.cases.models import Assignment, AssignmentRole, AssignmentState, Proposal

from .models import DocKind, RecommenderModel, SearchDoc
from .similarity import Vectors
from .text import doc_tokens

CO_MIN_EXAMPLES = 3
# Co units are suggested only from a probability at which held-out suggestions were right this often.
CO_PRECISION_TARGET = 0.7
CO_MIN_SUPPORT = 5
CO_FLOOR = 0.2
CO_NEVER = 1.01
CO_SHOW_MIN = 0.3  # a model stored before calibration existed


def _py(x):
    return x.item() if hasattr(x, "item") else x


@dataclass
class Sample:
    tokens: str
    lead: int | str
    cos: tuple = ()
    group: object = None  # session, for splits


@dataclass
class Model:
    vectors: Vectors
    lead_clf: SGDClassifier | None
    only_lead: object  # when every sample had the same lead
    co_units: list  # units seen as co unit often enough, one binary logistic head each
    co_W: np.ndarray | None  # (heads × terms) weights, stacked so one product serves them all
    co_b: np.ndarray | None
    co_threshold: float = CO_SHOW_MIN

    def predict(self, token_strings: list[str], top: int = 3):
        """For each text, ([(lead, p), …] best first, [(co, p), …] best first)."""
        X = self.vectors.transform(token_strings)
        if self.lead_clf is None:
            leads = [[(self.only_lead, 1.0)] for _ in token_strings]
        else:
            P = self.lead_clf.predict_proba(X)
            classes = self.lead_clf.classes_
            leads = []
            for row in P:
                idx = np.argsort(-row)[:top]
                leads.append([(_py(classes[i]), float(row[i])) for i in idx])
        cos = [[] for _ in token_strings]
        if self.co_units:
            C = 1.0 / (1.0 + np.exp(-(np.asarray(X @ self.co_W.T) + self.co_b)))
            for k, row in enumerate(C):
                idx = np.argsort(-row)[: top + 1]
                cos[k] = [(_py(self.co_units[i]), float(row[i])) for i in idx]
        return list(zip(leads, cos))


def train(samples: list[Sample], *, plain: bool = False) -> Model:
    # A fixed epoch budget is deliberate (training time bounded at 10^5 samples): don't warn about it.
    from threadpoolctl import threadpool_limits

    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _train(samples, plain=plain)


def _train(samples: list[Sample], *, plain: bool = False) -> Model:
    if not samples:
        raise ValueError("no samples")
    vectors = Vectors.fit([s.tokens for s in samples], plain=plain)
    X = vectors.X.astype(np.float64)  # what SGD works in: converted once, not per head
    y = np.array([s.lead for s in samples])
    lead_clf, only = None, None
    if len(set(y.tolist())) < 2:
        only = _py(y[0])
    else:
        lead_clf = SGDClassifier(loss="log_loss", alpha=3e-4, max_iter=2, tol=None, random_state=0)
        lead_clf.fit(X, y)
    co_units, co_W, co_b = _co_heads(X, samples, np.arange(len(samples)) if len(samples) < SMALL else None)
    served = dataclasses.replace(vectors, X=None)  # without the training rows
    model = Model(vectors=served, lead_clf=lead_clf, only_lead=only, co_units=co_units, co_W=co_W, co_b=co_b)
    model.co_threshold = _co_threshold(X, samples, model)
    return model


CO_MAX_ROWS = 40_000
SMALL = 500  # below this many samples, co units are calibrated by 5-fold cross-validation


def _co_heads(X, samples: list[Sample], rows: np.ndarray | None):
    """One binary logistic head per unit seen as co unit at least CO_MIN_EXAMPLES times in `rows`
    (None: all but every fifth sample, which is kept for calibration)."""
    if rows is None:
        rows = np.flatnonzero(np.arange(len(samples)) % 5 != 4)
    if len(rows) > CO_MAX_ROWS:  # the heads learn as well from a spread-out share (training time)
        rows = rows[np.linspace(0, len(rows) - 1, CO_MAX_ROWS).astype(np.int64)]
    counts: dict = {}
    for i in rows:
        for c in set(samples[i].cos):
            counts[c] = counts.get(c, 0) + 1
    Xf = X[rows]
    co_units, Ws, bs = [], [], []
    for c in sorted((c for c, n in counts.items() if n >= CO_MIN_EXAMPLES), key=str):
        yc = np.array([c in samples[i].cos for i in rows])
        if yc.all() or not yc.any():
            continue
        clf = SGDClassifier(loss="log_loss", alpha=1e-4, max_iter=3, tol=None, random_state=0)
        clf.fit(Xf, yc)
        sign = 1.0 if clf.classes_[1] else -1.0
        co_units.append(c)
        Ws.append(sign * clf.coef_[0])
        bs.append(sign * clf.intercept_[0])
    co_W = np.vstack(Ws).astype(np.float32) if Ws else None
    co_b = np.array(bs, dtype=np.float32) if bs else None
    return co_units, co_W, co_b


def _co_scored(X, samples, co_units, co_W, co_b) -> list[tuple[float, bool]]:
    """(probability, right?) of the top co suggestions (other than the true lead) of each sample."""
    if not co_units:
        return []
    C = 1.0 / (1.0 + np.exp(-(np.asarray(X @ co_W.T) + co_b)))
    scored = []
    for s, row in zip(samples, C):
        actual = set(s.cos)
        for i in np.argsort(-row)[:3]:
            u = co_units[i]
            if u != s.lead:
                scored.append((float(row[i]), u in actual))
    return scored


def _co_threshold(X, samples: list[Sample], model: Model) -> float:
    """The lowest co-unit probability at which suggestions were right CO_PRECISION_TARGET of the
    time on history the heads did not see; CO_NEVER when no threshold reaches it, e.g. when the
    history has no pattern of co units."""
    if not model.co_units:
        return CO_NEVER
    n = len(samples)
    if n >= SMALL:
        calib = np.arange(4, n, 5)
        scored = _co_scored(X[calib], [samples[i] for i in calib], model.co_units, model.co_W, model.co_b)
    else:
        scored = []
        fold = np.arange(n) % 5
        for k in range(5):
            held = np.flatnonzero(fold == k)
            if held.size == 0:
                continue
            heads = _co_heads(X, samples, np.flatnonzero(fold != k))
            scored += _co_scored(X[held], [samples[i] for i in held], *heads)
    return calibrated_threshold(scored, CO_PRECISION_TARGET, min_support=CO_MIN_SUPPORT, floor=CO_FLOOR)


def calibrated_threshold(scored: list[tuple[float, bool]], target: float, *, min_support: int = 5, floor=0.0):
    """The lowest score t such that the suggestions scoring ≥ t are right at least `target` of the
    time (and there are at least `min_support` of them); CO_NEVER if there is none."""
    best = CO_NEVER
    hits = 0
    for n, (score, ok) in enumerate(sorted(scored, key=lambda x: -x[0]), start=1):
        hits += ok
        if n >= min_support and hits / n >= target and score >= floor:
            best = score
    return best


def evaluate(train_samples: list[Sample], test_samples: list[Sample]) -> dict:
    """Top-1 / top-3 accuracy of the lead unit on `test_samples` (and co-unit recall@3)."""
    t0 = time.perf_counter()
    model = train(train_samples)
    seconds = time.perf_counter() - t0
    preds = model.predict([s.tokens for s in test_samples], top=3)
    top1 = top3 = 0
    co_hit = co_total = 0
    for s, (leads, cos) in zip(test_samples, preds):
        names = [u for u, _ in leads]
        top1 += bool(names) and names[0] == s.lead
        top3 += s.lead in names[:3]
        guessed = {u for u, p in cos[:3] if u != (names[0] if names else None)}
        co_total += len(s.cos)
        co_hit += len(guessed & set(s.cos))
    n = len(test_samples)
    return {
        "train": len(train_samples),
        "test": n,
        "top1": top1 / n if n else None,
        "top3": top3 / n if n else None,
        "co_recall_at3": co_hit / co_total if co_total else None,
        "train_seconds": round(seconds, 3),
    }


def dumps(model: Model) -> bytes:
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    return buf.getvalue()


def loads(blob: bytes) -> Model:
    return joblib.load(io.BytesIO(bytes(blob)))


# --- samples from the database ---------------------------------------------------------------------


def samples_from_db(*, sessions=None) -> list[Sample]:
    """One sample per assigned proposal: its lead (or sole / first separate) unit and its co units."""

    qs = Assignment.objects.filter(parent__isnull=True).exclude(state=AssignmentState.WITHDRAWN)
    if sessions is not None:
        qs = qs.filter(proposal__session__in=sessions)
    rows = qs.order_by("proposal_id", "id").values_list("proposal_id", "unit_id", "role", "proposal__session_id")
    by_p: dict[int, dict] = {}
    for pid, unit, role, sess in rows:
        d = by_p.setdefault(pid, {"lead": None, "sep": [], "cos": [], "session": sess})
        if role in (AssignmentRole.LEAD, AssignmentRole.SOLE):
            d["lead"] = unit
        elif role == AssignmentRole.SEPARATE:
            d["sep"].append(unit)
        else:
            d["cos"].append(unit)
    tokens = dict(
        SearchDoc.objects.filter(kind=DocKind.PROPOSAL, object_id__in=list(by_p)).values_list("object_id", "tokens")
    )
    missing = [pid for pid in by_p if pid not in tokens]
    if missing:
        for pid, title, content in Proposal.objects.filter(pk__in=missing).values_list("pk", "title", "content"):
            tokens[pid] = doc_tokens(title, content)
    out = []
    for pid, d in by_p.items():
        lead = d["lead"] if d["lead"] is not None else (d["sep"][0] if d["sep"] else None)
        if lead is None:
            continue
        cos = tuple(u for u in d["cos"] + d["sep"] if u != lead)
        out.append(Sample(tokens=tokens.get(pid, ""), lead=lead, cos=cos, group=d["session"]))
    return out


class _Loaded:
    """The newest stored model, loaded once per process (checked every few seconds)."""

    CHECK_EVERY = 5.0

    def __init__(self):
        self._lock = threading.Lock()
        self._id = None
        self._model = None
        self._checked = 0.0

    def get(self):
        now = time.monotonic()
        if self._model is not None and now - self._checked < self.CHECK_EVERY:
            return self._id, self._model
        with self._lock:
            latest = RecommenderModel.objects.order_by("-id").values_list("id", flat=True).first()
            self._checked = now
            if latest is None:
                self._id, self._model = None, None
            elif latest != self._id:
                row = RecommenderModel.objects.get(pk=latest)
                self._id, self._model = latest, loads(row.blob)
        return self._id, self._model

    def clear(self):
        with self._lock:
            self._id, self._model, self._checked = None, None, 0.0


loaded = _Loaded()
