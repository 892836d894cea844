"""banli report summary|reply-letter — the official documents of SPEC §7 from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banli.cases.models import Assignment, Session
from banli.errors import DomainError
from banli.orgs.models import Org
from banli.reports import services


class Command(BaseCommand):
    help = "生成公文：summary（办理工作总结，.docx）或 reply-letter（答复函，.docx/.pdf/.ofd）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, title="子命令")
        s = sub.add_parser("summary", help="办理工作总结：--session CODE [--org 单位名称] -o FILE.docx")
        s.add_argument("--session", required=True, help="届次代码")
        s.add_argument("--org", default="", help="单位或协调机构名称（不填则为整个人大/政协）")
        s.add_argument("-o", "--output", required=True)
        r = sub.add_parser(
            "reply-letter", help="答复函：--assignment ID -o FILE.docx|FILE.pdf|FILE.ofd（按扩展名选择格式）"
        )
        r.add_argument("--assignment", required=True, type=int, help="交办记录 ID")
        r.add_argument("-o", "--output", required=True)

    def handle(self, *args, what, output, **opts):
        try:
            if what == "summary":
                content, _ = self._summary(opts["session"], opts["org"])
            else:
                fmt = Path(output).suffix.lower().lstrip(".")
                if fmt not in services.LETTER_FORMATS:
                    raise CommandError("答复函的输出文件须以 .docx、.pdf 或 .ofd 结尾，如 -o 答复函.pdf。")
                content, _ = self._letter(opts["assignment"], fmt)
        except DomainError as e:
            raise CommandError(e.message)
        Path(output).write_bytes(content)
        self.stdout.write(f"已生成 {output}")

    def _summary(self, code, org_name):
        session = Session.objects.filter(code=code).first()
        if session is None:
            raise CommandError(f"找不到届次“{code}”（请用届次代码，如 SZ7-4）。")
        org = None
        if org_name:
            org = Org.objects.filter(name=org_name).first()
            if org is None:
                raise CommandError(f"找不到单位“{org_name}”，请填写系统中的单位全称。")
        return services.summary_render(actor=None, session=session, org=org)

    def _letter(self, assignment_id, fmt):
        a = Assignment.objects.filter(pk=assignment_id).first()
        if a is None:
            raise CommandError(f"找不到交办记录 {assignment_id}。")
        reply = services.latest_reply(a)
        if reply is None:
            raise CommandError(f"交办记录 {assignment_id}（{a}）还没有答复，无法生成答复函。")
        return services.reply_letter_render(actor=None, reply=reply, fmt=fmt)
