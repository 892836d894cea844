import time

from django.core.management.base import BaseCommand

from banli.demo.build import LOGINS, PASSWORD, build, demo_exists


class Command(BaseCommand):
    help = "载入演示城市（人大、政协、政府办公厅、二十多个承办单位、一个区、两次会议的数百件建议提案）并打印演示账号。已存在时不重复载入。"

    def handle(self, *args, **opts):
        if demo_exists():
            self.stdout.write("演示数据已存在，未重复载入。")
        else:
            t0 = time.monotonic()
            d = build()
            self.stdout.write(f"演示数据已载入（{time.monotonic() - t0:.1f} 秒）：" + "；".join(d.log))
        self.stdout.write("")
        self.stdout.write("演示账号（密码均为 %s）：" % PASSWORD)
        for username, org, roles, name, what in LOGINS:
            self.stdout.write(f"  {username:<12} {name:<16} {org} — {what}")
        self.stdout.write("")
