"""Keeping SearchDoc in step with proposals, replies and contacts.

Other apps' services own those writes, so the index follows them through post_save receivers
(registered in TextintelConfig.ready) that queue the changed object and flush the queue once
the transaction commits: a ledger import of thousands of proposals in one transaction is
indexed in batches after it commits, and a rolled-back write never reaches the index.
`bulk_create` fires no signal: callers of it run `index_session()` (or `banli reindex`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from banli.cases.models import Contact, Proposal, Reply

from .models import DocKind, SearchDoc
from .text import doc_tokens, search_grams

BATCH = 500
_pending = threading.local()


def _queue() -> set:
    q = getattr(_pending, "items", None)
    if q is None:
        q = _pending.items = set()
    return q


def enqueue(kind: str, pk: int) -> None:
    """Queue one object for reindexing after the current transaction commits."""
    _queue().add((kind, pk))
    transaction.on_commit(flush, robust=True)  # a failed reindex is logged, never fails the action


def flush() -> None:
    q = _queue()
    if not q:
        return
    items = list(q)
    q.clear()
    by_kind: dict[str, list[int]] = {}
    for kind, pk in items:
        by_kind.setdefault(kind, []).append(pk)
    for kind, pks in by_kind.items():
        reindex(kind, pks)


def _proposal_docs(pks: Iterable[int]) -> list[SearchDoc]:
    docs = []
    qs = (
        Proposal.objects.filter(pk__in=list(pks))
        .select_related("session")
        .only("id", "title", "content", "session_id", "session__body_id")
    )
    for p in qs:
        docs.append(
            SearchDoc(
                kind=DocKind.PROPOSAL,
                object_id=p.pk,
                proposal_id=p.pk,
                assignment_id=None,
                session_id=p.session_id,
                body_org_id=p.session.body_id,
                state="",
                title=p.title,
                body=p.content,
                tokens=doc_tokens(p.title, p.content),
                grams=search_grams(f"{p.title}\n{p.content}"),
            )
        )
    return docs


def _reply_docs(pks: Iterable[int]) -> list[SearchDoc]:
    docs = []
    qs = Reply.objects.filter(pk__in=list(pks)).select_related("assignment__proposal__session", "assignment__unit")
    for r in qs:
        a = r.assignment
        p = a.proposal
        title = f"{a.unit.name}对{p.number}《{p.title}》的答复"
        docs.append(
            SearchDoc(
                kind=DocKind.REPLY,
                object_id=r.pk,
                proposal_id=p.pk,
                assignment_id=a.pk,
                session_id=p.session_id,
                body_org_id=p.session.body_id,
                state=r.state,
                title=title[:300],
                body=r.text,
                tokens=doc_tokens("", r.text),
                grams=search_grams(r.text),
            )
        )
    return docs


def _contact_docs(pks: Iterable[int]) -> list[SearchDoc]:
    docs = []
    qs = Contact.objects.filter(pk__in=list(pks)).select_related("assignment__proposal__session", "assignment__unit")
    for c in qs:
        a = c.assignment
        p = a.proposal
        title = f"{a.unit.name}就{p.number}的沟通（{c.get_method_display()}，{c.on:%Y-%m-%d}）"
        text = "\n".join(x for x in (c.participants, c.summary) if x)
        docs.append(
            SearchDoc(
                kind=DocKind.CONTACT,
                object_id=c.pk,
                proposal_id=p.pk,
                assignment_id=a.pk,
                session_id=p.session_id,
                body_org_id=p.session.body_id,
                state=c.stage,
                title=title[:300],
                body=text,
                tokens=doc_tokens("", text),
                grams=search_grams(text),
            )
        )
    return docs


BUILDERS = {DocKind.PROPOSAL: _proposal_docs, DocKind.REPLY: _reply_docs, DocKind.CONTACT: _contact_docs}


def reindex(kind: str, pks: Iterable[int]) -> int:
    """(Re)build the documents of these objects; objects that no longer exist lose theirs."""
    pks = list(pks)
    n = 0
    for i in range(0, len(pks), BATCH):
        chunk = pks[i : i + BATCH]
        docs = BUILDERS[kind](chunk)
        with transaction.atomic():
            existing = {
                row[0]: row[1:]
                for row in SearchDoc.objects.filter(kind=kind, object_id__in=chunk).values_list(
                    "object_id", "id", "tokens", "title", "body", "state", "session_id", "grams"
                )
            }
            new, changed = [], []
            now = timezone.now()
            for d in docs:
                old = existing.pop(d.object_id, None)
                if old is None:
                    new.append(d)
                elif old[1:] != (d.tokens, d.title, d.body, d.state, d.session_id, d.grams):
                    d.id, d.updated_at = old[0], now
                    changed.append(d)
            if existing:
                SearchDoc.objects.filter(id__in=[v[0] for v in existing.values()]).delete()
            SearchDoc.objects.bulk_create(new)
            # one UPDATE per batch; the FTS trigger fires per row, and updated_at moves so the
            # similarity caches of every process notice the change
            SearchDoc.objects.bulk_update(
                changed,
                ["tokens", "grams", "title", "body", "state", "session", "body_org", "updated_at"],
                batch_size=BATCH,
            )
        n += len(docs)
    return n


def index_session(session=None, *, body=None) -> int:
    """Reindex every proposal, reply and contact of a session (or a body, or everything)."""
    pq = Proposal.objects.all()
    if session is not None:
        pq = pq.filter(session=session)
    if body is not None:
        pq = pq.filter(session__body=body)
    n = reindex(DocKind.PROPOSAL, pq.values_list("pk", flat=True))
    n += reindex(
        DocKind.REPLY, Reply.objects.filter(assignment__proposal__in=pq.values("pk")).values_list("pk", flat=True)
    )
    n += reindex(
        DocKind.CONTACT, Contact.objects.filter(assignment__proposal__in=pq.values("pk")).values_list("pk", flat=True)
    )
    return n


def reindex_containing(word: str) -> int:
    """Reindex the documents whose text contains `word` (after a user-dictionary edit)."""
    import zhconv
    from django.db.models import Q

    variants = {word, zhconv.convert(word, "zh-tw"), zhconv.convert(word, "zh-hk")}
    q = Q()
    for v in variants:
        q |= Q(title__contains=v) | Q(body__contains=v)
    n = 0
    for kind in DocKind.values:
        n += reindex(kind, SearchDoc.objects.filter(q, kind=kind).values_list("object_id", flat=True))
    return n


def stale_ids(kind: str, limit: int | None = None) -> list[int]:
    """Objects whose search document is missing or no longer holds their text.

    Indexing runs after the action commits and a failure there is only logged (the action
    stands); a killed import leaves its index partial. Both show up here and the periodic scan
    (`catch_up`) rebuilds them. Compared by content, not by time, so a save that changed no text
    (a review decision) is not stale.
    """
    docs = SearchDoc.objects.filter(kind=kind, object_id=OuterRef("pk"))
    if kind == DocKind.PROPOSAL:
        qs = Proposal.objects.filter(~Exists(docs.filter(title=OuterRef("title"), body=OuterRef("content"))))
    elif kind == DocKind.REPLY:
        qs = Reply.objects.filter(~Exists(docs.filter(body=OuterRef("text"), state=OuterRef("state"))))
    else:
        qs = Contact.objects.filter(~Exists(docs))
    ids = qs.order_by("pk").values_list("pk", flat=True)
    return list(ids[:limit] if limit else ids)


def catch_up(limit: int = 5000) -> int:
    """Reindex what `stale_ids` finds (at most `limit` objects of each kind per call); returns how many."""
    n = 0
    for kind in DocKind.values:
        ids = stale_ids(kind, limit)
        if ids:
            n += reindex(kind, ids)
    return n


# --- receivers -----------------------------------------------------------------------------------


def _on_proposal_save(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue(DocKind.PROPOSAL, instance.pk)


def _on_reply_save(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue(DocKind.REPLY, instance.pk)


def _on_contact_save(sender, instance, raw=False, **kwargs):
    if not raw:
        enqueue(DocKind.CONTACT, instance.pk)


def connect() -> None:
    from django.db.models.signals import post_save

    post_save.connect(_on_proposal_save, sender=Proposal, dispatch_uid="textintel_proposal")
    post_save.connect(_on_reply_save, sender=Reply, dispatch_uid="textintel_reply")
    post_save.connect(_on_contact_save, sender=Contact, dispatch_uid="textintel_contact")
