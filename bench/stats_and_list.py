"""Benchmark: statistics and the proposal list on a national-archive-sized database.

    .venv/bin/python bench/stats_and_list.py [--proposals 100000]

Seeds ~100 000 proposals over 10 sessions (≈150 000 assignments, replies, contacts,
evaluations, B follow-ups) with bulk_create, then times:
* stats_for for one session (all units), for a coordinator's subtree and for one unit;
* the proposal list query — with_status(proposals_visible_to(user)) ordered by number, first
  page of 50 + count, and filtered by status — for a body_staff user and a unit liaison.
SQLite: a file database in a fresh temporary BANLI_DATA_DIR (deleted afterwards).
PostgreSQL: set DATABASE_URL to an EMPTY scratch database. Prints milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proposals", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per measurement (the median is printed)")
    args = ap.parse_args()
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="banli-bench-stats-")
        os.environ["BANLI_DATA_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0, skip_checks=True)
        print(f"database: {connection.vendor}")
        ctx = seed(args.proposals)
        measure(ctx, args.repeat)
    finally:
        if tmp:
            connection.close()
            shutil.rmtree(tmp, ignore_errors=True)


def seed(n: int) -> dict:
    from django.conf import settings
    from django.db import connection, transaction

    from banli.cases.models import (
        FACE_TO_FACE_METHODS,
        Assignment,
        Contact,
        Evaluation,
        Proposal,
        Proposer,
        Reply,
        Session,
    )
    from banli.handling.models import FollowUp
    from banli.orgs.models import OrgKind
    from banli.orgs.services import org_add, user_create

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]  # two bench users; no need for PBKDF2
    t0 = time.perf_counter()
    rng = random.Random(11)
    npc = org_add(name="基准人大常委会选联任工委", kind=OrgKind.NPC)
    gov = org_add(name="基准市人民政府办公厅", kind=OrgKind.COORDINATOR)
    units = [org_add(name=f"基准市直单位{i:02d}", kind=OrgKind.UNIT, parent=gov) for i in range(70)]
    districts = [org_add(name=f"基准第{i}区人民政府", kind=OrgKind.UNIT, parent=gov) for i in range(9)]
    units += districts
    court = org_add(name="基准市中级人民法院", kind=OrgKind.UNIT)
    units.append(court)
    office = org_add(name="基准市直单位00办公室", kind=OrgKind.DEPT, parent=units[0])
    staff = user_create(
        username="bench_staff", org=npc, roles=["body_staff"], password="Bench#2024pass", validate=False
    )
    liaison = user_create(
        username="bench_liaison", org=office, roles=["unit_liaison"], password="Bench#2024pass", validate=False
    )

    print(f"  orgs and users: {time.perf_counter() - t0:.1f} s")
    sessions = [Session.objects.create(code=f"B{y}", name=f"第{y}年会议", body=npc, year=y) for y in range(2015, 2025)]
    proposers = Proposer.objects.bulk_create([Proposer(body=npc, name=f"基准代表{i:04d}") for i in range(3000)])
    per = n // len(sessions)

    with transaction.atomic():
        props = []
        for s in sessions:
            for i in range(per):
                r = rng.random()
                state = (
                    "accepted"
                    if r < 0.9
                    else ("not_accepted" if r < 0.95 else ("merged" if r < 0.98 else "submitted"))
                )
                props.append(
                    Proposal(
                        session=s,
                        number=f"{s.year}{i + 1:05d}",
                        title=f"关于第{i + 1}项工作的建议",
                        kind="suggestion",
                        channel="plenary" if i % 25 else "interim",
                        lead=proposers[i % 3000],
                        review_state=state,
                        submitted_on=dt.date(s.year, 1, 20),
                    )
                )
        Proposal.objects.bulk_create(props, batch_size=2000)
        print(f"  proposals {len(props)}: {time.perf_counter() - t0:.1f} s")

        assignments = []
        for p in props:
            if p.review_state != "accepted":
                continue
            y = p.session.year
            on = dt.date(y, 3, 1) + dt.timedelta(days=p.pk % 20)
            k = rng.random()
            picks = rng.sample(units, 3)
            if k < 0.6:
                roles = [(picks[0], "sole")]
            elif k < 0.8:
                roles = [(picks[0], "lead"), (picks[1], "co"), (picks[2], "co")]
            else:
                roles = [(picks[0], "separate"), (picks[1], "separate")]
            replied = y < 2024 or rng.random() < 0.5
            for u, role in roles:
                due = role != "co"
                reply_on = on + dt.timedelta(days=rng.randint(20, 110)) if (due and replied) else None
                cls = rng.choice("AAAABBCD") if reply_on else ""
                assignments.append(
                    Assignment(
                        proposal=p,
                        unit=u,
                        role=role,
                        assigned_on=on,
                        sign_due=on + dt.timedelta(days=7),
                        reply_due=on + dt.timedelta(days=92),
                        opinion_due=on + dt.timedelta(days=30) if role == "co" else None,
                        signed_on=on + dt.timedelta(days=rng.randint(1, 9)),
                        state=("closed" if cls in "ACD" else "follow_up") if reply_on else "handling",
                        first_reply_on=reply_on,
                        result_class=cls,
                    )
                )
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        print(f"  assignments {len(assignments)}: {time.perf_counter() - t0:.1f} s")

        replies = [
            Reply(assignment=a, seq=1, state="sent", result_class=a.result_class, sent_on=a.first_reply_on)
            for a in assignments
            if a.first_reply_on
        ]
        Reply.objects.bulk_create(replies, batch_size=2000)
        methods = ["phone", "visit", "symposium", "wechat", "research"]
        contacts = []
        for r in replies:
            for _ in range(rng.randint(0, 2)):
                m = rng.choice(methods)
                contacts.append(
                    Contact(
                        assignment_id=r.assignment_id,
                        on=r.sent_on - dt.timedelta(days=rng.randint(-5, 15)),
                        stage="before",
                        method=m,
                        face_to_face=m in FACE_TO_FACE_METHODS,
                    )
                )
        Contact.objects.bulk_create(contacts, batch_size=2000)
        evals = [
            Evaluation(
                assignment_id=r.assignment_id,
                reply=r,
                verdict=rng.choice(["satisfied"] * 8 + ["basically", "unsatisfied"]),
                on=r.sent_on + dt.timedelta(days=10),
            )
            for r in replies
            if rng.random() < 0.7
        ]
        Evaluation.objects.bulk_create(evals, batch_size=2000)
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    assignment_id=r.assignment_id,
                    reply=r,
                    opened_on=r.sent_on,
                    state=rng.choice(["open", "open", "converted"]),
                )
                for r in replies
                if r.result_class == "B"
            ],
            batch_size=2000,
        )
        print(
            f"  replies {len(replies)}, contacts {len(contacts)},"
            f" evaluations {len(evals)}: {time.perf_counter() - t0:.1f} s"
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(f"seeded in {time.perf_counter() - t0:.1f} s")
    return {"session": sessions[-2], "gov": gov, "unit": units[0], "staff": staff, "liaison": liaison}


def timed(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)


def measure(ctx: dict, repeat: int) -> None:
    from django.conf import settings

    from banli.cases.selectors import proposals_visible_to, with_status
    from banli.orgs.models import User
    from banli.stats.selectors import stats_for

    s = ctx["session"]
    print(f"\nstats_for (median of {repeat}):")
    for label, org in (
        ("session, all units", None),
        (f"session, {ctx['gov'].name} subtree", ctx["gov"]),
        (f"session, {ctx['unit'].name}", ctx["unit"]),
    ):
        ms = timed(lambda org=org: stats_for(sessions=[s], org=org), repeat)
        print(f"  {label:40s} {ms:8.0f} ms")
    ms = timed(lambda: stats_for(sessions=s.__class__.objects.all(), org=ctx["gov"]), repeat)
    print(f"  {'all 10 sessions, subtree':40s} {ms:8.0f} ms")

    print(f"\nproposal list, page of {settings.BANLI_PAGE_SIZE} + count (median of {repeat}):")
    for who in ("staff", "liaison"):
        user = User.objects.get(pk=ctx[who].pk)  # fresh: no cached scope
        base = with_status(proposals_visible_to(user))

        def page(qs=base):
            rows = list(qs.order_by("number")[: settings.BANLI_PAGE_SIZE])
            return rows, qs.count()

        ms = timed(page, repeat)
        print(f"  {who:8s} all                     {ms:8.0f} ms  ({page()[1]} visible)")
        for status in ("in_handling", "closed"):
            f = base.filter(status=status)
            ms = timed(lambda f=f: page(f), repeat)
            print(f"  {who:8s} status={status:12s}    {ms:8.0f} ms  ({page(f)[1]} rows)")


if __name__ == "__main__":
    main()
