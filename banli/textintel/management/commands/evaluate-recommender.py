"""banli evaluate-recommender: top-1 / top-3 accuracy of unit recommendation, train/test split by session."""

import json

from django.core.management.base import BaseCommand, CommandError

from banli.cases.models import Session
from banli.textintel import recommender, synth
from banli.textintel.text import doc_tokens


class Command(BaseCommand):
    help = (
        "评估智能交办：按届次划分训练集与测试集（默认以最近一届为测试集），报告主办单位首选（top-1）和前三（top-3）准确率。"
        "--synthetic 在内存中生成多届仿真数据评估，不读写数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--synthetic", action="store_true", help="用仿真的多届数据评估")
        parser.add_argument("--sessions", type=int, default=6, help="仿真届数")
        parser.add_argument("--per-session", type=int, default=600, help="仿真每届件数")
        parser.add_argument("--noise", type=float, default=0.12, help="仿真中交给非常规主办单位的比例")
        parser.add_argument("--test-session", action="append", default=[], help="测试届次代码（可多次）")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        if opts["synthetic"]:
            data = synth.generate(sessions=opts["sessions"], per_session=opts["per_session"], noise=opts["noise"])
            samples = [
                recommender.Sample(doc_tokens(p.title, p.content), p.lead, tuple(p.cos), p.session) for p in data
            ]
            groups = sorted({s.group for s in samples})
            test_groups = set(opts["test_session"]) or {groups[-1]}
            source = "synthetic"
        else:
            samples = recommender.samples_from_db()
            if not samples:
                raise CommandError("数据库中没有已交办的建议提案；可用 --synthetic 评估仿真数据。")
            codes = dict(Session.objects.values_list("pk", "code"))
            years = dict(Session.objects.values_list("pk", "year"))
            for s in samples:
                s.group = codes[s.group]
            if opts["test_session"]:
                test_groups = set(opts["test_session"])
            else:
                # the latest session of each body is the test set
                latest = {}
                for sid, _code in codes.items():
                    body = Session.objects.filter(pk=sid).values_list("body_id", flat=True).first()
                    if body not in latest or years[sid] > years[latest[body]]:
                        latest[body] = sid
                test_groups = {codes[sid] for sid in latest.values()}
            source = "database"
        train = [s for s in samples if s.group not in test_groups]
        test = [s for s in samples if s.group in test_groups]
        if not train or not test:
            raise CommandError("训练集或测试集为空：需要至少两届已交办的建议提案。")
        if len({s.lead for s in train}) < 2:
            raise CommandError("训练集中的主办单位少于两个，无法评估。")
        result = recommender.evaluate(train, test)
        result.update(
            source=source, test_sessions=sorted(test_groups), train_sessions=sorted({s.group for s in train})
        )
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
        else:
            self.stdout.write(
                f"训练 {result['train']} 件（{'、'.join(result['train_sessions'])}）"
                f"，测试 {result['test']} 件（{'、'.join(result['test_sessions'])}）\n"
                f"主办单位 top-1 准确率 {result['top1'] * 100:.2f}%，top-3 准确率 {result['top3'] * 100:.2f}%"
                + (
                    f"，会办单位前三召回率 {result['co_recall_at3'] * 100:.2f}%"
                    if result["co_recall_at3"] is not None
                    else ""
                )
                + f"；训练用时 {result['train_seconds']} 秒"
            )
