"""Settings and saved texts of official documents and assessments (SPEC §7, §9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from banli.cases.models import Reply, Session
from banli.formatting import letter_number
from banli.orgs.models import Org


class UnitDocSettings(models.Model):
    """A unit's official-document settings: 发文机关标志, 发文字号 prefix, 抄送."""

    unit = models.OneToOneField(Org, verbose_name="单位", on_delete=models.PROTECT, related_name="doc_settings")
    issuer = models.CharField("发文机关标志", max_length=100, blank=True, help_text="留空则用单位全称")
    letter_prefix = models.CharField("发文字号代字", max_length=20, blank=True, help_text="如“深工信函”")
    cc = models.CharField("抄送", max_length=300, blank=True, help_text="留空则抄送交办机关和人大/政协工作机构")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "公文设置"

    def __str__(self) -> str:
        return f"{self.unit} 公文设置"


class LetterNumber(models.Model):
    """The 发文字号 given to a sent reply's letter, fixed once given (unit + prefix + year + sequence)."""

    reply = models.OneToOneField(Reply, on_delete=models.PROTECT, related_name="letter_number")
    unit = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    prefix = models.CharField("代字", max_length=20)
    year = models.PositiveIntegerField("年份")
    seq = models.PositiveIntegerField("序号")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发文字号"
        constraints = [models.UniqueConstraint(fields=["unit", "prefix", "year", "seq"], name="uniq_letter_number")]

    def __str__(self) -> str:
        return letter_number(self.prefix, self.year, self.seq)


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
