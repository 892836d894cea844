"""The handling workflow's own records (SPEC §4): plans, adjustments, co-opinions,
suggestion points, B-class follow-up, handovers and per-body handling policies.

Assignment, Reply, Contact, Evaluation and DeptTask live in banli.cases.models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from banli.cases.models import Assignment, Proposal, Reply, ResultClass
from banli.formatting import letter_number
from banli.orgs.models import Org


class HandlingPolicy(models.Model):
    """Per-body handling rules, e.g. “先沟通再办件”."""

    body = models.OneToOneField(
        Org, verbose_name="人大/政协", on_delete=models.PROTECT, related_name="handling_policy"
    )
    contact_before_reply = models.BooleanField("先沟通再办件（提交答复前须有办前沟通）", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "办理规则"

    def __str__(self) -> str:
        return f"{self.body} 办理规则"


class AdjustmentState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意（已改交）"
    REJECTED = "rejected", "不同意"


class AdjustmentRequest(models.Model):
    """A unit's request to be relieved of an assignment (申请调整), and the assigning office's decision."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="adjustment_requests")
    reason = models.TextField("申请理由")
    suggested_unit = models.ForeignKey(
        Org, verbose_name="建议改交单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField("状态", max_length=10, choices=AdjustmentState.choices, default=AdjustmentState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    new_assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["assignment", "requested_at", "id"]
        verbose_name = "调整申请"

    def __str__(self) -> str:
        return f"{self.assignment} 调整申请（{self.get_state_display()}）"


class HandlingPlan(models.Model):
    """办理方案 / 责任清单 of one assignment."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="plan")
    lead_dept = models.ForeignKey(
        Org, verbose_name="牵头处室", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assist_depts = models.ManyToManyField(Org, verbose_name="协办处室", blank=True, related_name="+")
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_plans",
    )
    internal_due = models.DateField("内部办理期限", null=True, blank=True)
    text = models.TextField("办理方案", blank=True)
    distributed_at = models.DateTimeField("分办时间", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "办理方案"

    def __str__(self) -> str:
        return f"{self.assignment} 办理方案"


class CoOpinion(models.Model):
    """A co unit's opinion (会办意见) sent to the lead unit."""

    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="co_opinion")
    lead_assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="received_opinions"
    )
    text = models.TextField("会办意见")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_on = models.DateField("提交日期")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会办意见"

    def __str__(self) -> str:
        return f"{self.assignment} 会办意见"


class SuggestionPoint(models.Model):
    """One point (建议条目) of a proposal's body."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="points")
    seq = models.PositiveIntegerField("序号")
    text = models.TextField("建议内容")

    class Meta:
        ordering = ["proposal", "seq"]
        verbose_name = "建议条目"
        constraints = [models.UniqueConstraint(fields=["proposal", "seq"], name="uniq_point_proposal_seq")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.text[:30]}"


class PointDecisionKind(models.TextChoices):
    ADOPTED = "adopted", "采纳"
    PARTIAL = "partial", "部分采纳"
    NOT_ADOPTED = "not_adopted", "未采纳"


class PointDecision(models.Model):
    """What a reply decided on one suggestion point."""

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="point_decisions")
    point = models.ForeignKey(SuggestionPoint, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField("采纳情况", max_length=12, choices=PointDecisionKind.choices)
    measure = models.TextField("采取的措施", blank=True)

    class Meta:
        ordering = ["point__seq"]
        verbose_name = "条目采纳情况"
        constraints = [models.UniqueConstraint(fields=["reply", "point"], name="uniq_decision_reply_point")]


class FollowUpState(models.TextChoices):
    OPEN = "open", "跟踪落实中"
    CONVERTED = "converted", "已转A类"
    EXPLAINED = "explained", "已说明（承诺调整或不能落实）"


class FollowUp(models.Model):
    """B-class follow-up (B类跟踪落实) of one sent B reply."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="followups")
    reply = models.OneToOneField(Reply, on_delete=models.PROTECT, related_name="followup")
    original_class = models.CharField("原答复类别", max_length=1, choices=ResultClass.choices, default=ResultClass.B)
    state = models.CharField("状态", max_length=10, choices=FollowUpState.choices, default=FollowUpState.OPEN)
    opened_on = models.DateField("纳入跟踪日期")
    closed_on = models.DateField("结束日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["-opened_on", "id"]
        verbose_name = "B类跟踪"
        indexes = [models.Index(fields=["state", "opened_on"])]

    def __str__(self) -> str:
        return f"{self.assignment} B类跟踪（{self.get_state_display()}）"


class CommitmentState(models.TextChoices):
    OPEN = "open", "落实中"
    DONE = "done", "已落实"
    DROPPED = "dropped", "不能落实（已说明）"


class Commitment(models.Model):
    """A commitment (承诺事项) made in a B-class reply, with its due date."""

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="commitments")
    seq = models.PositiveIntegerField("序号", default=1)
    text = models.TextField("承诺事项")
    due = models.DateField("承诺完成时间")
    state = models.CharField("状态", max_length=10, choices=CommitmentState.choices, default=CommitmentState.OPEN)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["reply", "seq", "id"]
        verbose_name = "承诺事项"

    def __str__(self) -> str:
        return self.text[:40]


