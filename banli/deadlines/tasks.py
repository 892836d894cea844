"""The periodic deadline scan, run inline, from the worker loop, or on RQ (banli.notify.tasks).

Without Redis, `banli worker` (or cron calling `banli remind`) runs `remind_task` every few
minutes. With REDIS_URL set, `banli worker` becomes an RQ worker with its scheduler, and the
scan is enqueued on the `banli` queue at the interval.
"""

from __future__ import annotations

import datetime as dt

from banli.handling.services import assignment_close_due
from banli.notify import tasks as queue

from .services import remind_scan


def remind_task(today: str | None = None) -> dict:
    """The periodic scan: send due reminders, then close replied cases whose evaluation window
    passed (recorded as 未评价). Both are idempotent. `today` as YYYY-MM-DD for time travel."""
    day = dt.date.fromisoformat(today) if today else None
    result = remind_scan(today=day)
    closed = assignment_close_due(on=day)
    if isinstance(result, dict):
        result = {**result, "closed_unevaluated": len(closed)}
    try:
        from banli.textintel.tasks import refresh_task

        # Nightly: the unit recommender retrains itself when the assignment history changed.
        model_id = refresh_task(daily=True)
    except Exception:  # the reminders above must not be lost to a training failure
        import logging

        logging.getLogger(__name__).exception("recommender refresh failed")
        model_id = None
    if isinstance(result, dict):
        result["recommender_model"] = model_id
    return result


def run_rq_worker(*, interval_minutes: int = 15) -> None:  # pragma: no cover - needs a Redis server
    queue.run_rq_worker(remind_task, name="remind", interval_minutes=interval_minutes)
