"""The task queue: the same functions run inline, from the worker loop, or on RQ.

With REDIS_URL set, `enqueue()` puts a task function on the `banli` queue and `run_rq_worker` runs
an RQ worker that also enqueues one periodic task at an interval; without Redis, `enqueue()` runs
the function right away.
"""

from __future__ import annotations

import os

QUEUE = "banli"


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "").strip()


def enqueue(func, *args, **kwargs):
    """Run `func` on the RQ queue when Redis is configured, else right away."""
    url = redis_url()
    if not url:
        return func(*args, **kwargs)
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url)).enqueue(func, *args, **kwargs)


def run_rq_worker(periodic, *, name: str, interval_minutes: int = 15) -> None:  # pragma: no cover - needs Redis
    """An RQ worker on the `banli` queue that also enqueues `periodic` every `interval_minutes`."""
    import threading
    import time

    from redis import Redis
    from rq import Queue, Worker

    conn = Redis.from_url(redis_url())
    queue = Queue(QUEUE, connection=conn)

    def tick():
        # Several workers may enqueue the same tick; `periodic` itself must be idempotent.
        while True:
            queue.enqueue(periodic, job_id=f"{name}-{int(time.time() // (interval_minutes * 60))}")
            time.sleep(interval_minutes * 60)

    threading.Thread(target=tick, daemon=True).start()
    Worker([queue], connection=conn).work()
