from django.core.management.base import BaseCommand, CommandError

from banli.errors import DomainError
from banli.orgs.models import Org
from banli.orgs.services import unit_names_set


class Command(BaseCommand):
    help = (
        "设置承办单位的简称和别名（单位选择框按全称、简称、别名和拼音首字母查找）："
        "unit-names 单位全称 [--short 简称] [--alias 别名 …]（--alias 可重复；给出 --alias 即替换原有别名）"
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--short", default=None)
        parser.add_argument("--alias", action="append", default=None)

    def handle(self, *args, name, short, alias, **opts):
        org = Org.objects.filter(name=name.strip()).first()
        if org is None:
            raise CommandError(f"找不到单位“{name}”，请填写全称。")
        try:
            unit_names_set(org=org, short_name=short, aliases=alias)
        except DomainError as e:
            raise CommandError(e.message)
        self.stdout.write(f"{org.name}：简称“{org.short_name}”，别名：{'、'.join(org.alias_list) or '无'}")
