"""Importing a ledger: validate the whole file, then write it in one transaction (or nothing)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO

from django.db import IntegrityError, transaction

from banli.cases.models import Session
from banli.crashpoints import crash_point
from banli.errors import DomainError
from banli.orgs.models import Org
from banli.textintel.tasks import index_session_on_commit

from .plan import LedgerInvalid, LedgerPlan, ProgressFn
from .validation import ledger_validate
from .writing import write


def ledger_import(
    *,
    actor,
    session: Session,
    source: str | Path | IO[bytes],
    filename: str = "",
    create_orgs: bool = False,
    org_parent: Org | None = None,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    today: dt.date | None = None,
) -> LedgerPlan:
    """Validate the whole ledger, then import it in one transaction (or nothing).

    Raises LedgerInvalid (listing every problem) and writes nothing when any row is bad.
    With dry_run the validated plan is returned and nothing is written. Otherwise the plan's
    counts are what was created; a re-import of the same file creates nothing and records no
    audit event. Audit: one `ledger.import` event per proposal touched plus one summary event.
    """
    progress = progress or (lambda f, s: None)
    progress(0.0, "正在校验")
    plan = ledger_validate(
        actor=actor,
        session=session,
        source=source,
        filename=filename,
        create_orgs=create_orgs,
        org_parent=org_parent,
        today=today,
    )
    if not plan.ok:
        raise LedgerInvalid(plan)
    if dry_run:
        return plan
    progress(0.2, "正在写入")
    try:
        with transaction.atomic():
            write(plan, actor, org_parent, progress)
            # bulk_create fires no save signals: index the session's texts once it commits
            # (only when the import wrote something: a re-import changes nothing).
            if any(v for k, v in plan.counts.items() if not k.endswith("_existing")):
                index_session_on_commit(session)
            crash_point("ledger.import.written")  # everything written, nothing committed
    except IntegrityError:
        raise DomainError("导入时其他人修改了本届会议的数据（可能同时导入了同一台账），未导入任何数据，请重新导入。")
    progress(1.0, "已完成")
    return plan
