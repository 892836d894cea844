"""`banli worker`: background work with no extra server, or an RQ worker when REDIS_URL is set."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from banli.notify.tasks import redis_url
from banli.site import periodic


class Command(BaseCommand):
    requires_system_checks: list = []  # a calendar question or a scan does not depend on the web stack

    help = "后台任务：无 Redis 时每隔 N 分钟运行一次提醒扫描；设置 REDIS_URL 时作为 RQ 工作进程运行队列任务。"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=15, help="扫描间隔（分钟），默认 15")
        parser.add_argument("--once", action="store_true", help="只运行一次后退出")

    def handle(self, *args, interval=15, once=False, **o):
        if redis_url() and not once:
            self.stdout.write("使用 Redis 队列（RQ）运行后台任务。")
            periodic.run_rq_worker(interval_minutes=interval)
            return
        while True:
            # A long-lived loop must not keep a connection the database has dropped.
            if not connection.in_atomic_block:
                close_old_connections()
            try:
                counts = periodic.periodic_task()
                self.stdout.write(
                    f"{time.strftime('%Y-%m-%d %H:%M')} 提醒 {counts['sent']} 条，督办检查 {counts['checks']} 次。"
                )
            except Exception as e:  # keep the loop alive; the next round retries
                self.stderr.write(f"提醒扫描失败：{e}")
            if once:
                return
            time.sleep(max(1, interval) * 60)
