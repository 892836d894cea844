"""banli learn-related-terms: learn related word pairs from the archive, as suggestions for staff."""

import json

from django.core.management.base import BaseCommand

from banli.textintel.services import related_terms_learn


class Command(BaseCommand):
    help = (
        "从全部建议提案、答复和沟通记录中学习相关词（如“近视”与“视力”），存为待确认，"
        "由工作人员在自定义词典页确认或否决。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        out = related_terms_learn()
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(
                f"已从 {out['documents']} 篇文本学到 {out['learned']} 对相关词（新增 {out['new']} 对，"
                f"移除 {out['removed']} 对不再成立的待确认词）。"
            )
