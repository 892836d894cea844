"""banli export-archive --session CODE [--org NAME] -o FILE.zip — a session's archive for 档案管理."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banli.cases.models import Session
from banli.errors import DomainError
from banli.orgs.models import Org
from banli.reports.services import archive_export


class Command(BaseCommand):
    help = "导出届次档案（台账、全部已发答复函及附件、责任清单、B类跟踪台账、目录）为 .zip"

    def add_arguments(self, parser):
        parser.add_argument("--session", required=True, help="届次代码")
        parser.add_argument("--org", default="", help="只导出该单位（及其下属单位）的部分")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, session, org, output, **opts):
        s = Session.objects.filter(code=session).first()
        if s is None:
            raise CommandError(f"找不到届次“{session}”（请用届次代码）。")
        o = None
        if org:
            o = Org.objects.filter(name=org).first()
            if o is None:
                raise CommandError(f"找不到单位“{org}”，请填写系统中的单位全称。")
        try:
            content, _ = archive_export(actor=None, session=s, org=o)
        except DomainError as e:
            raise CommandError(e.message)
        Path(output).write_bytes(content)
        self.stdout.write(f"已导出 {output}")
