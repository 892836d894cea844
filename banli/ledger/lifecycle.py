"""The ledger import job's state machine (see banli/lifecycle.py).

A job is born after validation, either 待确认导入 (`IMPORT_JOB.start()`) or, when the file has
problems, 校验未通过 (`born_invalid()`, final). Confirmation queues it, one worker claims it
(running), and it ends done or failed:

    validated → queued → running → done
                      ↘ failed  ↘ failed
"""

from __future__ import annotations

from banli.lifecycle import Lifecycle

from .models import JobStatus

S = JobStatus

IMPORT_JOB = Lifecycle(
    name="台账导入任务",
    field="status",
    choices=JobStatus,
    transitions={
        S.VALIDATED: {S.QUEUED},
        S.QUEUED: {S.RUNNING, S.FAILED},
        S.RUNNING: {S.DONE, S.FAILED},
        S.INVALID: set(),
        S.DONE: set(),
        S.FAILED: set(),
    },
    initial=S.VALIDATED,
)


def born_invalid() -> dict:
    """The field's value for a job whose file failed validation: final, it never runs."""
    return {IMPORT_JOB.field: S.INVALID}
