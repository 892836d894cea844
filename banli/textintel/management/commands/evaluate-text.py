"""banli evaluate-text: routing and duplicate detection on the development set, with the plain baseline."""

import json

from django.core.management.base import BaseCommand

from banli.textintel import evaluation, similarity


class Command(BaseCommand):
    help = (
        "在开发集（banli/textintel/devset，手写的改写对与干扰项，简繁两种字形）上评估智能交办和重复件识别："
        "主办单位 top-1/top-3、改写件排第一/前三、并案建议的精确率与召回率，并在同一次运行中给出普通 TF-IDF 基线。"
        "历史数据为内存中仿真的两届建议提案，不读写数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--per-session", type=int, default=3000, help="仿真历史每届件数")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        hist = evaluation.history(per_session=opts["per_session"])
        current = evaluation.evaluate(hist=hist, related=evaluation.learned_related(hist))
        baseline = evaluation.evaluate(plain=True, hist=hist, threshold=similarity.BASELINE_DUPLICATE_SCORE)
        out = {"devset": str(evaluation.DEVSET.name), "current": current, "baseline": baseline}
        if opts["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=1))
            return
        w = self.stdout.write
        w(f"开发集 {current['merge']['pairs']} 对（改写 {current['merge']['duplicates']} 对），历史 {len(hist)} 件")
        w(f"{'':24}{'当前':>14}{'普通TF-IDF基线':>18}")
        rows = [
            ("主办单位 top-1", current["routing"]["top1"], baseline["routing"]["top1"]),
            ("主办单位 top-3", current["routing"]["top3"], baseline["routing"]["top3"]),
            ("改写件排第一", current["duplicates"]["first"], baseline["duplicates"]["first"]),
            ("改写件在前三", current["duplicates"]["top3"], baseline["duplicates"]["top3"]),
            (
                "含一届背景：排第一",
                current["duplicates_with_background"]["first"],
                baseline["duplicates_with_background"]["first"],
            ),
            (
                "含一届背景：在前三",
                current["duplicates_with_background"]["top3"],
                baseline["duplicates_with_background"]["top3"],
            ),
            ("并案阈值", current["merge"]["threshold"], baseline["merge"]["threshold"]),
            ("并案建议精确率", current["merge"]["precision"], baseline["merge"]["precision"]),
            ("并案建议召回率", current["merge"]["recall"], baseline["merge"]["recall"]),
        ]
        for name, a, b in rows:
            w(f"{name:24}{_f(a):>14}{_f(b):>18}")
        w(
            f"并案：当前建议 {current['merge']['true_proposed']} 对改写、"
            f"{current['merge']['false_proposed']} 对干扰项；"
            f"基线 {baseline['merge']['true_proposed']} / {baseline['merge']['false_proposed']}。"
            f"精确率目标 {similarity.MERGE_PRECISION_TARGET} 下调得的阈值：{current['merge']['tuned_threshold']}"
        )
        for p in current["merge_operating_points"]:
            w(
                f"  精确率目标 {p['precision_target']}: 阈值 {p['threshold']}，"
                f"精确率 {p['precision']}，召回率 {p['recall']}"
            )


def _f(x) -> str:
    return "—" if x is None else f"{x:.3f}"
