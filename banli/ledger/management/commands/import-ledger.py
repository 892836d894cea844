from django.core.management.base import BaseCommand, CommandError

from banli.cases.models import Session
from banli.errors import DomainError
from banli.ledger.services import LedgerInvalid, ledger_import
from banli.orgs.models import Org


class Command(BaseCommand):
    help = "导入台账（SPEC §11）：FILE.xlsx --session 届次代码 [--dry-run] [--create-orgs [--org-parent 上级机构]]"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--session", required=True, help="届次会议代码，如 SZ7-4")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")
        parser.add_argument(
            "--create-orgs", action="store_true", help="找不到的承办单位自动新建（默认放在组织机构顶层）"
        )
        parser.add_argument("--org-parent", default="", help="与 --create-orgs 同用：新建单位放在该机构之下")

    def handle(self, *args, file, session, dry_run, create_orgs, org_parent, **opts):
        s = Session.objects.select_related("body").filter(code=session).first()
        if s is None:
            raise CommandError(f"找不到届次会议“{session}”（请用届次代码，如 SZ7-4）。")
        parent = None
        if org_parent:
            parent = Org.objects.filter(name=org_parent).first()
            if parent is None:
                raise CommandError(f"找不到上级机构“{org_parent}”。")
        try:
            with open(file, "rb") as fh:
                plan = ledger_import(
                    actor=None,
                    session=s,
                    source=fh,
                    filename=file.rsplit("/", 1)[-1],
                    create_orgs=create_orgs,
                    org_parent=parent,
                    dry_run=dry_run,
                )
        except FileNotFoundError:
            raise CommandError(f"找不到文件“{file}”。")
        except LedgerInvalid as e:
            for w in e.plan.warnings:
                self.stderr.write(f"提示：{w}")
            for p in e.problems:
                self.stderr.write(str(p))
            raise CommandError(e.message)
        except DomainError as e:
            raise CommandError(e.message)
        for w in plan.warnings:
            self.stdout.write(f"提示：{w}")
        head = "校验通过（试运行，未写入任何数据），将导入：" if dry_run else f"已导入 {s.name}（{s.code}）："
        self.stdout.write(f"{head}共 {plan.rows} 行")
        for label, n in plan.counts_display():
            self.stdout.write(f"  {label}：{n}")
