"""The handling workflow's own records (SPEC §4): plans, adjustments, co-opinions,
suggestion points, B-class follow-up, handovers and per-body handling policies.

Assignment, Reply, Contact, Evaluation and DeptTask live in banli.cases.models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from banli.cases.models import Assignment, Proposal, Reply, ResultClass
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