class ProgressKind(models.TextChoices):
    PROGRESS = "progress", "进展"
    CHANGE = "change", "承诺调整"
    DROP = "drop", "不能落实说明"
    DONE = "done", "落实完成"


class CommitmentProgress(models.Model):
    """A progress update, or an explained change, of one commitment."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="progress")
    kind = models.CharField("类型", max_length=10, choices=ProgressKind.choices, default=ProgressKind.PROGRESS)
    on = models.DateField("日期")
    text = models.TextField("进展情况")
    old_due = models.DateField(null=True, blank=True)
    new_due = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["commitment", "on", "id"]
        verbose_name = "承诺进展"


class Handover(models.Model):
    """All open cases of one person handed to another person of the same org."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="移交人", on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    assignment_count = models.PositiveIntegerField(default=0)
    note = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = "工作移交"


class UnitDocSettings(models.Model):
    """A unit's official-document settings: 发文机关标志, 发文字号 prefix, 抄送.

    Lives here (not in reports) because 签发 reads the prefix when it gives the number; the table
    keeps its old name."""

    unit = models.OneToOneField(Org, verbose_name="单位", on_delete=models.PROTECT, related_name="doc_settings")
    issuer = models.CharField("发文机关标志", max_length=100, blank=True, help_text="留空则用单位全称")
    letter_prefix = models.CharField("发文字号代字", max_length=20, blank=True, help_text="如“深工信函”")
    cc = models.CharField("抄送", max_length=300, blank=True, help_text="留空则抄送交办机关和人大/政协工作机构")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "reports_unitdocsettings"
        verbose_name = "公文设置"

    def __str__(self) -> str:
        return f"{self.unit} 公文设置"


class LetterCounter(models.Model):
    """The last 发文字号 sequence a unit gave under one prefix in one year; locked row by row so
    concurrent sign-offs take consecutive numbers (no gap, no duplicate)."""

    unit = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField("代字", max_length=20)
    year = models.PositiveIntegerField("年份")
    last = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = "发文字号序列"
        constraints = [models.UniqueConstraint(fields=["unit", "prefix", "year"], name="uniq_letter_counter")]

    def __str__(self) -> str:
        return f"{self.unit} {self.prefix}〔{self.year}〕 {self.last}"


class LetterNumber(models.Model):
    """A 发文字号 given to a reply at 签发 (unit + prefix + year + sequence). Never changed; a wrong
    one is voided with a reason and a new one issued, so a reply has at most one live number."""

    reply = models.ForeignKey(Reply, on_delete=models.PROTECT, related_name="letter_numbers")
    unit = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField("代字", max_length=20)
    year = models.PositiveIntegerField("年份")
    seq = models.PositiveIntegerField("序号")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        db_table = "reports_letternumber"
        verbose_name = "发文字号"
        constraints = [
            models.UniqueConstraint(fields=["unit", "prefix", "year", "seq"], name="uniq_letter_number"),
            models.UniqueConstraint(
                fields=["reply"], condition=models.Q(voided_at__isnull=True), name="uniq_live_letter_number"
            ),
        ]

    def __str__(self) -> str:
        return letter_number(self.prefix, self.year, self.seq)
