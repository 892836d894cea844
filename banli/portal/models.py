"""Public disclosure of replies and the proposer's messages to handling units (SPEC §6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from banli.cases.models import Assignment, Contact, Disclosure, Proposer, Reply


class PublicationState(models.TextChoices):
    PENDING = "pending", "待审核"
    PUBLISHED = "published", "已公开"
    PRIVATE = "private", "不公开"
    WITHDRAWN = "withdrawn", "已撤回公开"


class PrivateReason(models.TextChoices):
    STATE_SECRET = "国家秘密", "国家秘密"
    WORK_SECRET = "工作秘密", "工作秘密"
    SENSITIVE = "敏感信息", "敏感信息"
    PRIVACY = "个人隐私", "个人隐私"
    OTHER = "其他", "其他"


# Working days between sending a reply and the latest day it must be public.
PUBLISH_WORKDAYS = 20


class Publication(models.Model):
    """The disclosure of one sent reply: the unit's proposal, the reviewer's decision, the redacted text.

    A reply without a Publication row is simply “待审核” with the unit's proposal taken from
    `Reply.disclosure`. Only rows in state `published` are ever shown to the public, and only
    their `redacted_text` — never the reply's own text, files or contact person.
    """

    reply = models.OneToOneField(Reply, on_delete=models.PROTECT, related_name="publication")
    state = models.CharField(
        "公开状态", max_length=10, choices=PublicationState.choices, default=PublicationState.PENDING
    )
    proposed = models.CharField("单位意见", max_length=8, choices=Disclosure.choices, blank=True)
    proposed_reason = models.CharField("不公开理由", max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField("审核意见", max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    publish_on = models.DateField("应公开日期")
    published_on = models.DateField("公开日期", null=True, blank=True)
    redacted_text = models.TextField("公开文本", blank=True)
    # What was removed (for the reviewer and the audit trail). Never rendered publicly.
    redactions = models.JSONField("隐去内容", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "答复公开"
        indexes = [models.Index(fields=["state", "published_on"])]

    def __str__(self) -> str:
        return f"{self.reply} · {self.get_state_display()}"

    def get_absolute_url(self) -> str:
        return reverse("public:reply", args=[self.pk])


class PublicSearch(models.Model):
    """The search tokens of one *published* reply (a row exists only while it is published).

    A narrow table of its own, so a full-text query scans a few bytes per reply rather than
    whole reply texts. Built from the title and the redacted text only.
    """

    publication = models.OneToOneField(Publication, primary_key=True, on_delete=models.CASCADE, related_name="search")
    published_on = models.DateField()
    tokens = models.TextField()

    class Meta:
        verbose_name = "公开答复检索"

    def __str__(self) -> str:
        return str(self.publication_id)


class PortalMessage(models.Model):
    """A message from a proposer to a handling unit, answered in the portal.

    The exchange is recorded as a contact (沟通记录) of the assignment when the unit answers.
    """

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="portal_messages")
    proposer = models.ForeignKey(
        Proposer, verbose_name="代表/委员", on_delete=models.PROTECT, related_name="portal_messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField("留言")
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField("回复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "代表委员留言"
        indexes = [models.Index(fields=["assignment", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.proposer} → {self.assignment.unit}"
