"""The append-only, hash-chained audit log (SPEC §8)."""

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除")


class AuditEvent(models.Model):
    """One thing that happened: who, when, from where, what, before and after."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=100, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    verb = models.CharField(max_length=50, db_index=True)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50, blank=True)
    proposal_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    assignment_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除")


class AuditChainHead(models.Model):
    """A single row holding the chain's last hash; locking it serialises appends."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


# --- retention ----------------------------------------------------------------------------------------
# Owned by the audit log (its verification reads the purge anchors). Both were created by the security
# app; they moved here without moving a row (security 0002, audit 0003), so their tables keep the names.


class AuditRetentionPolicy(models.Model):
    """The auditor's retention policy (single row). Entries younger than `days` are never purged."""

    MIN_DAYS = 180

    days = models.PositiveIntegerField("保留天数", default=180)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "审计日志保留策略"
        db_table = "security_auditretentionpolicy"

    def __str__(self) -> str:
        return f"保留 {self.days} 天"


class AuditPurge(models.Model):
    """A purge of old audit entries: the chain restarts from `anchor_hash` after `up_to_seq`."""

    up_to_seq = models.BigIntegerField(unique=True)
    anchor_hash = models.CharField(max_length=64)
    purged_count = models.PositiveIntegerField()
    cutoff = models.DateTimeField()
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-up_to_seq"]
        verbose_name = "审计日志清理"
        db_table = "security_auditpurge"

    def __str__(self) -> str:
        return f"清理至 #{self.up_to_seq}"
