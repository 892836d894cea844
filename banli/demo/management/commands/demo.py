import time

from django.core.management.base import BaseCommand, CommandError

from banli.demo.build import DEMO_TOTP_SECRET, LOGINS, PASSWORD, build, demo_exists, demo_totp_code
from banli.orgs.models import User
from banli.security.services import totp_required


class Command(BaseCommand):
    help = (
        "载入演示城市（人大、政协、政府办公厅、二十多个承办单位、一个区、两次会议的数百件建议提案）并打印演示账号。"
        "已存在时不重复载入。--totp 用户名：显示演示账号当前的双因素验证码。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--totp", metavar="USERNAME", help="显示该演示账号当前的双因素验证码")

    def handle(self, *args, totp=None, **opts):
        if totp:
            code = demo_totp_code(totp)
            if code is None:
                raise CommandError(f"“{totp}”不是使用演示密钥的演示账号。")
            self.stdout.write(code)
            return
        if demo_exists():
            self.stdout.write("演示数据已存在，未重复载入。")
        else:
            t0 = time.monotonic()
            d = build()
            self.stdout.write(f"演示数据已载入（{time.monotonic() - t0:.1f} 秒）：" + "；".join(d.log))
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {PASSWORD}）：")
        twofa = []
        for username, org, _roles, name, what in LOGINS:
            user = User.objects.filter(username=username).first()
            mark = " *" if user is not None and totp_required(user) else ""
            if mark:
                twofa.append(username)
            self.stdout.write(f"  {username:<12} {name:<16} {org} — {what}{mark}")
        if twofa:
            self.stdout.write("")
            self.stdout.write(f"* 须双因素验证：在身份验证器中添加密钥 {DEMO_TOTP_SECRET}，或运行")
            self.stdout.write("  .venv/bin/banli demo --totp 用户名   显示当前 6 位验证码（每个验证码只能用一次）。")
        self.stdout.write("")
