"""banli train-recommender: retrain the unit recommender from all past assignments and store it."""

import json

from django.core.management.base import BaseCommand, CommandError

from banli.errors import DomainError
from banli.textintel.services import recommender_train


class Command(BaseCommand):
    help = "用全部已交办的建议提案重新训练交办推荐模型，并存入数据库（各应用进程自动使用新模型）。"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        try:
            row = recommender_train(actor=None)
        except DomainError as e:
            raise CommandError(e.message)
        out = {"model_id": row.pk, "samples": row.n_samples, "units": row.n_units, "seconds": row.seconds}
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(
                f"已训练模型 #{row.pk}：{row.n_samples} 件，{row.n_units} 个主办单位，用时 {row.seconds:.2f} 秒。"
            )
