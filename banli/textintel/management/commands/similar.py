"""banli similar --session CODE [--top K] --json | banli similar --text "…" [--session CODE] [--top K] --json"""

import json

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from banli.cases.models import Proposal
from banli.textintel import similarity
from banli.textintel.models import DocKind, SearchDoc
from banli.textintel.selectors import explain_similar

from ._util import session_by_code


class Command(BaseCommand):
    help = "相似建议提案：某届会议每件的前 K 个相似件，或一段文字的前 K 个相似件（本届与往届）。"

    def add_arguments(self, parser):
        parser.add_argument("--session", help="届次代码")
        parser.add_argument("--text", help="一段文字（标题和/或内容）")
        parser.add_argument("--top", type=int, default=5)
        parser.add_argument("--min-score", type=float, default=similarity.SHOW_MIN_SCORE)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        session, text, top, min_score = opts["session"], opts["text"], opts["top"], opts["min_score"]
        if top < 1:
            raise CommandError("--top 应为正整数。")
        if not session and not text:
            raise CommandError('请指定 --session CODE 或 --text "…"。')
        s = session_by_code(session) if session else None
        names = {}
        if text:
            bodies = (
                [s.body_id]
                if s
                else list(
                    SearchDoc.objects.filter(kind=DocKind.PROPOSAL).values_list("body_org_id", flat=True).distinct()
                )
            )
            found = []
            for b in bodies:
                found += explain_similar(body_id=b, title=text, top=top, session_id=None)["similar"]
            found = [d for d in found if d["score"] >= min_score]
            found.sort(key=lambda d: -d["score"])
            # the same explanation the web panel shows (selectors.explain_similar)
            result = {"text": text, "duplicate_threshold": similarity.DUPLICATE_SCORE, "similar": found[:top]}
        else:
            index = similarity.cache.get(s.body_id)
            ids = dict(Proposal.objects.filter(session=s).values_list("pk", "number"))
            rows = np.array([r for r, pid in enumerate(index.ids) if int(pid) in ids], dtype=np.int64)
            lists = similarity.batch_neighbours(index, rows, top=top, min_score=min_score)
            result = {
                "session": s.code,
                "proposals": [
                    {"id": int(index.ids[r]), "number": ids[int(index.ids[r])], "similar": self._hits(h, names)}
                    for r, h in zip(rows, lists)
                ],
            }
            result["proposals"].sort(key=lambda d: d["number"])
        if opts["json"]:
            self.stdout.write(_dumps(result))
        else:
            for line in _lines(result):
                self.stdout.write(line)

    def _hits(self, hits, names):
        need = [h.proposal_id for h in hits if h.proposal_id not in names]
        if need:
            for pid, number, title, code in Proposal.objects.filter(pk__in=need).values_list(
                "pk", "number", "title", "session__code"
            ):
                names[pid] = (number, title, code)
        return [
            {
                "id": h.proposal_id,
                "number": names[h.proposal_id][0],
                "session": names[h.proposal_id][2],
                "title": names[h.proposal_id][1],
                "score": round(h.score, 4),
                "shared_terms": h.terms,
            }
            for h in hits
            if h.proposal_id in names
        ]


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)


def _lines(result):
    if "text" in result:
        for h in result["similar"]:
            mark = "  ★疑似重复" if h["duplicate"] else ""
            yield f"{h['score']:.3f}  {h['session']} {h['number']} {h['title']}{mark}"
            if h["shared_terms"]:
                yield f"       共同词：{'、'.join(h['shared_terms'])}"
            if h["bridges"]:
                yield "       相关词：" + "、".join(f"{b['query_term']}～{b['related_term']}" for b in h["bridges"])
        return
    for p in result["proposals"]:
        yield f"{p['number']}:"
        for h in p["similar"]:
            yield f"   {h['score']:.3f}  {h['session']} {h['number']} {h['title']}"
