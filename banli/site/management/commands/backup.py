"""`banli backup -o FILE`: the database and the uploaded files in one archive (banli/site/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banli.site.backup import KEY_NOTE, BackupError, backup, format_checksums


class Command(BaseCommand):
    help = (
        "备份：数据库（SQLite 在线备份 / PostgreSQL pg_dump 自定义格式）连同上传文件写入一个归档文件，"
        "并打印每张表的行数和校验和。字段加密密钥不在备份中。"
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="归档文件路径（.tar）")

    def handle(self, *args, output, **opts):
        try:
            result = backup(Path(output))
        except BackupError as e:
            raise CommandError(str(e))
        self.stdout.write(format_checksums(result.checksums))
        self.stdout.write(f"上传文件 {result.files} 个。")
        self.stdout.write(f"已写入备份：{result.path}（{result.vendor}）")
        self.stdout.write(KEY_NOTE)
