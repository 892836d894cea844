"""The periodic scan `banli worker` runs: each app's own periodic step, in order.

Deadlines first (reminders, supervision checks, closing cases whose evaluation window passed),
then the audit chain's anchor outside the database (when BANLI_AUDIT_ANCHOR_FILE is set), then text
intelligence (the unit recommender retrains when the assignment history changed). The
steps live in their own apps; this module only composes them, so no domain app has to know about
an output app. Every step is idempotent: two workers running the same tick do no harm.
"""

from __future__ import annotations

import datetime as dt
import logging

from banli.api.webhooks import deliver_due
from banli.audit.anchor import anchor_file, audit_anchor
from banli.deadlines.tasks import remind_task
from banli.handling.services import commitment_due_notify
from banli.ledger.jobs import import_jobs_recover
from banli.notify import tasks as queue
from banli.notify.services import deliver_pending
from banli.security.services import security_prune
from banli.textintel.tasks import index_catch_up_task, refresh_task

log = logging.getLogger(__name__)


def periodic_task(today: str | None = None) -> dict:
    """One tick of the scan; `today` as YYYY-MM-DD for time travel. Returns the counts."""
    result = remind_task(today)
    result["commitments_due"] = commitment_due_notify(today=dt.date.fromisoformat(today) if today else None)
    if anchor_file() is not None:
        try:  # the day's anchor of the audit chain, outside the database
            result["audit_anchor"] = audit_anchor()[0]
        except Exception:  # a missing key is reported by `banli check`; reminders above stand
            log.exception("audit anchor failed")
            result["audit_anchor"] = None
    try:
        result["recommender_model"] = refresh_task(daily=True)
    except Exception:  # the reminders above must not be lost to a training failure
        log.exception("recommender refresh failed")
        result["recommender_model"] = None
    steps = (("import_jobs", import_jobs_recover), ("security_prune", security_prune), ("delivery", deliver_pending))
    for name, step in steps:
        try:
            result[name] = step()
        except Exception:
            log.exception("periodic step %s failed", name)
            result[name] = None
    try:
        # indexing after a commit that failed (logged only) or an import killed mid-way
        result["index_caught_up"] = index_catch_up_task()
    except Exception:
        log.exception("search index catch-up failed")
        result["index_caught_up"] = None
    try:
        result["webhook_retries"] = deliver_due()
    except Exception:  # the steps above must not be lost to a webhook failure
        log.exception("webhook retries failed")
        result["webhook_retries"] = None
    return result


def run_rq_worker(*, interval_minutes: int = 15) -> None:  # pragma: no cover - needs a Redis server
    queue.run_rq_worker(periodic_task, name="periodic", interval_minutes=interval_minutes)
