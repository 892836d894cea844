"""banli recommend-units --text "…" [--session CODE] [--top K] --json"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from banli.textintel.models import DocKind, SearchDoc
from banli.textintel.selectors import explain_recommendation

from ._util import session_by_code


class Command(BaseCommand):
    help = (
        "智能交办：一段建议提案文字的推荐主办单位（及会办单位），按置信度排序，"
        "并列出每个单位的依据（往届交办给该单位的相似件、共同词和相关词），与网页面板相同。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--text", required=True, help="标题和/或内容")
        parser.add_argument("--session", help="届次代码：在其所属人大/政协的件中找依据（默认件数最多的人大/政协）")
        parser.add_argument("--top", type=int, default=3)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        if opts["top"] < 1:
            raise CommandError("--top 应为正整数。")
        if not opts["text"].strip():
            raise CommandError("--text 不能为空。")
        if opts["session"]:
            body_id = session_by_code(opts["session"]).body_id
        else:  # the body with the largest archive
            body_id = (
                SearchDoc.objects.filter(kind=DocKind.PROPOSAL)
                .values("body_org_id")
                .annotate(n=Count("id"))
                .order_by("-n")
                .values_list("body_org_id", flat=True)
                .first()
            )
        out = explain_recommendation(body_id=body_id, title=opts["text"], top=opts["top"])
        if out is None:
            raise CommandError("尚未训练交办推荐模型，请先运行 banli train-recommender。")
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        for label, key in (("主办：", "units"), ("会办：", "co_units")):
            self.stdout.write(label)
            if key == "co_units" and not out[key]:
                threshold = out["co_threshold"]
                self.stdout.write(
                    "  （无：没有会办单位达到校准阈值"
                    + (f" {threshold:.2f}" if threshold is not None else "，历史中没有可靠的会办规律")
                    + "）"
                )
            for d in out[key]:
                self.stdout.write(f"  {d['score']:.3f}  {d['unit']}")
                for c in d["cases"]:
                    line = f"         依据：{c['session']} {c['number']} {c['title']}（相似度 {c['score']:.2f}）"
                    if c["shared_terms"]:
                        line += f" 共同词：{'、'.join(c['shared_terms'])}"
                    if c["bridges"]:
                        line += " 相关词：" + "、".join(
                            f"{b['query_term']}～{b['related_term']}" for b in c["bridges"]
                        )
                    self.stdout.write(line)
