"""Crash injection for the kill -9 tests (tests/test_crash_recovery.py).

`crash_point("name")` does nothing unless the environment variable BANLI_CRASH_AT names that point:
`BANLI_CRASH_AT=name` ends the process the first time the point is reached, `name:N` the N-th time,
with `os._exit(137)` — no exception handlers, no `finally`, no atexit, no transaction commit or
rollback from Python: to the database it is the same as `kill -9`. The points sit where an
interruption is most likely to leave half-done work (inside a transaction before its commit, or
between two committed steps of a batch). Never set the variable in production.
"""

from __future__ import annotations

import os

_passes: dict[str, int] = {}


def crash_point(name: str) -> None:
    spec = os.environ.get("BANLI_CRASH_AT")
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= int(nth or 1):
        os._exit(137)
