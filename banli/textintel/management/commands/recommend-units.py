"""banli recommend-units --text "…" [--top K] --json"""

import json

from django.core.management.base import BaseCommand, CommandError

from banli.orgs.models import Org
from banli.textintel.selectors import recommend_for_text
from banli.textintel.text import doc_tokens


class Command(BaseCommand):
    help = "智能交办：一段建议提案文字的推荐主办单位（及会办单位），按置信度排序。"

    def add_arguments(self, parser):
        parser.add_argument("--text", required=True, help="标题和/或内容")
        parser.add_argument("--top", type=int, default=3)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        if opts["top"] < 1:
            raise CommandError("--top 应为正整数。")
        if not opts["text"].strip():
            raise CommandError("--text 不能为空。")
        res = recommend_for_text(tokens=doc_tokens(opts["text"]), top=opts["top"])
        if res is None:
            raise CommandError("尚未训练交办推荐模型，请先运行 banli train-recommender。")
        leads, cos, model_id = res
        names = dict(Org.objects.filter(pk__in=[u for u, _ in leads + cos]).values_list("pk", "name"))
        out = {
            "model_id": model_id,
            "units": [{"unit_id": u, "unit": names.get(u, str(u)), "score": round(p, 4)} for u, p in leads],
            "co_units": [
                {"unit_id": u, "unit": names.get(u, str(u)), "score": round(p, 4)} for u, p in cos[: opts["top"]]
            ],
        }
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
        else:
            self.stdout.write("主办：")
            for d in out["units"]:
                self.stdout.write(f"  {d['score']:.3f}  {d['unit']}")
            self.stdout.write("会办：")
            for d in out["co_units"]:
                self.stdout.write(f"  {d['score']:.3f}  {d['unit']}")
