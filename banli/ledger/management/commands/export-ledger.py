from django.core.management.base import BaseCommand, CommandError

from banli.cases.models import Session
from banli.errors import DomainError
from banli.ledger.services import ledger_export
from banli.orgs.models import Org


class Command(BaseCommand):
    help = "导出台账（SPEC §11）：--session 届次代码 [--org 机构名称] -o FILE.xlsx"

    def add_arguments(self, parser):
        parser.add_argument("--session", required=True, help="届次会议代码，如 SZ7-4")
        parser.add_argument("--org", default="", help="机构名称：只导出该机构及其下级单位的交办行（默认整个会议）")
        parser.add_argument("-o", "--output", required=True, help="输出的 .xlsx 文件")

    def handle(self, *args, session, output, org, **opts):
        s = Session.objects.select_related("body").filter(code=session).first()
        if s is None:
            raise CommandError(f"找不到届次会议“{session}”（请用届次代码，如 SZ7-4）。")
        o = None
        if org:
            o = Org.objects.filter(name=org).first()
            if o is None:
                raise CommandError(f"找不到机构“{org}”（请填写组织机构的全称）。")
        try:
            data = ledger_export(actor=None, session=s, org=o)
        except DomainError as e:
            raise CommandError(e.message)
        try:
            with open(output, "wb") as fh:
                fh.write(data)
        except OSError as e:
            raise CommandError(f"无法写入“{output}”：{e.strerror}")
        self.stdout.write(f"已导出 {s.name} 的台账到 {output}")
