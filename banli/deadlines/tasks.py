"""The deadlines' periodic step: reminders, supervision checks, and closing what is due.

`banli remind` runs it once; `banli worker` runs it every few minutes as part of the whole
periodic scan (banli.site.periodic), inline or on RQ when REDIS_URL is set.
"""

from __future__ import annotations

import datetime as dt

from banli.handling.services import assignment_close_due

from .services import remind_scan


def remind_task(today: str | None = None) -> dict:
    """The periodic scan: send due reminders, then close replied cases whose evaluation window
    passed (recorded as 未评价). Both are idempotent. `today` as YYYY-MM-DD for time travel."""
    day = dt.date.fromisoformat(today) if today else None
    result = remind_scan(today=day)
    closed = assignment_close_due(on=day)
    if isinstance(result, dict):
        result = {**result, "closed_unevaluated": len(closed)}
    return result
