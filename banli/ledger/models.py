"""Ledger import jobs: an uploaded .xlsx, its validation report, and the background import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class JobStatus(models.TextChoices):
    INVALID = "invalid", "校验未通过"
    VALIDATED = "validated", "待确认导入"
    QUEUED = "queued", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "导入失败"


# The moves a job makes are declared in banli/ledger/lifecycle.py (IMPORT_JOB).


def upload_path(instance: ImportJob, filename: str) -> str:
    import uuid

    return f"ledger/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One upload of a ledger into a session: validated at once, imported after confirmation."""

    session = models.ForeignKey(
        "cases.Session", verbose_name="届次会议", on_delete=models.PROTECT, related_name="ledger_jobs"
    )
    file = models.FileField(upload_to=upload_path)
    filename = models.CharField("文件名", max_length=200)
    create_orgs = models.BooleanField("自动新建承办单位", default=False)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    rows = models.PositiveIntegerField("数据行数", default=0)
    # What validation says would be created, then what the import did create.
    planned = models.JSONField("校验统计", default=dict, blank=True)
    counts = models.JSONField("导入统计", default=dict, blank=True)
    errors = models.JSONField("问题", default=list, blank=True)
    warnings = models.JSONField("提示", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Who runs it ("host:pid") and when it last said so: the periodic scan fails a job whose
    # process is gone (killed, restarted) instead of leaving it "running" for ever.
    worker = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "台账导入任务"
        indexes = [models.Index(fields=["session", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} → {self.session}（{self.get_status_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("ledger:job", args=[self.pk])

    @property
    def is_stale(self) -> bool:
        """Running far longer than any import takes: the process probably restarted mid-way."""
        import datetime as dt

        from django.utils import timezone

        started = self.started_at or self.created_at
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING) and started < timezone.now() - dt.timedelta(
            hours=2
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.INVALID)
