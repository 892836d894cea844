"""banli api-token issue|rotate|revoke|list: integration tokens from the command line (the operator
acting as the security administrator; each change is audited with no actor, like other CLI runs)."""

from django.core.management.base import BaseCommand, CommandError

from banli.errors import DomainError
from banli.orgs.models import Org

from ...models import IntegrationToken
from ...tokens import token_issue, token_revoke, token_rotate


class Command(BaseCommand):
    help = "签发、轮换、吊销或列出接口令牌"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        issue = sub.add_parser("issue")
        issue.add_argument("--name", required=True)
        issue.add_argument("--org", required=True, help="机构全称")
        issue.add_argument("--actions", required=True, help="逗号分隔，如 read,handle,webhook")
        issue.add_argument("--days", type=int, default=90)
        rot = sub.add_parser("rotate")
        rot.add_argument("id", type=int)
        rot.add_argument("--days", type=int)
        rev = sub.add_parser("revoke")
        rev.add_argument("id", type=int)
        sub.add_parser("list")

    def handle(self, *args, op, **o):
        try:
            if op == "issue":
                org = Org.objects.filter(name=o["org"]).first()
                if org is None:
                    raise CommandError(f"找不到机构“{o['org']}”。")
                actions = [a.strip() for a in o["actions"].split(",") if a.strip()]
                token, secret = token_issue(actor=None, name=o["name"], org=org, actions=actions, days=o["days"])
                self.stdout.write(f"{token.pk}\t{secret}")
            elif op == "rotate":
                token, secret = token_rotate(actor=None, token=self._get(o["id"]), days=o.get("days"))
                self.stdout.write(f"{token.pk}\t{secret}")
            elif op == "revoke":
                token_revoke(actor=None, token=self._get(o["id"]))
                self.stdout.write(f"已吊销 {o['id']}")
            else:
                for t in IntegrationToken.objects.select_related("org"):
                    state = "已吊销" if t.revoked_at else "有效"
                    self.stdout.write(
                        f"{t.pk}\t{t.name}\t{t.org.name}\t{','.join(t.actions)}\t{t.expires_at:%Y-%m-%d}\t{state}"
                    )
        except DomainError as e:
            raise CommandError(e.message)

    def _get(self, pk):
        t = IntegrationToken.objects.filter(pk=pk).first()
        if t is None:
            raise CommandError(f"找不到令牌 {pk}。")
        return t
