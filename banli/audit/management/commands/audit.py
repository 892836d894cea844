"""`banli audit verify` — check the hash chain; `banli audit purge` — apply the auditor's retention policy."""

import datetime

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from banli.audit.anchor import audit_anchor
from banli.audit.models import AuditEvent
from banli.audit.services import audit_purge, audit_verify, retention_policy


class Command(BaseCommand):
    help = (
        "审计日志：verify 校验哈希链和外部锚点（被篡改、缺失或截断时以非零状态退出并指出第一条问题记录）；"
        "anchor 把链头写入数据库以外的锚点文件（由定时扫描每天运行）；"
        "purge 按审计管理员设定的保留策略清理。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验审计链（及外部锚点，如已配置）")
        sub.add_parser("anchor", help="把当前链头的带密钥校验码写入外部锚点文件（BANLI_AUDIT_ANCHOR_FILE）")
        p = sub.add_parser("purge", help="按保留策略清理超过保留期的审计记录")
        p.add_argument("--dry-run", action="store_true", help="只报告将清理的条数")

    def handle(self, *args, action, **opts):
        if action == "verify":
            ok, message = audit_verify()
            if not ok:
                raise CommandError(message)
            self.stdout.write(message)
            return
        if action == "anchor":
            try:
                _, message = audit_anchor()
            except ImproperlyConfigured as e:
                raise CommandError(str(e))
            self.stdout.write(message)
            return
        if opts.get("dry_run"):
            pol = retention_policy()
            cutoff = timezone.now() - datetime.timedelta(days=pol.days)
            n = AuditEvent.objects.filter(at__lt=cutoff).count()
            self.stdout.write(f"保留策略 {pol.days} 天：将清理约 {n} 条（{cutoff:%Y-%m-%d} 之前）")
            return
        ok, message = audit_verify()
        if not ok:
            raise CommandError(f"审计链校验未通过，拒绝清理：{message}")
        n = audit_purge(actor=None)
        self.stdout.write(f"已清理 {n} 条审计记录。")
