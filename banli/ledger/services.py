"""Ledger (台账) import and export, SPEC §11: the app's public actions, gathered from its parts.

* `reading` — the .xlsx read into typed rows (`format` holds the columns and value words);
* `validation` — `ledger_validate`: every row checked against the file and the database;
* `writing` — one writer per kind of record (proposals, assignments, replies, follow-ups,
  contacts, evaluations, the audit trail), run by `importing.ledger_import` in one transaction;
* `export` — `ledger_rows` / `ledger_export` and the exporter's scope;
* `jobs` — the web page's import jobs (upload, confirm, background run).

Decisions worth knowing:
* Import reads the whole .xlsx, validates every row against the file itself and the database,
  and reports each problem as “第N行 列名：问题”. Only a file without problems is written, in one
  transaction; rows already in the system (same session + 编号 + 承办单位) are left as they are,
  so importing the same file twice changes nothing the second time.
* Proposal-level columns (标题, 领衔人 …) may be repeated on every row of a proposal or left
  blank after its first row (merged cells); two different non-blank values are a problem.
* A proposal already in the session must agree with the file on 标题, 领衔人, 立案状态 and 并入编号;
  an existing (编号, 承办单位) must agree on 办理方式. Other progress recorded in the ledger for
  rows already in the system is not re-imported (the system is the source of truth once a case
  lives in it) — the report says how many rows were skipped.
* --create-orgs creates a missing 承办单位 as a top-level unit (outside every coordinator's
  subtree, like 市中级人民法院), or under `org_parent` when given; body staff see it at once,
  and an administrator can move it in the org tree.
* The ledger lists the top-level assignments of a session (what the body assigned). A
  district's sub-assignments to its own units are its internal distribution and stay out of it.
* A missing 交办日期 is the import day (one warning says how many rows).
"""

from __future__ import annotations

from .export import export_scope, ledger_export, ledger_rows
from .importing import ledger_import
from .jobs import (
    MAX_UPLOAD_BYTES,
    _job_progress_key,
    import_job_confirm,
    import_job_create,
    import_job_run,
    job_launch,
    job_live_progress,
)
from .plan import COUNT_LABELS, LedgerInvalid, LedgerPlan, Problem, RowAssignment, RowProposal
from .validation import ledger_validate

__all__ = [
    "COUNT_LABELS",
    "MAX_UPLOAD_BYTES",
    "LedgerInvalid",
    "LedgerPlan",
    "Problem",
    "RowAssignment",
    "RowProposal",
    "_job_progress_key",
    "export_scope",
    "import_job_confirm",
    "import_job_create",
    "import_job_run",
    "job_launch",
    "job_live_progress",
    "ledger_export",
    "ledger_import",
    "ledger_rows",
    "ledger_validate",
]
