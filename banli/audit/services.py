"""Writing and verifying the audit chain, and its retention: the policy and the purges that apply it.

Who may change the policy or purge from the web (the auditor, 三权分立) is decided by the security
app, which wraps these; `banli audit purge` (an operator on the server) calls them directly."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from banli.errors import DomainError

from .anchor import anchors_verify
from .middleware import current_ip
from .models import AuditChainHead, AuditEvent, AuditPurge, AuditRetentionPolicy
from .redact import mask_pii, redact_values


def _canonical(value: Any) -> Any:
    """JSON-safe form of old/new values (dates, decimals, model instances)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, default=str))


# The chain is hashed with SM3 (GB/T 32905-2016). Entries written before the switch used SHA-256;
# verification accepts either for an entry, so old development databases still verify.
CHAIN_ALGORITHM = "sm3"
LEGACY_ALGORITHMS = ("sha256",)


def _digest(prev_hash: str, fields: dict, algorithm: str = CHAIN_ALGORITHM) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.new(algorithm, (prev_hash + payload).encode("utf-8")).hexdigest()


def _hash_ok(prev_hash: str, e: AuditEvent) -> bool:
    if _digest(prev_hash, _hashed_fields(e), CHAIN_ALGORITHM) == e.hash:
        return True
    legacy = _hashed_fields(e, legacy=True)
    return any(_digest(prev_hash, legacy, a) == e.hash for a in LEGACY_ALGORITHMS)


def _hashed_fields(e: AuditEvent, *, legacy: bool = False) -> dict:
    fields = {
        "seq": e.seq,
        "at": e.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": e.actor_id,
        "ip": e.ip,
        "verb": e.verb,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "proposal_id": e.proposal_id,
        "assignment_id": e.assignment_id,
        "summary": e.summary,
        "old": e.old,
        "new": e.new,
    }
    if not legacy:
        # The displayed name is covered too (SHA-256 entries from before the switch did not cover it).
        fields["actor_name"] = e.actor_name
    return fields


def audit_record(
    *,
    actor,
    verb: str,
    obj=None,
    object_type: str = "",
    object_id: Any = "",
    proposal_id: int | None = None,
    assignment_id: int | None = None,
    summary: str = "",
    old: Any = None,
    new: Any = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction.

    Free text and personal data never enter the log (banli.audit.redact): the summary's phone and
    ID numbers are masked, and old/new lose the values of free-text keys."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=(actor.display_name if getattr(actor, "pk", None) else "系统")[:100],
            ip=ip or current_ip.get(),
            verb=verb,
            object_type=object_type,
            object_id=str(object_id or ""),
            proposal_id=proposal_id,
            assignment_id=assignment_id,
            summary=mask_pii(summary)[:300],
            old=redact_values(_canonical(old)),
            new=redact_values(_canonical(new)),
            prev_hash=head.hash,
        )
        event.hash = _digest(head.hash, _hashed_fields(event))
        event.save()
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


def audit_record_many(*, actor, entries: list[dict], ip: str | None = None) -> int:
    """Append many events at once (bulk writers such as the ledger import): the chain head is
    locked and updated once and the rows are inserted in batches, instead of several round trips
    per event. Each entry takes audit_record's keywords (verb, obj, object_type, object_id,
    proposal_id, assignment_id, summary, old, new). The chain is the same as event by event."""
    if not entries:
        return 0
    now = timezone.now()
    actor_obj = actor if getattr(actor, "pk", None) else None
    name = (actor.display_name if actor_obj else "系统")[:100]
    ip = ip or current_ip.get()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        seq, prev = head.seq, head.hash
        events = []
        for e in entries:
            obj = e.get("obj")
            seq += 1
            event = AuditEvent(
                seq=seq,
                at=now,
                actor=actor_obj,
                actor_name=name,
                ip=ip,
                verb=e["verb"],
                object_type=e.get("object_type") or (obj._meta.model_name if obj is not None else ""),
                object_id=str(e.get("object_id") or (obj.pk if obj is not None else "") or ""),
                proposal_id=e.get("proposal_id"),
                assignment_id=e.get("assignment_id"),
                summary=mask_pii(e.get("summary", ""))[:300],
                old=redact_values(_canonical(e.get("old"))),
                new=redact_values(_canonical(e.get("new"))),
                prev_hash=prev,
            )
            event.hash = prev = _digest(prev, _hashed_fields(event))
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=500)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    return len(events)


def _chain_start() -> tuple[int, str, str]:
    """(first expected seq, its prev hash, description) — after the latest purge, if any.

    A purge (auditor's retention policy) removes a prefix of the chain and leaves an anchor: the
    seq and hash of the last removed entry. The purge itself is an entry of the chain, so a forged
    or altered anchor is caught below.
    """
    anchor = AuditPurge.objects.order_by("-up_to_seq").first()
    if anchor is None:
        return 1, "0" * 64, ""
    return anchor.up_to_seq + 1, anchor.anchor_hash, f"（#{anchor.up_to_seq} 及之前已按保留策略清理）"


