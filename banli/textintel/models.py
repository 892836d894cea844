"""Text intelligence: user dictionary, search documents, stored recommender, recommendation log (SPEC §10)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DictTerm(models.Model):
    """A local term (place, programme, policy name) the segmenter must keep whole."""

    word = models.CharField("词语", max_length=30, unique=True)
    note = models.CharField("说明", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["word"]
        verbose_name = "自定义词"

    def __str__(self) -> str:
        return self.word


class DocKind(models.TextChoices):
    PROPOSAL = "proposal", "建议提案"
    REPLY = "reply", "答复"
    CONTACT = "contact", "沟通记录"


class SearchDoc(models.Model):
    """The segmented, normalised text of one proposal, reply or contact.

    `grams` feeds an FTS5 table on SQLite and a tsvector column (GIN) on PostgreSQL, both
    created per database vendor (migrations 0002 and 0004); `tokens` (words) feeds similarity
    and the recommender. `title`/`body` keep the text as written.
    """

    kind = models.CharField(max_length=10, choices=DocKind.choices)
    object_id = models.BigIntegerField()
    proposal = models.ForeignKey("cases.Proposal", on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(
        "cases.Assignment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session = models.ForeignKey("cases.Session", on_delete=models.CASCADE, related_name="+")
    body_org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="+")
    # Reply state (only sent replies are searchable outside the unit); "" for other kinds.
    state = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    tokens = models.TextField(blank=True)
    # What full-text search matches (text.search_grams): character bigrams, so any word is found.
    grams = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="uniq_searchdoc_kind_object")]
        indexes = [models.Index(fields=["body_org", "kind", "session"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class RecommenderModel(models.Model):
    """A trained unit recommender, stored in the database so every app process serves the same one."""

    created_at = models.DateTimeField(auto_now_add=True)
    blob = models.BinaryField()
    n_samples = models.PositiveIntegerField(default=0)
    n_units = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "交办推荐模型"

    def __str__(self) -> str:
        return f"模型 #{self.pk}（{self.n_samples} 件）"


class Recommendation(models.Model):
    """A recommendation shown to staff, and whether the assignment that followed agreed with it."""

    proposal = models.ForeignKey("cases.Proposal", on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey(RecommenderModel, null=True, on_delete=models.SET_NULL, related_name="+")
    shown_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shown_at = models.DateTimeField(auto_now_add=True)
    # [[unit_id, score], ...] best first
    leads = models.JSONField(default=list)
    cos = models.JSONField(default=list)
    # Filled when the proposal is assigned: the unit actually chosen as lead (or sole/separate).
    chosen_lead = models.ForeignKey("orgs.Org", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    followed = models.BooleanField(null=True)  # chosen lead == top-1
    in_top3 = models.BooleanField(null=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["proposal", "decided_at"])]

    def __str__(self) -> str:
        return f"推荐 {self.proposal_id}"


class RelatedTermStatus(models.TextChoices):
    SUGGESTED = "suggested", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已否决"


class RelatedTerm(models.Model):
    """Two words the archive uses alike (近视/视力), learned by `related.learn` and reviewed by staff.

    Only confirmed pairs bridge wording in similarity. Relearning updates the evidence of every
    pair and removes suggestions no longer supported, never a decision staff made.
    """

    word_a = models.CharField("词语", max_length=30)
    word_b = models.CharField("相关词", max_length=30)
    score = models.FloatField("关联度", default=0)
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=RelatedTermStatus.choices, default=RelatedTermStatus.SUGGESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-score", "word_a", "word_b"]
        constraints = [models.UniqueConstraint(fields=["word_a", "word_b"], name="uniq_relatedterm_pair")]
        indexes = [models.Index(fields=["status", "score"])]
        verbose_name = "相关词"

    def __str__(self) -> str:
        return f"{self.word_a}～{self.word_b}"
