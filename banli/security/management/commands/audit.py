"""`banli audit verify` — check the hash chain; `banli audit purge` — apply the auditor's retention policy."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from banli.audit.models import AuditEvent
from banli.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "审计日志：verify 校验哈希链（被篡改或缺失时以非零状态退出并指出第一条问题记录）；"
        "purge 按审计管理员设定的保留策略清理。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="校验审计链")
        p = sub.add_parser("purge", help="按保留策略清理超过保留期的审计记录")
        p.add_argument("--dry-run", action="store_true", help="只报告将清理的条数")

    def handle(self, *args, action, **opts):
        if action == "verify":
            ok, message = audit_verify()
            if not ok:
                raise CommandError(message)
            self.stdout.write(message)
            return
        from django.utils import timezone

        from banli.security import services

        if opts.get("dry_run"):
            pol = services.retention_policy()
            cutoff = timezone.now() - datetime.timedelta(days=pol.days)
            n = AuditEvent.objects.filter(at__lt=cutoff).count()
            self.stdout.write(f"保留策略 {pol.days} 天：将清理约 {n} 条（{cutoff:%Y-%m-%d} 之前）")
            return
        ok, message = audit_verify()
        if not ok:
            raise CommandError(f"审计链校验未通过，拒绝清理：{message}")
        n = services.audit_purge(actor=None)
        self.stdout.write(f"已清理 {n} 条审计记录。")
