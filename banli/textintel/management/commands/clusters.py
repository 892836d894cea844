"""banli clusters --session CODE --json"""

import json

from django.core.management.base import BaseCommand

from banli.cases.models import Proposal, ReviewState
from banli.textintel.selectors import clusters_for_ids

from ._util import session_by_code


class Command(BaseCommand):
    help = "某届会议建议提案的主题类案（按内容自动归类，以关键词命名）。"

    def add_arguments(self, parser):
        parser.add_argument("--session", required=True, help="届次代码")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        s = session_by_code(opts["session"])
        ids = set(
            Proposal.objects.filter(session=s)
            .exclude(review_state__in=[ReviewState.MERGED, ReviewState.NOT_ACCEPTED])
            .values_list("pk", flat=True)
        )
        clusters = clusters_for_ids(s.body_id, ids)
        out = {
            "session": s.code,
            "clusters": [
                {
                    "label": c.label,
                    "name": c.name,
                    "terms": c.terms,
                    "size": c.size,
                    "proposals": [{"id": p.pk, "number": p.number, "title": p.title} for p in c.proposals],
                }
                for c in clusters
            ],
        }
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            for c in out["clusters"]:
                self.stdout.write(f"{c['label'] or '-':>3}  {c['size']:>4} 件  {c['name']}")
