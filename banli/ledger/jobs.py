"""Ledger import jobs (the web page): upload and validate, confirm, run in the background."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from banli.cases.models import Session
from banli.errors import DomainError, NotFound

from .importing import ledger_import
from .lifecycle import IMPORT_JOB, born_invalid
from .models import ImportJob, JobStatus
from .plan import LedgerInvalid, require_importer
from .validation import ledger_validate

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
log = logging.getLogger(__name__)


def _job_progress_key(job_id: int) -> str:
    return f"banli:ledger-job:{job_id}"


def job_live_progress(job) -> tuple[int, str]:
    """The running job's progress (percent, phase).

    The import is one transaction, so its progress cannot be committed to the job row while it
    runs (on SQLite the writer holds the only write lock). It goes to the cache instead: exact
    within one process, or across processes with a shared cache (Redis); otherwise the page
    shows the last committed phase.
    """
    from django.core.cache import cache

    live = cache.get(_job_progress_key(job.pk))
    if live and job.status == "running":
        return live
    return job.progress, job.get_status_display()


def import_job_create(*, actor, session: Session, upload, create_orgs: bool = False):
    """Store an uploaded ledger and validate it at once; the report is on the returned job."""
    require_importer(actor, session)
    if actor is None:
        raise NotFound()
    name = Path(getattr(upload, "name", "") or "台账.xlsx").name[:200]
    if not name.lower().endswith(".xlsx"):
        raise DomainError("请上传 Excel .xlsx 格式的台账（.xls 请先在 Excel 中另存为 .xlsx）。", field="file")
    if upload.size > MAX_UPLOAD_BYTES:
        raise DomainError(f"文件过大（{upload.size // 1024 // 1024} MB），台账不能超过 20 MB。", field="file")
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":  # an .xlsx is a zip archive
        raise DomainError(
            "文件内容不是 .xlsx 格式（可能只是改了扩展名），请在 Excel 中另存为 .xlsx 后上传。", field="file"
        )
    plan = ledger_validate(actor=actor, session=session, source=upload, filename=name, create_orgs=create_orgs)
    upload.seek(0)
    with transaction.atomic():
        job = ImportJob(
            session=session,
            filename=name,
            create_orgs=create_orgs,
            created_by=actor,
            rows=plan.rows,
            **(IMPORT_JOB.start() if plan.ok else born_invalid()),
            planned=plan.counts,
            errors=[p.as_dict() for p in plan.errors],
            warnings=plan.warnings,
        )
        job.file.save(name, upload, save=False)
        job.save()
    return job


def _job_move(job_id: int, old: str, to: str, *, action: str, **fields) -> bool:
    """Move a job `old → to` as IMPORT_JOB allows, claimed by a conditional UPDATE (the row must
    still be `old`, so two workers never both move it); False when another got there first."""
    return IMPORT_JOB.claim(ImportJob.objects.filter(pk=job_id), old, to, action=action, **fields)


def import_job_confirm(*, actor, job):
    """Confirm a validated job; the import starts in the background once this commits."""
    require_importer(actor, job.session)
    if actor is None:
        raise NotFound()
    with transaction.atomic():
        j = ImportJob.objects.select_for_update().get(pk=job.pk)
        IMPORT_JOB.move(j, JobStatus.QUEUED, action="确认导入")
        j.progress = 0
        j.save(update_fields=["status", "progress"])
        transaction.on_commit(lambda: job_launch(j.pk), robust=True)
    return j


def job_launch(job_id: int) -> None:
    """Run the job in a background thread of this process (tests replace this to run inline)."""
    import threading

    threading.Thread(target=_job_thread, args=(job_id,), name=f"ledger-import-{job_id}", daemon=True).start()


def _job_thread(job_id: int) -> None:
    from django.db import connections

    try:
        import_job_run(job_id)
    finally:
        connections.close_all()


def import_job_run(job_id: int) -> None:
    """Import a confirmed job's file: validates again (the data may have changed), then writes."""
    from django.core.cache import cache

    job = ImportJob.objects.select_related("session__body", "created_by").get(pk=job_id)
    if job.status != JobStatus.QUEUED:
        return
    now = timezone.now()
    if not _job_move(
        job.pk,
        JobStatus.QUEUED,
        JobStatus.RUNNING,
        action="开始导入",
        started_at=now,
        progress=1,
        worker=worker_id(),
        heartbeat_at=now,
    ):
        return
    key = _job_progress_key(job.pk)

    def progress(fraction: float, phase: str) -> None:
        cache.set(key, (max(1, min(99, int(fraction * 100))), phase), 3600)

    beating = _heartbeat(job.pk)
    try:
        result = _run_import(job, progress)
    finally:
        beating.set()
    _job_move(job.pk, JobStatus.RUNNING, result.pop("status"), action="结束导入", finished_at=timezone.now(), **result)
    cache.delete(key)


