"""banli reindex [--session CODE]: rebuild the search documents (after a bulk import, or all)."""

import time

from django.core.management.base import BaseCommand

from banli.textintel.index import index_session

from ._util import session_by_code


class Command(BaseCommand):
    help = "重建全文检索和相似件索引（某届会议，或全部）。批量导入（bulk_create）后需运行。"

    def add_arguments(self, parser):
        parser.add_argument("--session", help="届次代码；不指定则重建全部")

    def handle(self, *args, **opts):
        t0 = time.perf_counter()
        s = session_by_code(opts["session"]) if opts["session"] else None
        n = index_session(s)
        self.stdout.write(
            f"已重建 {n} 个文档的索引（{s.name if s else '全部'}），用时 {time.perf_counter() - t0:.1f} 秒。"
        )
