from django.core.management.base import BaseCommand, CommandError

from banli.orgs.services import orgs_import_xlsx


class Command(BaseCommand):
    help = "导入组织机构（.xlsx，列：名称、上级、类型）。重复导入不会重复创建。"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **opts):
        try:
            created, errors = orgs_import_xlsx(file)
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{file}")
        if errors:
            for e in errors:
                self.stderr.write(e)
            raise CommandError(f"共 {len(errors)} 处问题，未导入任何组织。")
        self.stdout.write(f"导入完成：新建 {created} 个组织。")