HEARTBEAT_SECONDS = 30
STALE_AFTER = dt.timedelta(hours=2)  # no heartbeat for this long, wherever the job ran
QUEUED_GRACE = dt.timedelta(minutes=10)  # confirmed but never started (the process died first)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _heartbeat(job_id: int) -> threading.Event:
    """Refresh the job's heartbeat every HEARTBEAT_SECONDS from a thread of its own (its own
    connection, so each beat commits). Not on SQLite: the import's transaction holds the only
    write lock there; the scan then judges by whether the worker process is alive."""
    from django.db import connection, connections

    done = threading.Event()
    if connection.vendor == "sqlite":
        return done

    def beat():
        try:
            while not done.wait(HEARTBEAT_SECONDS):
                ImportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat only makes the job look older
            log.exception("heartbeat of ledger import job %s failed", job_id)
        finally:
            connections.close_all()

    threading.Thread(target=beat, name=f"ledger-heartbeat-{job_id}", daemon=True).start()
    return done


def _process_gone(worker: str) -> bool:
    """Whether `worker` ("host:pid") is a process of this host that no longer runs."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def import_jobs_recover(now=None) -> dict:
    """The periodic scan's step: a running job whose process is gone (or silent for STALE_AFTER)
    is marked failed, nothing having been written (the import is one transaction); a confirmed
    job that never started is started here."""
    now = now or timezone.now()
    failed = started = 0
    for job in ImportJob.objects.filter(status=JobStatus.RUNNING).only("id", "worker", "heartbeat_at", "started_at"):
        seen = job.heartbeat_at or job.started_at or now
        if _process_gone(job.worker) or seen < now - STALE_AFTER:
            message = "导入进程已中断（服务重启或进程被终止），未导入任何数据。请重新上传台账并确认导入。"
            if _job_move(
                job.pk,
                JobStatus.RUNNING,
                JobStatus.FAILED,
                action="导入中断",
                finished_at=now,
                errors=[{"row": 0, "column": "", "message": message}],
            ):
                failed += 1
    for job_id in ImportJob.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - QUEUED_GRACE).values_list(
        "pk", flat=True
    ):
        import_job_run(job_id)
        started += 1
    return {"import_jobs_failed": failed, "import_jobs_started": started}


def _run_import(job, progress) -> dict:
    """The job's outcome: its final status and what the page shows (counts or problems)."""
    try:
        with job.file.open("rb") as fh:
            plan = ledger_import(
                actor=job.created_by,
                session=job.session,
                source=fh,
                filename=job.filename,
                create_orgs=job.create_orgs,
                progress=progress,
            )
        return dict(status=JobStatus.DONE, counts=plan.counts, warnings=plan.warnings, progress=100)
    except LedgerInvalid as e:
        return dict(status=JobStatus.FAILED, errors=[p.as_dict() for p in e.problems], warnings=e.plan.warnings)
    except DomainError as e:
        return dict(status=JobStatus.FAILED, errors=[{"row": 0, "column": "", "message": e.message}])
    except Exception:  # keep the page honest if anything unexpected happens; the log has the trace
        import logging

        logging.getLogger(__name__).exception("ledger import job %s failed", job.pk)
        message = "导入时发生系统错误，未导入任何数据。请联系系统管理员。"
        return dict(status=JobStatus.FAILED, errors=[{"row": 0, "column": "", "message": message}])
