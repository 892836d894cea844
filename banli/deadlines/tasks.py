"""Background task functions: the same functions run inline, from the worker loop, or on RQ.

Without Redis, `banli worker` (or cron calling `banli remind`) runs `remind_task` every few
minutes. With REDIS_URL set, `banli worker` becomes an RQ worker with its scheduler, and the
scan is enqueued on the `banli` queue at the interval; `enqueue()` puts any task function on
the queue (and runs it inline when there is no Redis).
"""

from __future__ import annotations

import datetime as dt
import os

QUEUE = "banli"


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "").strip()


def remind_task(today: str | None = None) -> dict:
    """The periodic scan: send due reminders, then close replied cases whose evaluation window
    passed (recorded as 未评价). Both are idempotent. `today` as YYYY-MM-DD for time travel."""
    from banli.handling.services import assignment_close_due

    from .services import remind_scan

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


def enqueue(func, *args, **kwargs):
    """Run `func` on the RQ queue when Redis is configured, else right away."""
    url = redis_url()
    if not url:
        return func(*args, **kwargs)
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url)).enqueue(func, *args, **kwargs)


def run_rq_worker(*, interval_minutes: int = 15) -> None:  # pragma: no cover - needs a Redis server
    import threading
    import time

    from redis import Redis
    from rq import Queue, Worker

    conn = Redis.from_url(redis_url())
    queue = Queue(QUEUE, connection=conn)

    def tick():
        # Several workers may enqueue the same tick; the scan itself never double-sends.
        while True:
            queue.enqueue(remind_task, job_id=f"remind-{int(time.time() // (interval_minutes * 60))}")
            time.sleep(interval_minutes * 60)

    threading.Thread(target=tick, daemon=True).start()
    Worker([queue], connection=conn).work()
