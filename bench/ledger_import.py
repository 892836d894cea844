"""Benchmark: validate and import a 10 000-row ledger (台账), then re-import it (idempotent).

    .venv/bin/python bench/ledger_import.py [--rows 10000]

SQLite: a file database in a fresh temporary BANLI_DATA_DIR (deleted afterwards).
PostgreSQL: set DATABASE_URL to an EMPTY scratch database (it is migrated and written to).
Prints seconds per phase and the process's peak resident memory. Not a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    args = ap.parse_args()

    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="banli-bench-ledger-")
        os.environ["BANLI_DATA_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    try:
        t = time.perf_counter()
        call_command("migrate", verbosity=0, skip_checks=True)
        print(
            f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}"
            f"  (migrate {time.perf_counter() - t:.1f} s)"
        )
        run(args.rows)
    finally:
        if tmp:
            connection.close()
            shutil.rmtree(tmp, ignore_errors=True)


def run(n_rows: int) -> None:
    from openpyxl import Workbook

    from banli.cases.models import Assignment, Proposal, Session
    from banli.cases.services import session_create
    from banli.ledger.format import COLUMNS
    from banli.ledger.services import ledger_import, ledger_validate
    from banli.orgs.models import Org, OrgKind
    from banli.orgs.services import org_add

    stamp = dt.datetime.now().strftime("%H%M%S")

    def org(name, kind=OrgKind.UNIT, parent=None):
        return Org.objects.filter(name=name).first() or org_add(name=name, kind=kind, parent=parent)

    body = org("基准测试人大常委会选联任工委", OrgKind.NPC)
    gov = org("基准测试市人民政府", OrgKind.COORDINATOR)
    units = [org(f"基准测试单位{i:02d}", parent=gov).name for i in range(60)]
    session = Session.objects.filter(code=f"BENCH-{stamp}").first() or session_create(
        code=f"BENCH-{stamp}", name=f"基准测试会议{stamp}", body=body, year=2023
    )

    rng = random.Random(7)
    methods = ["电话", "座谈会", "上门走访", "微信", "联合调研"]
    rows, i = [], 0
    t = time.perf_counter()
    while len(rows) < n_rows:
        i += 1
        base = {
            "编号": f"2023{i:05d}",
            "标题": f"关于第{i}项民生工作的建议",
            "领衔人": f"代表{i % 700:03d}",
            "联名人": f"代表{(i + 3) % 700:03d}、代表{(i + 9) % 700:03d}" if i % 4 == 0 else "",
            "界别/代表团": f"第{i % 12}代表团",
            "提交日期": dt.date(2023, 1, 20),
            "来源": "大会" if i % 30 else "平时",
        }
        if i % 20 == 0:
            rows.append({**base, "立案状态": "不立案"})
            continue
        kind = rng.random()
        picks = rng.sample(units, 3)
        assigned = dt.date(2023, 3, 1) + dt.timedelta(days=rng.randint(0, 20))
        hist = lambda assigned=assigned: {  # noqa: E731
            "交办日期": assigned,
            "签收日期": assigned + dt.timedelta(days=2),
            "答复日期": assigned + dt.timedelta(days=rng.randint(30, 100)),
            "答复类别": rng.choice("AAAABBC"),
            "公开": "是",
            "沟通方式": "、".join(rng.sample(methods, 2)),
            "评价": rng.choice(["满意", "满意", "基本满意", ""]),
        }
        if kind < 0.6:
            rows.append({**base, "承办单位": picks[0], "办理方式": "承办", **hist()})
        elif kind < 0.8:
            rows.append({**base, "承办单位": picks[0], "办理方式": "主办", **hist()})
            rows.append({**base, "承办单位": picks[1], "办理方式": "会办", "交办日期": assigned})
        else:
            rows.append({**base, "承办单位": picks[0], "办理方式": "分办", **hist()})
            rows.append({**base, "承办单位": picks[1], "办理方式": "分办", "交办日期": assigned})
    rows = rows[:n_rows]
    path = Path(os.environ.get("BANLI_DATA_DIR", tempfile.gettempdir())) / f"bench-ledger-{stamp}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(COLUMNS)
    for r in rows:
        ws.append([r.get(c, "") for c in COLUMNS])
    wb.save(path)
    print(
        f"ledger: {len(rows)} rows, {i} proposals, {path.stat().st_size / 1e6:.1f}"
        f" MB (generated in {time.perf_counter() - t:.1f} s)"
    )

    t = time.perf_counter()
    plan = ledger_validate(actor=None, session=session, source=path)
    assert plan.ok, plan.errors[:5]
    print(f"validate only        : {time.perf_counter() - t:6.2f} s   {plan.counts}")

    t = time.perf_counter()
    plan = ledger_import(actor=None, session=session, source=path)
    print(f"validate + import    : {time.perf_counter() - t:6.2f} s   created {plan.counts}")
    print(
        f"  in the DB: {Proposal.objects.filter(session=session).count()} proposals, "
        f"{Assignment.objects.filter(proposal__session=session).count()} assignments"
    )

    t = time.perf_counter()
    plan = ledger_import(actor=None, session=session, source=path)
    assert plan.counts["proposals"] == 0 and plan.counts["assignments"] == 0
    print(f"re-import (no change): {time.perf_counter() - t:6.2f} s")
    print(f"peak resident memory of the process: {peak_mb():.0f} MB")
    path.unlink()


if __name__ == "__main__":
    main()
