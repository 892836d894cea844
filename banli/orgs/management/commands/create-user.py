from django.core.management.base import BaseCommand, CommandError

from banli.errors import DomainError
from banli.orgs.models import Org, Role
from banli.orgs.services import user_create


class Command(BaseCommand):
    help = "创建用户：--username U --org 组织名称 --role 角色 [--password P]（角色可重复或用逗号分隔）"

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--org", required=True)
        parser.add_argument("--role", required=True, action="append", help=" | ".join(Role.values))
        parser.add_argument("--password")
        parser.add_argument("--name", default="")

    def handle(self, *args, username, org, role, password, name, **opts):
        o = Org.objects.filter(name=org).first()
        if o is None:
            raise CommandError(f"找不到组织“{org}”。")
        roles = [r.strip() for item in role for r in item.split(",") if r.strip()]
        try:
            user_create(username=username, org=o, roles=roles, password=password, full_name=name)
        except DomainError as e:
            raise CommandError(e.message)
        self.stdout.write(f"已创建用户 {username}（{o.name}，{'、'.join(Role(r).label for r in roles)}）。")