def audit_verify() -> tuple[bool, str]:
    """Walk the chain; return (ok, message naming the first altered or missing entry)."""
    start, prev, note = _chain_start()
    expected_seq = start
    purge_confirmed = start == 1
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if e.seq < start:
            return False, f"审计记录 #{e.seq} 应已清理却仍存在，清理记录与日志不一致"
        if e.seq != expected_seq:
            return False, f"审计记录 #{expected_seq} 缺失（下一条为 #{e.seq}）"
        if e.prev_hash != prev or not _hash_ok(prev, e):
            return False, f"审计记录 #{e.seq} 被篡改（{e.verb} {e.object_type}:{e.object_id}）"
        if not purge_confirmed and e.verb == "audit.purge" and isinstance(e.new, dict):
            anchor = AuditPurge.objects.filter(up_to_seq=start - 1).first()
            purge_confirmed = e.new.get("up_to_seq") == start - 1 and e.new.get("anchor_hash") == (
                anchor.anchor_hash if anchor else None
            )
        prev = e.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.seq != expected_seq - 1:
        return False, f"审计记录 #{expected_seq} 及之后缺失（链头为 #{head.seq}）"
    if not purge_confirmed:
        return False, f"清理锚点 #{start - 1} 没有对应的清理审计记录，日志开头可能被删除"
    message = f"审计链完整，共 {expected_seq - start} 条{note}"
    # The chain can be consistent and still be short: the anchors outside the database say how far it went.
    try:
        anchors_ok, anchors_message = anchors_verify()
    except ImproperlyConfigured as e:
        return False, f"{message}；外部锚点无法校验：{e}"
    if not anchors_ok:
        return False, anchors_message
    return True, f"{message}；{anchors_message}"


# --- retention ---------------------------------------------------------------------------------


def retention_min_days() -> int:
    """The shortest retention allowed: six months (等保2.0), or longer if the deployment says so."""
    return max(AuditRetentionPolicy.MIN_DAYS, int(getattr(settings, "BANLI_AUDIT_MIN_RETENTION_DAYS", 180)))


def retention_policy() -> AuditRetentionPolicy:
    return AuditRetentionPolicy.objects.first() or AuditRetentionPolicy(days=retention_min_days())


def retention_set(*, actor, days: int) -> AuditRetentionPolicy:
    """Set how many days entries are kept (never below the minimum). The caller checks who may."""
    minimum = retention_min_days()
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise DomainError("保留天数须为整数。", field="days")
    if days < minimum:
        raise DomainError(f"审计日志至少保留 {minimum} 天（等保2.0 要求不少于六个月）。", field="days")
    with transaction.atomic():
        p = AuditRetentionPolicy.objects.select_for_update().first()
        old = p.days if p else None
        if p is None:
            p = AuditRetentionPolicy(days=days, updated_by=actor)
        p.days, p.updated_by = days, actor
        p.save()
        audit_record(
            actor=actor,
            verb="audit.retention",
            object_type="auditretentionpolicy",
            object_id=p.pk,
            summary=f"审计日志保留期设为 {days} 天",
            old={"days": old},
            new={"days": days},
        )
    return p


def audit_purge(*, actor, now: dt.datetime | None = None) -> int:
    """Remove entries older than the retention period, leaving a verifiable anchor.

    `actor` is None for the `banli audit purge` command (recorded as the system). The caller checks
    who may purge (from the web only the auditor: banli.security.services.audit_purge).
    """
    days = max(retention_policy().days, retention_min_days())
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    with transaction.atomic():
        # Purge a prefix of the chain only: up to the last entry before the first young one.
        first_young = AuditEvent.objects.filter(at__gte=cutoff).order_by("seq").values_list("seq", flat=True).first()
        old_qs = AuditEvent.objects.filter(at__lt=cutoff)
        if first_young is not None:
            old_qs = old_qs.filter(seq__lt=first_young)
        last = old_qs.order_by("-seq").first()
        if last is None:
            return 0
        doomed = AuditEvent.objects.filter(seq__lte=last.seq)
        count = doomed.count()
        # The boundary first: the database triggers allow deleting rows at or below it only.
        AuditPurge.objects.create(
            up_to_seq=last.seq, anchor_hash=last.hash, purged_count=count, cutoff=cutoff, at=now, by=actor
        )
        doomed._raw_delete(doomed.db)  # the ORM refuses .delete() on the log; only this policy purges
        audit_record(
            actor=actor,
            verb="audit.purge",
            object_type="auditpurge",
            object_id=last.seq,
            summary=f"按保留策略（{days} 天）清理 {count} 条审计记录（至 #{last.seq}）",
            new={"up_to_seq": last.seq, "anchor_hash": last.hash, "count": count, "cutoff": cutoff, "days": days},
        )
    return count
