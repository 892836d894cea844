from django.core.management.base import BaseCommand, CommandError

from banli.cases.services import session_create
from banli.errors import DomainError
from banli.orgs.models import Org


class Command(BaseCommand):
    help = "设立届次会议：--code CODE --name NAME --body 人大或政协机构名称 --year YYYY"

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--body", required=True)
        parser.add_argument("--year", required=True, type=int)

    def handle(self, *args, code, name, body, year, **opts):
        b = Org.objects.filter(name=body).first()
        if b is None:
            raise CommandError(f"找不到机构“{body}”。")
        try:
            s = session_create(code=code, name=name, body=b, year=year)
        except DomainError as e:
            raise CommandError(e.message)
        self.stdout.write(f"已设立 {s.name}（{s.code}）。")
