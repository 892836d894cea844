"""banli close-due: close replied cases whose evaluation window passed (recorded as 未评价)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from banli.handling.services import assignment_close_due


class Command(BaseCommand):
    help = "办结评价期限已过而未评价的已答复件（记为未评价），可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期计算（YYYY-MM-DD，默认今天）")

    def handle(self, *args, **opts):
        on = None
        if opts.get("date"):
            try:
                on = dt.date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{opts['date']}")
        closed = assignment_close_due(on=on)
        self.stdout.write(f"已处理 {len(closed)} 件评价期限已过的答复（记为未评价）。")
