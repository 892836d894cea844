"""Sessions, proposers, proposals and their assignments (SPEC §1, §3, §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from banli.orgs.models import Org, OrgKind
from banli.security.crypto import EncryptedTextField


class Session(models.Model):
    """A 届次会议 of one body, e.g. 市七届人大四次会议."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100)
    body = models.ForeignKey(Org, verbose_name="人大/政协", on_delete=models.PROTECT, related_name="sessions")
    year = models.PositiveIntegerField("年度")
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        ordering = ["-year", "code"]
        verbose_name = "届次会议"

    def __str__(self) -> str:
        return self.name

    @property
    def is_npc(self) -> bool:
        return self.body.kind == OrgKind.NPC

    @property
    def proposal_kind(self) -> str:
        return ProposalKind.SUGGESTION if self.is_npc else ProposalKind.PROPOSAL


class ProposerKind(models.TextChoices):
    INDIVIDUAL = "individual", "个人"
    COLLECTIVE = "collective", "集体"


class Proposer(models.Model):
    """A deputy, a member, or a collective proposer (专门委员会, 参加单位, 界别, 小组)."""

    body = models.ForeignKey(Org, verbose_name="人大/政协", on_delete=models.PROTECT, related_name="proposers")
    name = models.CharField("姓名/名称", max_length=100)
    kind = models.CharField("类别", max_length=12, choices=ProposerKind.choices, default=ProposerKind.INDIVIDUAL)
    group = models.CharField("代表团/界别", max_length=100, blank=True)
    # Personal data, SM4-GCM encrypted at rest with the key outside the database (等保 8.1.4.8).
    phone = EncryptedTextField("电话", blank=True)
    id_number = EncryptedTextField("身份证号", blank=True)
    address = EncryptedTextField("通讯地址", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposer",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "代表/委员"
        constraints = [models.UniqueConstraint(fields=["body", "name"], name="uniq_proposer_body_name")]

    def __str__(self) -> str:
        return self.name


class ProposalKind(models.TextChoices):
    SUGGESTION = "suggestion", "建议"
    PROPOSAL = "proposal", "提案"


class Channel(models.TextChoices):
    PLENARY = "plenary", "大会"
    INTERIM = "interim", "平时"


class JointKind(models.TextChoices):
    INDIVIDUAL = "individual", "个人"
    JOINT = "joint", "联名"
    COLLECTIVE = "collective", "集体"


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", "待审查"
    ACCEPTED = "accepted", "立案"
    NOT_ACCEPTED = "not_accepted", "不予立案"
    MERGED = "merged", "并案"


class ProposalStatus(models.TextChoices):
    """The overall status, derived from review state and assignments; never stored."""

    SUBMITTED = "submitted", "待审查"
    NOT_ACCEPTED = "not_accepted", "不予立案"
    MERGED = "merged", "已并案"
    TO_ASSIGN = "to_assign", "待交办"
    IN_HANDLING = "in_handling", "办理中"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"


class Proposal(models.Model):
    session = models.ForeignKey(Session, verbose_name="届次会议", on_delete=models.PROTECT, related_name="proposals")
    number = models.CharField("编号", max_length=20)
    title = models.CharField("标题", max_length=300)
    content = models.TextField("内容", blank=True)
    kind = models.CharField("类型", max_length=12, choices=ProposalKind.choices)
    channel = models.CharField("来源", max_length=8, choices=Channel.choices, default=Channel.PLENARY)
    lead = models.ForeignKey(Proposer, verbose_name="领衔人", on_delete=models.PROTECT, related_name="led_proposals")
    cosigners = models.ManyToManyField(Proposer, verbose_name="联名人", blank=True, related_name="cosigned_proposals")
    joint_kind = models.CharField("提出方式", max_length=12, choices=JointKind.choices, default=JointKind.INDIVIDUAL)
    group = models.CharField("代表团/界别", max_length=100, blank=True)
    topic = models.CharField("类别", max_length=50, blank=True)
    submitted_on = models.DateField("提交日期", null=True, blank=True)

    review_state = models.CharField(
        "立案状态", max_length=14, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    review_reason = models.TextField("审查意见", blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name="并入", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )

    is_key = models.BooleanField("重点", default=False)
    key_leader = models.CharField("领衔督办领导", max_length=50, blank=True)
    key_plan = models.TextField("重点办理计划", blank=True)
    is_hard = models.BooleanField("重难特件", default=False)
    is_showcase = models.BooleanField("典型案例", default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["session", "number"]
        verbose_name = "建议提案"
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="uniq_proposal_session_number")]
        indexes = [
            models.Index(fields=["session", "review_state"]),
            models.Index(fields=["session", "submitted_on"]),
            models.Index(fields=["number"]),
            models.Index(fields=["session", "is_key"]),
            models.Index(fields=["session", "title"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def kind_word(self) -> str:
        return self.get_kind_display()


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    CO = "co", "会办"
    SEPARATE = "separate", "分办"
    SOLE = "sole", "承办"


# Roles that answer the proposer directly (co units answer the lead).
DUE_ROLES = (AssignmentRole.LEAD, AssignmentRole.SEPARATE, AssignmentRole.SOLE)


class AssignmentState(models.TextChoices):
    PENDING_SIGN = "pending_sign", "待签收"
    ADJUSTMENT_REQUESTED = "adjustment_requested", "申请调整中"
    HANDLING = "handling", "办理中"
    OPINION_SENT = "opinion_sent", "已提交会办意见"
    IN_REVIEW = "in_review", "答复审核中"
    REPLIED = "replied", "已答复"
    REHANDLING = "rehandling", "重新办理"
    FOLLOW_UP = "follow_up", "B类跟踪"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"


class ResultClass(models.TextChoices):
    A = "A", "A类（已解决或基本解决）"
    B = "B", "B类（正在解决或列入计划）"
    C = "C", "C类（暂时不能解决）"
    D = "D", "D类（留作参考）"


class Assignment(models.Model):
    """A proposal dispatched (交办) to one handling unit in one role."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(Org, verbose_name="承办单位", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField("办理方式", max_length=10, choices=AssignmentRole.choices)
    state = models.CharField(
        "状态", max_length=22, choices=AssignmentState.choices, default=AssignmentState.PENDING_SIGN
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级交办",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sub_assignments",
    )
    assigned_by = models.ForeignKey(
        Org, verbose_name="交办机关", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_on = models.DateField("交办日期")
    sign_due = models.DateField("签收期限", null=True, blank=True)
    reply_due = models.DateField("答复期限", null=True, blank=True)
    adjust_due = models.DateField("申请调整期限", null=True, blank=True)
    opinion_due = models.DateField("会办意见期限", null=True, blank=True)
    reply_due_original = models.DateField("原答复期限", null=True, blank=True)
    rehandling_due = models.DateField("重新办理期限", null=True, blank=True)
    eval_due = models.DateField("评价期限", null=True, blank=True)
    due_provisional = models.BooleanField("期限含未确认的节假日安排", default=False)
    signed_on = models.DateField("签收日期", null=True, blank=True)
    first_reply_on = models.DateField("首次答复日期", null=True, blank=True)
    result_class = models.CharField("答复类别", max_length=1, choices=ResultClass.choices, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["proposal", "id"]
        verbose_name = "交办"
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "unit"], condition=~Q(state="withdrawn"), name="uniq_active_assignment_unit"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["proposal", "role"]),
            # The derived status probes a proposal's top-level due assignments for a missing reply.
            models.Index(fields=["proposal", "parent", "role", "first_reply_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.proposal.number} → {self.unit}（{self.get_role_display()}）"

    @property
    def answers_proposer(self) -> bool:
        return self.role in DUE_ROLES


class Disclosure(models.TextChoices):
    UNDECIDED = "", "未定"
    PUBLIC = "public", "公开"
    PRIVATE = "private", "不公开"


class ReplyState(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "待签发"
    APPROVED = "approved", "已签发"
    SENT = "sent", "已答复"


class Reply(models.Model):
    """A reply (答复) of one assignment to the proposer; immutable once sent."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="replies")
    seq = models.PositiveIntegerField("第几次答复", default=1)
    state = models.CharField("状态", max_length=10, choices=ReplyState.choices, default=ReplyState.DRAFT)
    result_class = models.CharField("答复类别", max_length=1, choices=ResultClass.choices)
    text = models.TextField("答复内容", blank=True)
    signer = models.CharField("签发人", max_length=50, blank=True)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    disclosure = models.CharField("公开", max_length=8, choices=Disclosure.choices, blank=True)
    disclosure_reason = models.CharField("不公开理由", max_length=200, blank=True)
    sent_on = models.DateField("答复日期", null=True, blank=True)
    correction_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_reason = models.TextField("更正理由", blank=True)
    missing_opinion_reason = models.TextField("缺少会办意见的说明", blank=True)
    return_comment = models.TextField("退回意见", blank=True)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发领导",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("签发时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["assignment", "seq", "id"]
        verbose_name = "答复"
        indexes = [models.Index(fields=["assignment", "state"])]

    def __str__(self) -> str:
        return f"{self.assignment} 答复{self.seq}"


class ContactStage(models.TextChoices):
    BEFORE = "before", "办前"
    DURING = "during", "办中"
    AFTER = "after", "办后"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "电话"
    VISIT = "visit", "上门走访"
    SYMPOSIUM = "symposium", "座谈会"
    JOINT_RESEARCH = "research", "联合调研"
    INSPECTION = "inspection", "视察"
    FACE_TALK = "face_talk", "面商"
    WECHAT = "wechat", "微信"
    WRITTEN = "written", "书面"
    OTHER = "other", "其他"


FACE_TO_FACE_METHODS = {
    ContactMethod.VISIT,
    ContactMethod.SYMPOSIUM,
    ContactMethod.JOINT_RESEARCH,
    ContactMethod.INSPECTION,
    ContactMethod.FACE_TALK,
}


class Contact(models.Model):
    """A communication (沟通) with the proposer, at any stage."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="contacts")
    on = models.DateField("日期")
    stage = models.CharField("阶段", max_length=8, choices=ContactStage.choices)
    method = models.CharField("方式", max_length=12, choices=ContactMethod.choices)
    face_to_face = models.BooleanField("见面", default=False)
    participants = models.CharField("参加人员", max_length=300, blank=True)
    summary = models.TextField("情况摘要", blank=True)
    leader = models.CharField("带队领导", max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "on", "id"]
        verbose_name = "沟通记录"

    def __str__(self) -> str:
        return f"{self.on} {self.get_method_display()}"


class Verdict(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Evaluation(models.Model):
    """The proposer's evaluation (评价) of one assigned unit's reply."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="evaluations")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations")
    proposer = models.ForeignKey(Proposer, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations")
    attitude = models.CharField("办理态度", max_length=12, choices=Verdict.choices, blank=True)
    result = models.CharField("办理结果", max_length=12, choices=Verdict.choices, blank=True)
    visited = models.BooleanField("是否走访", null=True, blank=True)
    heard_via = models.CharField("听取意见方式", max_length=20, blank=True)
    addresses = models.CharField("答复是否针对", max_length=20, blank=True)
    leader_replied = models.BooleanField("负责人是否答复", null=True, blank=True)
    verdict = models.CharField("总体评价", max_length=12, choices=Verdict.choices)
    comment = models.TextField("意见", blank=True)
    on = models.DateField("评价日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "on", "id"]
        verbose_name = "评价"

    def __str__(self) -> str:
        return f"{self.assignment} {self.get_verdict_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Random stored names; the original name is kept in the row only.
    import uuid

    return f"attachments/{instance.proposal_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="attachments")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = "附件"

    def __str__(self) -> str:
        return self.name


class DeptTask(models.Model):
    """An internal task: one department of the unit works on the assignment (分解到处室)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="tasks")
    dept = models.ForeignKey(Org, verbose_name="处室", on_delete=models.PROTECT, related_name="tasks")
    is_lead = models.BooleanField("牵头处室", default=False)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    due = models.DateField("内部期限", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "处室任务"
        constraints = [models.UniqueConstraint(fields=["assignment", "dept"], name="uniq_task_assignment_dept")]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.dept}"


class KeyDates(models.Model):
    """Dates a key proposal (重点) carries instead of its body's policy."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="key_dates")
    sign_due = models.DateField("签收期限", null=True, blank=True)
    opinion_due = models.DateField("会办意见期限", null=True, blank=True)
    reply_due = models.DateField("答复期限", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "重点件期限"
        db_table = "deadlines_keydates"

    def __str__(self) -> str:
        return f"{self.proposal} 期限"
