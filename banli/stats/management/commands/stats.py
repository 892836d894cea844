import json as _json

from django.core.management.base import BaseCommand, CommandError

from banli.cases.models import Session
from banli.orgs.models import Org
from banli.stats.selectors import stats_for

LABELS = [
    ("received", "收到件数"),
    ("by_channel.plenary", "  其中大会"),
    ("by_channel.interim", "  其中平时"),
    ("accepted", "立案"),
    ("not_accepted", "不予立案"),
    ("merged", "并案"),
    ("accept_rate", "立案率"),
    ("assigned", "交办件数"),
    ("assigned_share", "交办占立案比例"),
    ("by_role.lead", "主办"),
    ("by_role.co", "会办"),
    ("by_role.separate", "分办"),
    ("by_role.sole", "承办"),
    ("replies_due", "应答复"),
    ("replies_sent", "已答复"),
    ("reply_rate", "办复率"),
    ("on_time_sign_rate", "按时签收率"),
    ("on_time_reply_rate", "按时答复率"),
    ("class_counts.A", "A类"),
    ("class_rates.A", "A类占比"),
    ("class_counts.B", "B类"),
    ("class_rates.B", "B类占比"),
    ("class_counts.C", "C类"),
    ("class_rates.C", "C类占比"),
    ("class_counts.D", "D类"),
    ("class_rates.D", "D类占比"),
    ("evaluated", "已评价"),
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("unsatisfied", "不满意"),
    ("satisfaction_rate", "满意率（含基本满意）"),
    ("full_satisfaction_rate", "满意率（仅满意）"),
    ("contact_rate", "沟通率"),
    ("face_to_face_rate", "见面率"),
    ("b_open", "B类跟踪中"),
    ("b_converted", "B类已转A"),
    ("adoption_rate", "采纳率"),
    ("overdue", "逾期"),
]


def _get(d, key):
    for part in key.split("."):
        d = d[part]
    return d


class Command(BaseCommand):
    help = "统计（SPEC §9）：--session 届次代码（可多次或用逗号分隔）[--org 机构名称] [--json]"

    def add_arguments(self, parser):
        parser.add_argument("--session", action="append", required=True, help="届次会议代码；可重复，或用逗号分隔")
        parser.add_argument("--org", default="", help="机构名称：只统计该机构及其下级单位的交办（收件数仍为整个会议）")
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, session, org, **opts):
        codes = [c.strip() for s in session for c in s.replace("，", ",").split(",") if c.strip()]
        found = {s.code: s for s in Session.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing or not codes:
            raise CommandError(f"找不到届次会议“{'、'.join(missing) or '（空）'}”（请用届次代码，如 SZ7-4）。")
        o = None
        if org:
            o = Org.objects.filter(name=org).first()
            if o is None:
                raise CommandError(f"找不到机构“{org}”（请填写组织机构的全称）。")
        data = stats_for(sessions=[found[c] for c in codes], org=o)
        if opts["json"]:
            self.stdout.write(_json.dumps(data, ensure_ascii=False))
            return
        scope = o.name if o else "全部承办单位"
        self.stdout.write(f"{'、'.join(found[c].name for c in dict.fromkeys(codes))} · {scope}")
        for key, label in LABELS:
            v = _get(data, key)
            if key.endswith("rate") or ".rate" in key or key.startswith("class_rates") or key == "assigned_share":
                text = "—" if v is None else f"{v * 100:.2f}%"
            else:
                text = str(v)
            self.stdout.write(f"{label}\t{text}")
