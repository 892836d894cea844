"""`banli remind`: scan due dates and send what is due (before / on / overdue), each once."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from banli.deadlines.tasks import remind_task


class Command(BaseCommand):
    requires_system_checks: list = []  # a calendar question or a scan does not depend on the web stack

    help = "扫描办理期限，发送到期前、到期当日和逾期提醒，并执行到期的督办计划检查（重复运行不会重复发送）。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按指定日期扫描（YYYY-MM-DD），用于补发或测试")

    def handle(self, *args, today=None, **o):
        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"日期“{today}”无效，应写作 2024-05-01。")
        counts = remind_task(day.isoformat() if day else None)
        self.stdout.write(
            f"提醒 {counts['sent']} 条（涉及 {counts['assignments']} 件交办）"
            f"，逾期汇总 {counts['digests']} 条，督办检查 {counts['checks']} 次。"
        )
