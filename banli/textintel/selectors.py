"""Reads of text intelligence, always within the user's scope (SPEC §2, §10)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from banli.cases.models import (
    Assignment,
    AssignmentState,
    Proposal,
    ReviewState,
    Session,
)
from banli.cases.selectors import assignment_scope_q, proposal_scope_q, sessions_visible_to, user_body, user_unit
from banli.cases.services import assignable_units, is_body_staff_of
from banli.errors import NotFound
from banli.orgs.models import Org, Role
from banli.orgs.roles import OVERSEERS, STAFF, UNIT

from . import recommender, similarity
from .models import DocKind, Recommendation, RecommenderModel, SearchDoc
from .text import doc_tokens, query_terms, search_phrases

STAFF_ROLES = STAFF
UNIT_ROLES = UNIT
MERGEABLE = (ReviewState.SUBMITTED, ReviewState.ACCEPTED)


# --- search ---------------------------------------------------------------------------------------


def doc_scope_q(user) -> Q:
    """Q over SearchDoc: proposals in scope; sent replies (any reply for the unit's own people);
    contacts only for those who may see the assignment's internal work."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    props = Proposal.objects.filter(proposal_scope_q(user)).values("pk")
    assigns = Assignment.objects.filter(assignment_scope_q(user)).values("pk")
    own_unit = Q(pk__in=[])
    if user.has_role(*UNIT_ROLES):
        unit = user_unit(user)
        if unit is not None:
            own_unit = Q(assignment__unit__path__startswith=unit.path)
    internal = own_unit
    if user.has_role(Role.BODY_STAFF):
        body = user_body(user)
        if body is not None:
            internal |= Q(body_org=body)
    if user.has_role(Role.COORDINATOR) and user.org_id:
        internal |= Q(assignment__unit__path__startswith=user.org.path)
    return (
        (Q(kind=DocKind.PROPOSAL) & Q(proposal__in=props))
        | (Q(kind=DocKind.REPLY) & Q(assignment__in=assigns) & (Q(state="sent") | own_unit))
        | (Q(kind=DocKind.CONTACT) & Q(assignment__in=assigns) & internal)
    )


def _fts_filter(qs: QuerySet, phrases: list[list[str]], op: str) -> QuerySet:
    """Documents whose `grams` hold every phrase (op AND) or any (OR), ranked (lower is better)."""
    if connection.vendor == "postgresql":

        def pg_phrase(p: list[str]) -> str:
            quoted = ["'" + t.replace("\\", "").replace("'", "''") + "'" for t in p]
            if len(quoted) == 1 and len(p[0]) == 1:
                return quoted[0] + ":*"  # one character: any bigram it starts, or the end of a run
            return "(" + " <-> ".join(quoted) + ")"

        tsq = f" {'&' if op == 'AND' else '|'} ".join(pg_phrase(p) for p in phrases)
        return qs.extra(where=["textintel_searchdoc.tsv @@ to_tsquery('simple', %s)"], params=[tsq]).annotate(
            rank=RawSQL("-ts_rank(textintel_searchdoc.tsv, to_tsquery('simple', %s))", [tsq])
        )

    def fts_phrase(p: list[str]) -> str:
        phrase = '"' + " ".join(t.replace('"', '""') for t in p) + '"'
        return phrase + "*" if len(p) == 1 and len(p[0]) == 1 else phrase

    match = f" {op} ".join(fts_phrase(p) for p in phrases)
    fts = "textintel_searchdoc_fts"
    return qs.filter(id__in=RawSQL(f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s", [match])).annotate(
        rank=RawSQL(
            f"(SELECT bm25({fts}) FROM {fts} WHERE {fts} MATCH %s AND rowid = textintel_searchdoc.id)", [match]
        )
    )


@dataclass
class SearchResult:
    terms: list[str]
    docs: QuerySet
    any_term: bool = False  # no document had every term; these have some


def search(user, q: str, *, kind: str = "", session: Session | None = None) -> SearchResult:
    """Ranked documents matching every term of `q` (or, failing that, any term), in scope."""
    terms = query_terms(q or "")[:12]
    phrases = search_phrases(q or "")[:12]
    base = SearchDoc.objects.filter(doc_scope_q(user))
    if kind in DocKind.values:
        base = base.filter(kind=kind)
    if session is not None:
        base = base.filter(session=session)
    if not terms or not phrases:
        return SearchResult(terms=[], docs=base.none())
    docs = _fts_filter(base, phrases, "AND")
    any_term = False
    if len(phrases) > 1 and not docs.exists():
        docs, any_term = _fts_filter(base, phrases, "OR"), True
    docs = docs.select_related("proposal", "session").order_by("rank", "-id")
    return SearchResult(terms=terms, docs=docs, any_term=any_term)


# --- similar proposals ------------------------------------------------------------------------------


def can_see_similar(user) -> bool:
    return user.is_authenticated and user.has_role(*STAFF_ROLES)


@dataclass
class SimilarItem:
    proposal: Proposal
    score: float
    terms: list[str]
    same_session: bool
    visible: bool
    handled: list[dict] = field(default_factory=list)
    can_merge: bool = False
    bridges: list = field(default_factory=list)


def _query_tokens(*, proposal_id: int | None, title: str = "", content: str = "") -> str:
    """The indexed tokens of a proposal (its text if not indexed yet), or of the given text."""
    if proposal_id is not None:
        doc = SearchDoc.objects.filter(kind=DocKind.PROPOSAL, object_id=proposal_id).values_list("tokens", flat=True)
        if doc:
            return doc[0]
        if not (title or content):
            row = Proposal.objects.filter(pk=proposal_id).values_list("title", "content").first()
            title, content = row or ("", "")
    return doc_tokens(title, content)


def with_bridges(index, q_tokens: str, hits: list) -> list:
    """Fill each hit's bridging related terms (one query for the hits' texts; none when no pair
    is confirmed)."""
    if not index.vectors.bridge_pairs or not hits:
        return hits
    tokens = dict(
        SearchDoc.objects.filter(kind=DocKind.PROPOSAL, object_id__in=[h.proposal_id for h in hits]).values_list(
            "object_id", "tokens"
        )
    )
    for h in hits:
        h.bridges = similarity.bridges_between(index.vectors, q_tokens, tokens.get(h.proposal_id, ""))
    return hits

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _handled(pids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    rows = (
        Assignment.objects.filter(proposal_id__in=pids, parent__isnull=True)
        .exclude(state=AssignmentState.WITHDRAWN)
        .select_related("unit")
        .order_by("proposal_id", "role", "id")
    )
    for a in rows:
        out.setdefault(a.proposal_id, []).append(
            {
                "unit": a.unit.name,
                "role": a.get_role_display(),
                "result_class": a.result_class,
                "replied": a.first_reply_on is not None,
            }
        )
    return out


def visible_mask(user, index, body_id: int) -> np.ndarray | None:
    """Which rows of a body's similarity index `user` may see (None: all, the body's own staff).

    Neighbours are searched among these rows only, so a unit's staff never see the number,
    title or state of a proposal outside their scope, and the hidden ones are not counted.
    """
    if user.has_role(Role.BODY_STAFF) and getattr(user_body(user), "pk", None) == body_id:
        return None
    ids = Proposal.objects.filter(proposal_scope_q(user), session__body_id=body_id).values_list("pk", flat=True)
    return np.isin(index.ids, np.fromiter(ids, dtype=np.int64))


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


def _items(user, hits, *, session_id: int | None, source: Proposal | None = None) -> list[SimilarItem]:
    pids = [h.proposal_id for h in hits]
    props = Proposal.objects.filter(pk__in=pids).select_related("session")
    by_id = {p.pk: p for p in props}
    visible = set(Proposal.objects.filter(proposal_scope_q(user), pk__in=pids).values_list("pk", flat=True))
    handled = _handled(pids)
    staff_here = source is not None and is_body_staff_of(user, source.session.body)
    source_mergeable = (
        staff_here
        and source.review_state in MERGEABLE
        and not source.assignments.exclude(state=AssignmentState.WITHDRAWN).exists()
    )
    items = []
    for h in hits:
        p = by_id.get(h.proposal_id)
        if p is None:
            continue
        same = session_id is not None and p.session_id == session_id
        vis = p.pk in visible
        if not vis:  # the masks above already leave these out; never shown, never counted
            continue
        items.append(
            SimilarItem(
                proposal=p,
                score=h.score,
                terms=h.terms,
                same_session=same,
                visible=vis,
                handled=handled.get(p.pk, []) if vis else [],
                can_merge=bool(source_mergeable and same and p.review_state in MERGEABLE),
                bridges=h.bridges,
            )
        )
    return items


def similar_for_proposal(user, proposal: Proposal, *, top: int = 5) -> dict:
    """Top similar proposals of the same session and of past sessions of the proposal's body."""
    if not can_see_similar(user):
        return {"same": [], "past": []}
    index = similarity.cache.get(proposal.session.body_id)
    q = similarity.query_vector(index, proposal_id=proposal.pk, title=proposal.title, content=proposal.content)
    same_mask = index.sessions == proposal.session_id
    vis = visible_mask(user, index, proposal.session.body_id)
    exclude = {proposal.pk}
    scores = similarity.scores_for(index, q)
    same = similarity.neighbours(index, q, top=top, exclude=exclude, mask=_and(vis, same_mask), scores=scores)
    past = similarity.neighbours(index, q, top=top, exclude=exclude, mask=_and(vis, ~same_mask), scores=scores)
    q_tokens = _query_tokens(proposal_id=proposal.pk, title=proposal.title, content=proposal.content)
    with_bridges(index, q_tokens, same + past)
    return {
        "same": _items(user, same, session_id=proposal.session_id, source=proposal),
        "past": _items(user, past, session_id=proposal.session_id),
    }


def similar_for_text(user, *, body: Org, session: Session | None, title: str, content: str, top: int = 5) -> dict:
    if not can_see_similar(user) or not (title.strip() or content.strip()):
        return {"same": [], "past": []}
    index = similarity.cache.get(body.pk)
    q = similarity.query_vector(index, title=title, content=content)
    vis = visible_mask(user, index, body.pk)
    q_tokens = doc_tokens(title, content)
    if session is None:
        hits = with_bridges(index, q_tokens, similarity.neighbours(index, q, top=top, mask=vis))
        return {"same": [], "past": [], "any": _items(user, hits, session_id=None)}
    same_mask = index.sessions == session.pk
    scores = similarity.scores_for(index, q)
    same = similarity.neighbours(index, q, top=top, mask=_and(vis, same_mask), scores=scores)
    past = similarity.neighbours(index, q, top=top, mask=_and(vis, ~same_mask), scores=scores)
    with_bridges(index, q_tokens, same + past)
    return {"same": _items(user, same, session_id=session.pk), "past": _items(user, past, session_id=session.pk)}


def similar_cli(
    *,
    body_id: int,
    title: str = "",
    content: str = "",
    proposal_id: int | None = None,
    top: int = 5,
    session_id: int | None = None,
) -> list[similarity.Hit]:
    """Unscoped neighbours for the command line (an operator's tool)."""
    index = similarity.cache.get(body_id)
    q = similarity.query_vector(index, proposal_id=proposal_id, title=title, content=content)
    mask = None if session_id is None else index.sessions == session_id
    hits = similarity.neighbours(index, q, top=top, exclude={proposal_id} if proposal_id else set(), mask=mask)
    return with_bridges(index, _query_tokens(proposal_id=proposal_id, title=title, content=content), hits)


# --- merge suggestions ------------------------------------------------------------------------------


def session_for_staff(user, session_id) -> Session:
    s = Session.objects.select_related("body").filter(pk=session_id).first() if str(session_id).isdigit() else None
    if s is None or not is_body_staff_of(user, s.body):
        raise NotFound()
    return s


@dataclass
class MergePair:
    main: Proposal
    other: Proposal
    score: float
    terms: list[str]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


class MergeSuggestions:
    """Near-duplicate pairs, closest first; a page's proposals and shared terms load on slicing
    (a 10 000-proposal session can hold many pairs, and only one page is ever shown)."""

    def __init__(self, index, rows, I, J, V):
        self.index, self.rows, self.I, self.J, self.V = index, rows, I, J, V

    def __len__(self) -> int:
        return len(self.V)

    def count(self) -> int:
        return len(self.V)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        idx = range(len(self.V))[key]
        X = self.index.vectors.X
        ids = self.index.ids
        pairs = [(int(ids[self.rows[self.I[k]]]), int(ids[self.rows[self.J[k]]]), float(self.V[k]), k) for k in idx]
        props = {
            p.pk: p for p in Proposal.objects.filter(pk__in={a for a, _, _, _ in pairs} | {b for _, b, _, _ in pairs})
        }
        out = []
        for a_id, b_id, score, k in pairs:
            a, b = props.get(a_id), props.get(b_id)
            if a is None or b is None:
                continue
            main, other = (a, b) if (a.number, a.pk) <= (b.number, b.pk) else (b, a)
            terms = self.index.vectors.shared_terms(X[self.rows[self.I[k]]], X[self.rows[self.J[k]]])
            out.append(MergePair(main, other, score, terms))
        return out

    def __iter__(self):
        return iter(self[:])


def merge_suggestions(session: Session, *, threshold: float = similarity.DUPLICATE_SCORE) -> MergeSuggestions:
    """Near-duplicate pairs among the session's proposals still open to merging, closest first.

    The earlier-numbered proposal is suggested as the main one (主件).
    """
    index = similarity.cache.get(session.body_id)
    open_ids = set(
        Proposal.objects.filter(session=session, review_state__in=MERGEABLE)
        .exclude(assignments__state__in=[s for s in AssignmentState.values if s != AssignmentState.WITHDRAWN])
        .values_list("pk", flat=True)
    )
    rows = np.array([r for r, pid in enumerate(index.ids) if int(pid) in open_ids], dtype=np.int64)
    if rows.size < 2:
        empty = np.empty(0, np.int64)
        return MergeSuggestions(index, rows, empty, empty, np.empty(0, np.float32))
    I, J, V = similarity.pairs_above(index.vectors.X[rows], threshold)
    return MergeSuggestions(index, rows, I, J, V)


# --- clusters ---------------------------------------------------------------------------------------


def sessions_for_clusters(user) -> QuerySet[Session]:
    return sessions_visible_to(user).select_related("body")


def session_for_clusters(user, session_id) -> Session:
    if not user.has_role(*OVERSEERS):
        raise NotFound()
    s = sessions_for_clusters(user).filter(pk=session_id).first() if str(session_id).isdigit() else None
    if s is None:
        raise NotFound()
    return s


@dataclass
class Cluster:
    label: int
    terms: list[str]
    proposals: list[Proposal]

    @property
    def name(self) -> str:
        return "、".join(self.terms) if self.terms else "未归类"

    @property
    def size(self) -> int:
        return len(self.proposals)


def session_clusters(user, session: Session) -> list[Cluster]:
    """Topic clusters of the session's proposals visible to `user` (a unit sees its own share).

    Merged and not-accepted proposals are left out; singletons and proposals that fit no topic
    are gathered last as “未归类”.
    """
    ids = set(
        Proposal.objects.filter(proposal_scope_q(user), session=session)
        .exclude(review_state__in=[ReviewState.MERGED, ReviewState.NOT_ACCEPTED])
        .values_list("pk", flat=True)
    )
    return clusters_for_ids(session.body_id, ids)


def clusters_for_ids(body_id: int, ids: set[int]) -> list[Cluster]:
    index = similarity.cache.get(body_id)
    rows = np.array([r for r, pid in enumerate(index.ids) if int(pid) in ids], dtype=np.int64)
    if rows.size == 0:
        return []
    X = index.vectors.X[rows]
    labels, centroids = similarity.cluster_rows(X)
    props = {
        p.pk: p
        for p in Proposal.objects.filter(pk__in=[int(index.ids[r]) for r in rows]).prefetch_related(
            "assignments__unit"
        )
    }
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    clusters, rest = [], []
    for lab, members in groups.items():
        ps = [props[int(index.ids[rows[i]])] for i in members if int(index.ids[rows[i]]) in props]
        if lab < 0 or len(ps) < 2:
            rest.extend(ps)
            continue
        ps.sort(key=lambda p: p.number)
        clusters.append(Cluster(lab, index.vectors.top_terms(centroids[lab]), ps))
    clusters.sort(key=lambda c: (-c.size, c.name))
    for i, c in enumerate(clusters, 1):
        c.label = i
    if rest:
        rest.sort(key=lambda p: p.number)
        clusters.append(Cluster(0, [], rest))
    return clusters


# --- unit recommendation ----------------------------------------------------------------------------


@dataclass
class UnitScore:
    unit: Org
    score: float
    evidence: list[SimilarItem] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def recommend_for_text(*, tokens: str, top: int = 3, allowed_units=None):
    """([(unit_id, p)…], [(unit_id, p)…], model_id) from the stored model; None if none is trained."""
    model_id, model = recommender.loaded.get()
    if model is None:
        return None
    leads, cos = model.predict([tokens], top=max(top, 10))[0]
    if allowed_units is not None:
        allowed = set(allowed_units)
        leads = [x for x in leads if x[0] in allowed]
        cos = [x for x in cos if x[0] in allowed]
    return leads[:top], cos, model_id


def recommendation_view(user, proposal: Proposal, *, top: int = 3):
    """Recommended lead and co units for a proposal with the past proposals that explain them."""

    allowed = set(assignable_units(user, proposal).values_list("pk", flat=True))
    if not allowed:
        return None
    doc = (
        SearchDoc.objects.filter(kind=DocKind.PROPOSAL, object_id=proposal.pk).values_list("tokens", flat=True).first()
    )
    res = recommend_for_text(
        tokens=doc or doc_tokens(proposal.title, proposal.content), top=top, allowed_units=allowed
    )
    if res is None:
        return {"model_id": None, "leads": [], "cos": []}
    leads, cos, model_id = res
    lead_ids = [u for u, _ in leads]
    cos = [
        (u, p)
        for u, p in cos
        if p >= getattr(recommender.loaded.get()[1], "co_threshold", recommender.CO_SHOW_MIN)
        and (not lead_ids or u != lead_ids[0])
    ][:top]
    units = {o.pk: o for o in Org.objects.filter(pk__in=lead_ids + [u for u, _ in cos])}
    evidence = _evidence(user, proposal, list(lead_ids[:1] + [u for u, _ in cos]))
    return {
        "model_id": model_id,
        "leads": [UnitScore(units[u], p, evidence.get(u, [])) for u, p in leads if u in units],
        "cos": [UnitScore(units[u], p, evidence.get(u, [])) for u, p in cos if u in units],
    }


def _evidence(user, proposal: Proposal, unit_ids: list[int], per_unit: int = 3) -> dict[int, list[SimilarItem]]:
    """Past proposals most like this one that were assigned to each unit (what the panel shows)."""
    hits = evidence_hits(
        proposal.session.body_id,
        unit_ids,
        user=user,
        proposal_id=proposal.pk,
        title=proposal.title,
        content=proposal.content,
        per_unit=per_unit,
    )
    return {uid: _items(user, hs, session_id=proposal.session_id) for uid, hs in hits.items()}


def evidence_hits(
    body_id: int,
    unit_ids: list[int],
    *,
    user=None,
    proposal_id=None,
    title: str = "",
    content: str = "",
    per_unit: int = 3,
) -> dict[int, list[similarity.Hit]]:
    """For each unit, the past proposals most like the text that were assigned to it, among those
    `user` may see (all of them without a user: the command line)."""
    if not unit_ids:
        return {}
    index = similarity.cache.get(body_id)
    q_tokens = _query_tokens(proposal_id=proposal_id, title=title, content=content)
    if proposal_id is not None and proposal_id in index.row_of:
        q = index.vectors.X[index.row_of[proposal_id]]
    else:
        q = index.vectors.transform([q_tokens])
    vis = visible_mask(user, index, body_id) if user is not None else None
    exclude = {proposal_id} if proposal_id else set()
    hits = similarity.neighbours(index, q, top=60, exclude=exclude, min_score=0.1, mask=vis)
    if not hits:
        return {}
    rows = (
        Assignment.objects.filter(
            proposal_id__in=[h.proposal_id for h in hits], unit_id__in=unit_ids, parent__isnull=True
        )
        .exclude(state=AssignmentState.WITHDRAWN)
        .values_list("proposal_id", "unit_id")
    )
    units_of: dict[int, set] = {}
    for pid, uid in rows:
        units_of.setdefault(pid, set()).add(uid)
    chosen: dict[int, list] = {}
    for h in hits:
        for uid in units_of.get(h.proposal_id, ()):
            if len(chosen.setdefault(uid, [])) < per_unit:
                chosen[uid].append(h)
    with_bridges(index, q_tokens, [h for hs in chosen.values() for h in hs])
    return chosen


# --- explanations as plain data (CLI and API) ---------------------------------------------------------


def _hit_dicts(hits: list[similarity.Hit]) -> list[dict]:
    info = {
        pk: (number, title, code)
        for pk, number, title, code in Proposal.objects.filter(pk__in=[h.proposal_id for h in hits]).values_list(
            "pk", "number", "title", "session__code"
        )
    }
    return [
        {
            "id": h.proposal_id,
            "number": info[h.proposal_id][0],
            "session": info[h.proposal_id][2],
            "title": info[h.proposal_id][1],
            "score": round(h.score, 4),
            "shared_terms": list(h.terms),
            "bridges": [{"query_term": a, "related_term": b} for a, b in h.bridges],
        }
        for h in hits
        if h.proposal_id in info
    ]


def explain_similar(
    *, body_id: int, title: str = "", content: str = "", proposal_id=None, session_id=None, top: int = 5
) -> dict:
    """The similar proposals of a text or proposal with what explains each: the shared terms and
    the confirmed related terms that bridged different wording (what the web panel shows).
    Unscoped: for the command line and for callers that apply the user's scope themselves."""
    hits = similar_cli(
        body_id=body_id, title=title, content=content, proposal_id=proposal_id, top=top, session_id=session_id
    )
    return {
        "query": {"proposal_id": proposal_id, "title": title, "content": content},
        "duplicate_threshold": similarity.DUPLICATE_SCORE,
        "similar": [{**d, "duplicate": d["score"] >= similarity.DUPLICATE_SCORE} for d in _hit_dicts(hits)],
    }


def explain_recommendation(
    *, body_id: int | None = None, title: str = "", content: str = "", proposal_id=None, top: int = 3
) -> dict | None:
    """Recommended lead and co units with their probabilities and the past cases that drove each
    (the most similar past proposals assigned to the unit, with shared and bridging terms); co units
    only at or above the model's calibrated threshold. None when no model is trained."""
    tokens = _query_tokens(proposal_id=proposal_id, title=title, content=content)
    res = recommend_for_text(tokens=tokens, top=top)
    if res is None:
        return None
    leads, cos, model_id = res
    model = recommender.loaded.get()[1]
    threshold = getattr(model, "co_threshold", recommender.CO_SHOW_MIN)
    lead_ids = [u for u, _ in leads]
    cos = [(u, p) for u, p in cos if p >= threshold and (not lead_ids or u != lead_ids[0])][:top]
    names = dict(Org.objects.filter(pk__in=lead_ids + [u for u, _ in cos]).values_list("pk", "name"))
    evidence = {}
    if body_id is not None:
        evidence = evidence_hits(
            body_id, lead_ids + [u for u, _ in cos], proposal_id=proposal_id, title=title, content=content
        )

    def unit(u, p):
        return {
            "unit_id": u,
            "unit": names.get(u, str(u)),
            "score": round(p, 4),
            "cases": _hit_dicts(evidence.get(u, [])),
        }

    return {
        "model_id": model_id,
        "co_threshold": round(threshold, 4) if threshold <= 1 else None,
        "units": [unit(u, p) for u, p in leads],
        "co_units": [unit(u, p) for u, p in cos],
    }


def recommendation_accuracy() -> dict:
    """Running record of recommendations: how often staff's chosen lead was the top-1 / in the top 3."""
    decided = Recommendation.objects.filter(decided_at__isnull=False)
    n = decided.count()
    top1 = decided.filter(followed=True).count()
    top3 = decided.filter(in_top3=True).count()
    return {
        "shown": Recommendation.objects.count(),
        "decided": n,
        "followed": top1,
        "in_top3": top3,
        "top1_rate": top1 / n if n else None,
        "top3_rate": top3 / n if n else None,
        "recent": list(decided.select_related("proposal", "chosen_lead").order_by("-decided_at")[:20]),
        "model": RecommenderModel.objects.defer("blob").order_by("-id").first(),
    }
