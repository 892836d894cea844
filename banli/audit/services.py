"""Writing and verifying the audit chain."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .middleware import current_ip
from .models import AuditChainHead, AuditEvent


def _canonical(value: Any) -> Any:
    """JSON-safe form of old/new values (dates, decimals, model instances)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, default=str))


def _digest(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _hashed_fields(e: AuditEvent) -> dict:
    return {
        "seq": e.seq,
        "at": e.at.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
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
    """Append one event to the chain. Must run inside the caller's transaction."""
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
            summary=summary[:300],
            old=_canonical(old),
            new=_canonical(new),
            prev_hash=head.hash,
        )
        event.hash = _digest(head.hash, _hashed_fields(event))
        event.save()
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


def audit_verify() -> tuple[bool, str]:
    """Walk the chain; return (ok, message naming the first altered or missing entry)."""
    prev = "0" * 64
    expected_seq = 1
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if e.seq != expected_seq:
            return False, f"审计记录 #{expected_seq} 缺失（下一条为 #{e.seq}）"
        if e.prev_hash != prev or _digest(prev, _hashed_fields(e)) != e.hash:
            return False, f"审计记录 #{e.seq} 被篡改（{e.verb} {e.object_type}:{e.object_id}）"
        prev = e.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head and head.seq != expected_seq - 1:
        return False, f"审计记录 #{expected_seq} 及之后缺失（链头为 #{head.seq}）"
    return True, f"审计链完整，共 {expected_seq - 1} 条"
