"""Background task functions of text intelligence (run inline, or on the RQ queue when Redis is set)."""

from __future__ import annotations

from django.db import transaction

from banli.cases.models import Session
from banli.notify.tasks import enqueue as project_enqueue
from banli.orgs.models import User

from .index import catch_up, index_session
from .services import recommender_refresh, recommender_train, related_terms_learn


def train_task(actor_id: int | None = None) -> dict:
    """Retrain the unit recommender from the database and store it."""

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    row = recommender_train(actor=actor)
    return {"model_id": row.pk, "samples": row.n_samples, "seconds": row.seconds}


def refresh_task(daily: bool = False) -> int | None:
    """Retrain the unit recommender if the history changed (after an import; daily from the scan)."""
    row = recommender_refresh(daily=daily)
    if row:
        related_terms_learn()  # the same history changed: new suggestions for staff to review
    return row.pk if row else None


def reindex_session_task(session_id: int | None = None) -> int:
    """Rebuild the search documents of a session (after a bulk import), or of everything."""

    return index_session(Session.objects.get(pk=session_id) if session_id else None)


def index_catch_up_task() -> int:
    """Rebuild search documents a failed or interrupted indexing left missing or stale."""
    return catch_up()


def enqueue(func, *args, **kwargs):
    """On the project's queue when there is one (banli.notify.tasks), else right away."""
    return project_enqueue(func, *args, **kwargs)


def index_session_on_commit(session) -> None:
    """For bulk writers (ledger import): reindex the session once the transaction commits."""
    sid = session.pk
    transaction.on_commit(lambda: enqueue(reindex_session_task, sid), robust=True)
    # The history the unit recommender learns from changed: it retrains itself (not on a request).
    transaction.on_commit(lambda: enqueue(refresh_task), robust=True)
