"""Background task functions of text intelligence (run inline, or on the RQ queue when Redis is set)."""

from __future__ import annotations

from banli.cases.models import Session
from banli.notify.tasks import enqueue as project_enqueue
from banli.orgs.models import User


def train_task(actor_id: int | None = None) -> dict:
    """Retrain the unit recommender from the database and store it."""

    from .services import recommender_train

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    row = recommender_train(actor=actor)
    return {"model_id": row.pk, "samples": row.n_samples, "seconds": row.seconds}


def refresh_task(daily: bool = False) -> int | None:
    """Retrain the unit recommender if the history changed (after an import; daily from the scan)."""
    from .services import recommender_refresh

    row = recommender_refresh(daily=daily)
    return row.pk if row else None


def reindex_session_task(session_id: int | None = None) -> int:
    """Rebuild the search documents of a session (after a bulk import), or of everything."""

    from .index import index_session

    return index_session(Session.objects.get(pk=session_id) if session_id else None)


def enqueue(func, *args, **kwargs):
    """On the project's queue when there is one (banli.notify.tasks), else right away."""
    return project_enqueue(func, *args, **kwargs)
