"""The periodic scan recovers what a killed process left and prunes sign-in bookkeeping
(issue #19 item 10): a web import whose process died is marked failed (nothing was written), a
confirmed import that never started is run, login attempts and sessions past their retention go.
"""

import datetime as dt
import os
import socket

from django.contrib.sessions.models import Session as DjangoSession
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from banli.cases.models import Proposal
from banli.ledger import jobs as ledger_jobs
from banli.ledger.models import ImportJob, JobStatus
from banli.security.models import LoginAttempt, UserSession
from banli.site.periodic import periodic_task

from .test_ledger_web import good, ledger_bytes


def _job(cast, tmp_path, monkeypatch) -> ImportJob:
    monkeypatch.setattr(ledger_jobs, "job_launch", lambda job_id: None)  # "killed" before it started
    up = SimpleUploadedFile("台账.xlsx", ledger_bytes(tmp_path, good(cast.orgs)))
    job = ledger_jobs.import_job_create(actor=cast.staff_npc, session=cast.npc_session, upload=up)
    return ledger_jobs.import_job_confirm(actor=cast.staff_npc, job=job)


def _running(job, worker, beat):
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, worker=worker, heartbeat_at=beat, started_at=beat, progress=1
    )


def test_a_job_whose_process_is_gone_is_marked_failed(cast, tmp_path, monkeypatch):
    job = _job(cast, tmp_path, monkeypatch)
    now = timezone.now()
    _running(job, f"{socket.gethostname()}:{2**22 + 12345}", now - dt.timedelta(minutes=1))  # no such pid
    ledger_jobs.import_jobs_recover()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "导入进程已中断" in job.errors[0]["message"]
    assert Proposal.objects.count() == 0


def test_a_live_job_stays_running_and_a_silent_one_elsewhere_fails_after_two_hours(cast, tmp_path, monkeypatch):
    job = _job(cast, tmp_path, monkeypatch)
    now = timezone.now()
    _running(job, ledger_jobs.worker_id(), now - dt.timedelta(minutes=30))  # this very process: alive
    assert ledger_jobs.import_jobs_recover()["import_jobs_failed"] == 0
    _running(job, "other-host:123", now - dt.timedelta(minutes=30))
    ledger_jobs.import_jobs_recover()
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    _running(job, "other-host:123", now - dt.timedelta(hours=3))
    ledger_jobs.import_jobs_recover()
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_a_confirmed_job_that_never_started_is_run_by_the_scan(cast, tmp_path, monkeypatch):
    job = _job(cast, tmp_path, monkeypatch)
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED
    ledger_jobs.import_jobs_recover()
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.QUEUED  # within the grace period
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(minutes=30))
    result = periodic_task()
    assert result["import_jobs"]["import_jobs_started"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.worker == f"{socket.gethostname()}:{os.getpid()}"
    assert Proposal.objects.filter(session=cast.npc_session).count() >= 1


def test_login_attempts_and_sessions_past_retention_are_pruned(cast, settings):
    now = timezone.now()
    old, recent = now - dt.timedelta(days=200), now - dt.timedelta(days=10)
    LoginAttempt.objects.create(username="x", at=old)
    keep = LoginAttempt.objects.create(username="x", at=recent)
    UserSession.objects.create(user=cast.handler_gx, session_key="old", created_at=old, ended_at=old)
    UserSession.objects.create(user=cast.handler_gx, session_key="dangling", created_at=old)
    UserSession.objects.create(user=cast.handler_gx, session_key="new", created_at=recent, ended_at=recent)
    DjangoSession.objects.create(session_key="expired", session_data="x", expire_date=now - dt.timedelta(hours=1))
    DjangoSession.objects.create(session_key="alive", session_data="x", expire_date=now + dt.timedelta(hours=1))
    result = periodic_task()["security_prune"]
    assert result["login_attempts"] >= 1 and result["user_sessions"] >= 2 and result["sessions"] >= 1
    assert list(LoginAttempt.objects.filter(username="x")) == [keep]
    assert set(UserSession.objects.values_list("session_key", flat=True)) >= {"new"}
    assert not UserSession.objects.filter(session_key__in=["old", "dangling"]).exists()
    assert set(DjangoSession.objects.values_list("session_key", flat=True)) == {"alive"}
    settings.BANLI_LOGIN_ATTEMPT_RETENTION_DAYS = 5
    periodic_task()
    assert not LoginAttempt.objects.filter(username="x").exists()
