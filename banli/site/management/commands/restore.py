"""`banli restore FILE`: into the empty database named by DATABASE_URL (banli/site/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banli.site.backup import BackupError, format_checksums, restore


class Command(BaseCommand):
    help = (
        "从 banli backup 的归档恢复到 DATABASE_URL 指向的空数据库（非空则拒绝），恢复上传文件，"
        "打印与备份时相同的每表校验和并核对，再校验审计链。字段加密密钥须另行提供。"
    )
    requires_system_checks: list = []  # the database is empty until this command has run

    def add_arguments(self, parser):
        parser.add_argument("archive", help="banli backup 写出的归档文件")

    def handle(self, *args, archive, **opts):
        try:
            result = restore(Path(archive))
        except BackupError as e:
            raise CommandError(str(e))
        self.stdout.write(format_checksums(result.checksums))
        self.stdout.write(f"上传文件 {result.files} 个。")
        ok_audit, audit_message = result.audit
        self.stdout.write(f"审计链：{audit_message}")
        self.stdout.write(result.key_message)
        problems = []
        if result.mismatched:
            problems.append(f"以下表与备份时的校验和不一致：{'、'.join(result.mismatched)}")
        if result.bad_files:
            problems.append(f"以下上传文件缺失或内容不符：{'、'.join(result.bad_files[:10])}")
        if not ok_audit:
            problems.append(f"审计链校验未通过：{audit_message}")
        if problems:
            raise CommandError("；".join(problems))
        self.stdout.write("恢复完成：每张表的行数和校验和与备份一致。")
