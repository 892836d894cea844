"""The audit chain anchored outside the database: a keyed MAC of the chain head, at least once a day.

`banli audit anchor` (also run by the periodic scan) appends one line to the file named by
BANLI_AUDIT_ANCHOR_FILE — the operator puts it where the database's owner cannot rewrite it
(another disk, a write-once mount, a log shipped off the host). Each line holds the day, the
chain head's seq and hash, and an HMAC-SHA256 of them under a key that is not in the database
(BANLI_AUDIT_ANCHOR_KEY, or the file named by BANLI_AUDIT_ANCHOR_KEY_FILE).

`banli audit verify` then checks every anchor: its MAC, and that the database's chain still holds
the anchored entry with the same hash. Deleting the last rows and rewinding the chain head leaves a
consistent chain in the database, but an anchor beyond the head: truncation is reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from .models import AuditChainHead, AuditEvent, AuditPurge


@dataclass
class Anchor:
    day: str
    seq: int
    hash: str
    at: str
    mac: str


def anchor_file() -> Path | None:
    path = getattr(settings, "BANLI_AUDIT_ANCHOR_FILE", "") or ""
    return Path(path) if path else None


def anchor_key() -> bytes:
    """The MAC key: from the environment/settings or a key file, never from the database."""
    key = getattr(settings, "BANLI_AUDIT_ANCHOR_KEY", "") or ""
    key_file = getattr(settings, "BANLI_AUDIT_ANCHOR_KEY_FILE", "") or ""
    if not key and key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as e:
            raise ImproperlyConfigured(f"读取审计锚点密钥文件 {key_file} 失败：{e}")
    if len(key) < 32:
        raise ImproperlyConfigured(
            "未配置审计锚点密钥：请设置 BANLI_AUDIT_ANCHOR_KEY（至少 32 个字符）或 BANLI_AUDIT_ANCHOR_KEY_FILE；"
            '生成：python -c "import secrets;print(secrets.token_hex(32))"'
        )
    return key.encode()


def _mac(key: bytes, day: str, seq: int, head_hash: str) -> str:
    return hmac.new(key, f"banli-audit-anchor|{day}|{seq}|{head_hash}".encode(), hashlib.sha256).hexdigest()


def read_anchors(path: Path) -> list[tuple[int, Anchor | None]]:
    """(line number, anchor or None for an unreadable line)."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append((n, Anchor(day=d["day"], seq=int(d["seq"]), hash=d["hash"], at=d["at"], mac=d["mac"])))
        except (ValueError, KeyError, TypeError):
            out.append((n, None))
    return out


def audit_anchor() -> tuple[bool, str]:
    """Append today's anchor of the chain head (again when the head moved since the last one).

    Returns (written, message). Raises ImproperlyConfigured without a file or a key."""
    path = anchor_file()
    if path is None:
        raise ImproperlyConfigured("未配置审计锚点文件：请设置 BANLI_AUDIT_ANCHOR_FILE（放在数据库所在磁盘以外）。")
    key = anchor_key()
    head = AuditChainHead.objects.filter(pk=1).first()
    seq, head_hash = (head.seq, head.hash) if head else (0, "0" * 64)
    day = timezone.localdate().isoformat()
    if path.exists():
        anchors = [a for _, a in read_anchors(path) if a is not None]
        if anchors and anchors[-1].day == day and anchors[-1].seq == seq and anchors[-1].hash == head_hash:
            return False, f"今日（{day}）已锚定链头 #{seq}，无需重复。"
    line = json.dumps(
        {
            "day": day,
            "seq": seq,
            "hash": head_hash,
            "at": timezone.now().isoformat(timespec="seconds"),
            "mac": _mac(key, day, seq, head_hash),
        },
        ensure_ascii=False,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return True, f"已锚定 {day} 的链头 #{seq} 到 {path}。"


def anchors_verify() -> tuple[bool, str]:
    """Check every anchor against the database's chain. (ok, message)."""
    path = anchor_file()
    if path is None:
        return True, "未配置外部锚点（BANLI_AUDIT_ANCHOR_FILE）"
    if not path.exists():
        return True, f"外部锚点文件 {path} 尚不存在（尚未运行 banli audit anchor）"
    key = anchor_key()
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    boundary = AuditPurge.objects.order_by("-up_to_seq").values_list("up_to_seq", flat=True).first() or 0
    checked = 0
    for n, a in read_anchors(path):
        if a is None:
            return False, f"外部锚点文件第 {n} 行无法读取，锚点文件可能被改动"
        if not hmac.compare_digest(a.mac, _mac(key, a.day, a.seq, a.hash)):
            return False, f"外部锚点文件第 {n} 行的校验码不符，锚点被改动或密钥不对"
        if a.seq > head_seq:
            return False, (f"审计日志被截断：{a.day} 的外部锚点记录链头为 #{a.seq}，数据库中的链头只到 #{head_seq}")
        if a.seq == 0 or a.seq <= boundary:
            continue  # before the first entry, or purged by the retention policy (its anchor is checked)
        stored = AuditEvent.objects.filter(seq=a.seq).values_list("hash", flat=True).first()
        if stored is None:
            return False, f"审计记录 #{a.seq} 缺失（{a.day} 的外部锚点记录了它）"
        if stored != a.hash:
            return False, f"审计记录 #{a.seq} 与 {a.day} 的外部锚点不符，链被改写"
        checked += 1
    return True, f"外部锚点 {checked} 个与审计链一致"
