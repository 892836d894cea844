"""Extensions, supervision, reminders and the inbox (SPEC §5). The working-day calendar and the
bodies' deadline policies live in banli.calendar; a key proposal's own dates in banli.cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# --- extensions ------------------------------------------------------------------------------------


class ExtensionState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REFUSED = "refused", "未同意"
    CANCELLED = "cancelled", "已撤回"


class Extension(models.Model):
    """A request (延期申请) to move an assignment's reply due date, decided by the assigning office."""

    assignment = models.ForeignKey("cases.Assignment", on_delete=models.PROTECT, related_name="extensions")
    state = models.CharField("状态", max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING)
    reason = models.TextField("申请理由")
    old_due = models.DateField("原答复期限")
    requested_due = models.DateField("申请延至")
    granted_due = models.DateField("批准延至", null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField("申请日期")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "延期申请"
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(state="pending"), name="uniq_pending_extension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} 延期至 {self.requested_due}"


# --- supervision -------------------------------------------------------------------------------------


class SupervisionKind(models.TextChoices):
    REGULAR = "regular", "常规督办"
    KEY = "key", "重点督办"
    LEADER = "leader", "领导督办"


class Supervision(models.Model):
    """A supervision action (督办) recorded by the supervising office on one assignment."""

    assignment = models.ForeignKey("cases.Assignment", on_delete=models.PROTECT, related_name="supervisions")
    kind = models.CharField("督办方式", max_length=10, choices=SupervisionKind.choices)
    on = models.DateField("督办日期")
    leader = models.CharField("督办领导", max_length=50, blank=True)
    note = models.TextField("督办内容")
    plan_check = models.ForeignKey(
        "SupervisionCheck", null=True, blank=True, on_delete=models.PROTECT, related_name="supervisions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name="督办机关", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "督办记录"
        constraints = [
            # A plan check supervises each lagging assignment once, however often the scan runs.
            models.UniqueConstraint(
                fields=["plan_check", "assignment"],
                condition=Q(plan_check__isnull=False),
                name="uniq_check_supervision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} {self.get_kind_display()}"


class PlanFocus(models.TextChoices):
    SIGN_PLAN = "sign", "签收与方案"
    HANDLING = "handling", "办理与沟通"
    REPLY = "reply", "答复与反馈"


class SupervisionPlan(models.Model):
    """A phased supervision plan (分阶段督办) over one session's cases in the office's scope."""

    session = models.ForeignKey("cases.Session", on_delete=models.PROTECT, related_name="supervision_plans")
    org = models.ForeignKey("orgs.Org", verbose_name="督办机关", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "督办计划"

    def __str__(self) -> str:
        return self.name


class SupervisionPhase(models.Model):
    plan = models.ForeignKey(SupervisionPlan, on_delete=models.CASCADE, related_name="phases")
    seq = models.PositiveSmallIntegerField("阶段")
    name = models.CharField("名称", max_length=50)
    focus = models.CharField("检查内容", max_length=10, choices=PlanFocus.choices)
    start_on = models.DateField("开始")
    end_on = models.DateField("结束")

    class Meta:
        ordering = ["plan", "seq"]
        verbose_name = "督办阶段"

    def __str__(self) -> str:
        return f"第{self.seq}阶段 {self.name}"


class SupervisionCheck(models.Model):
    """One scheduled check of a phase; the scan runs it on or after its date, exactly once."""

    phase = models.ForeignKey(SupervisionPhase, on_delete=models.CASCADE, related_name="checks")
    seq = models.PositiveSmallIntegerField("第几次")
    scheduled_on = models.DateField("计划日期")
    run_at = models.DateTimeField("执行时间", null=True, blank=True)
    checked = models.PositiveIntegerField("检查件数", default=0)
    lagging = models.PositiveIntegerField("滞后件数", default=0)

    class Meta:
        ordering = ["scheduled_on", "id"]
        verbose_name = "督办检查"

    def __str__(self) -> str:
        return f"{self.phase} 第{self.seq}次检查"


# --- reminders -------------------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    MANUAL = "manual", "催办"
    BEFORE = "before", "即将到期"
    ON_DAY = "on_day", "今日到期"
    OVERDUE = "overdue", "已逾期"


class DueKind(models.TextChoices):
    SIGN = "sign", "签收"
    OPINION = "opinion", "会办意见"
    REPLY = "reply", "答复"
    REHANDLING = "rehandling", "重新办理答复"
    EVALUATION = "evaluation", "评价"


class Reminder(models.Model):
    """A reminder sent to one person about one assignment: manual (催办) or automatic at a threshold.

    Automatic ones are claimed by inserting this row first: the unique constraint on
    (assignment, due kind, due date, kind, recipient) lets only one scan send each reminder.
    """

    assignment = models.ForeignKey("cases.Assignment", on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField("类型", max_length=10, choices=ReminderKind.choices)
    due_kind = models.CharField("期限", max_length=12, choices=DueKind.choices, blank=True)
    due_date = models.DateField("期限日期", null=True, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField("内容", blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    sent_on = models.DateField("发送日期")

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = "催办提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "due_kind", "due_date", "kind", "recipient"],
                condition=~Q(kind="manual"),
                name="uniq_auto_reminder",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "kind"])]

    def __str__(self) -> str:
        return f"{self.assignment} {self.get_kind_display()}"
