"""Settings and saved texts of official documents and assessments (SPEC §7, §9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from banli.cases.models import Session
from banli.orgs.models import Org


class SummaryText(models.Model):
    """The editable parts of an annual work summary, saved per org (unit or subtree) and session."""

    org = models.ForeignKey(Org, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, verbose_name="届次会议", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=200, blank=True)
    intro = models.TextField("开篇", blank=True)
    practices = models.TextField("主要做法", blank=True)
    showcases = models.TextField("典型案例补充说明", blank=True)
    problems = models.TextField("存在问题和改进措施", blank=True)
    other = models.TextField("其他说明事项补充", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "工作总结文字"
        constraints = [models.UniqueConstraint(fields=["org", "session"], name="uniq_summary_text_org_session")]

    def __str__(self) -> str:
        return f"{self.org} · {self.session}"
