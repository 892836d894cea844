"""The working-day calendar (holidays and 调休 make-up workdays) and each body's deadline policy.

The tables kept the names they had when they belonged to the deadlines app (`deadlines_*`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

# --- working-day calendar --------------------------------------------------------------------------


class CalendarSource(models.TextChoices):
    PACKAGE = "package", "chinesecalendar 数据包"
    MANUAL = "manual", "管理员录入"
    IMPORT = "import", "文件导入"


class CalendarYear(models.Model):
    """One year of the State Council's holiday schedule. Unconfirmed years count weekdays only."""

    year = models.PositiveIntegerField("年份", unique=True)
    confirmed = models.BooleanField("已确认", default=True)
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices, default=CalendarSource.MANUAL)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = "节假日安排年度"
        db_table = "deadlines_calendaryear"

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A day that differs from the plain week: a public holiday, or a 调休 make-up workday."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班")
    name = models.CharField("名称", max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日/调休日"
        db_table = "deadlines_calendarday"

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'} {self.name}"


# --- policies ------------------------------------------------------------------------------------


class Policy(models.Model):
    """The deadlines a body (人大 / 政协) sets for the cases it assigns (SPEC §5 defaults)."""

    body = models.OneToOneField(
        "orgs.Org", verbose_name="人大/政协", on_delete=models.PROTECT, related_name="deadline_policy"
    )
    sign_workdays = models.PositiveSmallIntegerField("签收期限（工作日）", default=5)
    adjust_workdays = models.PositiveSmallIntegerField("申请调整期限（工作日）", default=5)
    opinion_days = models.PositiveSmallIntegerField("会办意见期限（天）", default=30)
    reply_months = models.PositiveSmallIntegerField("答复期限（月）", default=3)
    reply_max_months = models.PositiveSmallIntegerField("延期后最长答复期限（月）", default=6)
    rehandling_months = models.PositiveSmallIntegerField("重新办理期限（月）", default=1)
    eval_days = models.PositiveSmallIntegerField("评价期限（天）", default=30)
    progress_months = models.PositiveSmallIntegerField("B类进展报告周期（月）", default=12)
    remind_before_workdays = models.PositiveSmallIntegerField("到期前提醒（工作日）", default=3)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    FIELDS = (
        "sign_workdays",
        "adjust_workdays",
        "opinion_days",
        "reply_months",
        "reply_max_months",
        "rehandling_months",
        "eval_days",
        "progress_months",
        "remind_before_workdays",
    )

    class Meta:
        verbose_name = "办理期限规则"
        db_table = "deadlines_policy"

    def __str__(self) -> str:
        return f"{self.body} 期限规则"
