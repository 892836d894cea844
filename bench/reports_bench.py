"""Benchmark: render a dashboard and an annual work summary for a 10 000-proposal session.

    .venv/bin/python bench/reports_bench.py [--proposals 100000] [--repeat 3]

Seeds the database of bench/stats_and_list.py (10 sessions; with the default 100 000 proposals
each session has 10 000 proposals, ≈13 000 assignments, 80 units), then times, as a signed-in
user through the whole Django stack (middleware, scope, template):
* GET /stats/ — figures, the lists' counts behind the rates, contact methods and the per-unit
  ranking with assessment scores — for body staff (all 80 units) and one unit's liaison; and
  the 6-session trend JSON the page fetches afterwards;
* the summary .docx (stats, contacts, showcases, B-class list, layout) for the government
  subtree and for one unit; and one reply letter.
SQLite: a file database in a fresh temporary BANLI_DATA_DIR (deleted afterwards).
PostgreSQL: set DATABASE_URL to an EMPTY scratch database. Prints milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proposals", type=int, default=100_000, help="over 10 sessions (100 000 → 10 000 a session)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="SQLite data folder kept between runs: seeded once, reused after")
    args = ap.parse_args()
    tmp = None
    if args.keep:
        os.environ["BANLI_DATA_DIR"] = args.keep
    elif not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="banli-bench-reports-")
        os.environ["BANLI_DATA_DIR"] = tmp
    # The bench signs in with force_login: no second factor, no forced password change.
    os.environ["BANLI_2FA_REQUIRED_ROLES"] = ""
    os.environ["BANLI_FORCE_PASSWORD_CHANGE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.stats_and_list import seed, timed

    try:
        call_command("migrate", verbosity=0, skip_checks=True)
        print(f"database: {connection.vendor}")
        ctx = existing() or seed(args.proposals)
        measure(ctx, args.repeat, timed)
    finally:
        if tmp:
            connection.close()
            shutil.rmtree(tmp, ignore_errors=True)


def existing() -> dict | None:
    """The context of a database seeded by an earlier run (--keep)."""
    from banli.cases.models import Session
    from banli.orgs.models import Org, User

    s = Session.objects.filter(code="B2023").first()
    if s is None:
        return None
    return {
        "session": s,
        "gov": Org.objects.get(name="基准市人民政府办公厅"),
        "unit": Org.objects.get(name="基准市直单位00"),
        "staff": User.objects.get(username="bench_staff"),
        "liaison": User.objects.get(username="bench_liaison"),
    }


def measure(ctx: dict, repeat: int, timed) -> None:
    from django.test import Client

    from banli.cases.models import Assignment, Proposal, Reply
    from banli.orgs.models import User
    from banli.reports import services
    from banli.reports.ranking import ranked_units

    s = ctx["session"]
    n = Proposal.objects.filter(session=s).count()
    a = Assignment.objects.filter(proposal__session=s).count()
    units = len(ranked_units(sessions=[s], org=None))
    print(f"\nsession {s.code}: {n} proposals, {a} assignments, {units} units in the ranking")

    print(f"\nGET /stats/ (median of {repeat}):")
    for who in ("staff", "liaison"):
        user = User.objects.get(pk=ctx[who].pk)
        client = Client()
        client.force_login(user)

        def get(client=client):
            resp = client.get("/stats/", {"session": s.pk})
            assert resp.status_code == 200, resp.status_code
            return resp

        ms = timed(get, repeat)
        print(f"  {who:8s} {len(get().content) // 1024:5d} KB {ms:8.0f} ms")
        ms = timed(lambda client=client: client.get("/stats/trend.json", {"session": s.pk}), repeat)
        print(f"  {who:8s} trend.json (6 sessions, fetched after the page) {ms:8.0f} ms")

    print(f"\nsummary .docx (median of {repeat}):")
    for label, org in ((ctx["gov"].name, ctx["gov"]), (ctx["unit"].name, ctx["unit"])):
        ms = timed(lambda org=org: services.summary_render(actor=None, session=s, org=org), repeat)
        print(f"  {label:20s} {ms:8.0f} ms")
    reply = Reply.objects.filter(assignment__proposal__session=s, state="sent").first()
    reply.text = "答复正文。\n" * 20
    reply.save()
    ms = timed(lambda: services.reply_letter_render(actor=None, reply=reply), repeat)
    print(f"\nreply letter .docx {ms:8.0f} ms")


if __name__ == "__main__":
    main()
