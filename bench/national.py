"""A national archive for the benchmarks: ten sessions of proposals and their whole handling history.

    .venv/bin/python bench/national.py [--proposals 150000] [--assignment-day 9000] [--seed 2026]

Seeded and repeatable: the same arguments give the same database. Written with bulk inserts (this is
a fixture for measurements, not a path users take), in every state a case can be in:

* ten sessions (2015–2024) of a city people's congress, `--proposals` in all, bodies of 800–1,500
  characters, 3–8 % of them paraphrased near-duplicates of another proposal of the same session;
* about 210 units under the government's coordinating office (city bureaus, districts, a court);
* assignments to them (承办, 主办 with 会办, 分办): about 2.7 per accepted proposal; replies with
  text, contacts before and after, co-handling opinions, evaluations, B-class follow-ups with
  commitments (open and converted); the newest session still in handling;
* an assignment-day session (2025): `--assignment-day` proposals just assigned, all pending
  signature.

SQLite: a file database in BANLI_DATA_DIR (a fresh temporary one unless given). PostgreSQL: set
DATABASE_URL to an EMPTY scratch database. `bench/http_bench.py` builds its database with this.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench#2024pass"
YEARS = range(2015, 2025)
ASSIGNMENT_DAY = dt.date(2025, 3, 3)

SUBJECTS = [
    ("中小企业融资", "融资难融资贵", "贷款", "市工业和信息化局"),
    ("青少年近视防控", "学生视力下降", "视力", "市教育局"),
    ("新能源汽车充电桩建设", "充电基础设施不足", "充电", "市发展和改革委员会"),
    ("老旧小区加装电梯", "老人上下楼难", "电梯", "市住房和建设局"),
    ("社区居家养老服务", "养老服务供给不足", "养老", "市民政局"),
    ("学位供给", "入学难", "学位", "市教育局"),
    ("河道水环境治理", "黑臭水体反弹", "水质", "市水务局"),
    ("校园周边交通安全", "上下学时段拥堵", "交通", "市公安局"),
    ("基层医疗服务能力", "看病难", "社康", "市卫生健康委员会"),
    ("工业用地保障", "产业空间不足", "厂房", "市规划和自然资源局"),
    ("营商环境优化", "审批环节多", "审批", "市市场监督管理局"),
    ("垃圾分类", "分类投放不规范", "垃圾", "市城市管理和综合执法局"),
]
OPENINGS = [
    "近年来，我市在{s}方面做了大量工作，取得了明显成效，但{p}的问题仍然比较突出。",
    "当前，{p}已成为群众反映集中的问题，{s}工作与人民群众的期待还有差距。",
]
BODY = [
    "经调研发现，部分区域{k}方面的投入不足，相关部门之间协调机制不够顺畅，政策落地存在“最后一公里”问题。",
    "一是统筹规划不够，{k}相关设施布局与人口分布不匹配，部分片区供需矛盾突出。",
    "二是资金保障不足，财政投入渠道单一，社会资本参与的积极性没有充分调动起来。",
    "三是监管考核机制有待完善，责任分工不够明确，部分措施停留在文件层面。",
    "为此建议：（一）加强顶层设计，将{s}纳入全市年度重点工作，明确牵头单位和时间表。",
    "（二）加大财政投入力度，设立专项资金，引导社会资本参与{k}领域建设和运营。",
    "（三）建立部门联席会议制度，定期研究解决{p}中的突出问题，形成工作合力。",
    "（四）完善考核评价机制，把{s}成效纳入绩效考核，定期向社会公布进展情况。",
    "（五）加强宣传引导，及时回应群众关切，营造全社会共同关心支持的良好氛围。",
    "据统计，全市相关投诉量较上年增长了百分之十二，基层反映强烈，亟需系统性解决。",
    "外地城市在{k}方面已有较成熟的经验做法，可以学习借鉴，结合我市实际加以推广。",
]
# Paraphrase: the same request in other words (what a second deputy writing on the same matter does).
SWAPS = [("加强", "强化"), ("建议", "提议"), ("突出", "明显"), ("完善", "健全"), ("加大", "增加"), ("群众", "市民")]


def _body(rng: random.Random, s: str, p: str, k: str) -> str:
    parts = [rng.choice(OPENINGS)]
    pool = list(BODY)
    while sum(len(x) for x in parts) < rng.randint(800, 1500) and pool:
        parts.append(pool.pop(rng.randrange(len(pool))))
    text = "".join(x.format(s=s, p=p, k=k) for x in parts)
    while len(text) < 800:
        text += f"希望有关部门高度重视{s}工作，切实解决{p}问题。"
    return text[:1500]


def _paraphrase(rng: random.Random, title: str, body: str) -> tuple[str, str]:
    for a, b in SWAPS:
        body = body.replace(a, b)
    sentences = body.split("。")
    rng.shuffle(sentences)
    title = title.replace("关于加快推进", "关于进一步做好").replace("关于加强", "关于切实抓好")
    return title, "。".join(s for s in sentences if s) + "。"


def generate(*, proposals: int = 150_000, assignment_day: int = 9_000, seed: int = 2026, say=print) -> dict:
    from django.db import connection, transaction

    from banli.calendar import workdays as cal
    from banli.cases.models import (
        FACE_TO_FACE_METHODS,
        Assignment,
        Contact,
        Evaluation,
        Proposal,
        Proposer,
        Reply,
    )
    from banli.cases.services import session_create
    from banli.demo.build import enroll_demo_security
    from banli.handling.models import Commitment, CoOpinion, FollowUp
    from banli.orgs.models import OrgKind
    from banli.orgs.services import org_add, user_create

    t0 = time.perf_counter()
    rng = random.Random(seed)

    def step(what: str) -> None:
        say(f"  {what}: {time.perf_counter() - t0:.1f} s", flush=True)

    npc = org_add(name="基准市人大常委会选联任工委", kind=OrgKind.NPC)
    gov = org_add(name="基准市人民政府办公厅", kind=OrgKind.COORDINATOR)
    named = sorted({u for *_, u in SUBJECTS})
    names = named + [f"基准市直单位{i:03d}" for i in range(188 - len(named))]
    units = [org_add(name=n, kind=OrgKind.UNIT, parent=gov) for n in names]
    units += [org_add(name=f"基准第{i + 1}区人民政府", kind=OrgKind.UNIT, parent=gov) for i in range(20)]
    units.append(org_add(name="基准市中级人民法院", kind=OrgKind.UNIT))
    unit_of = {u.name: u for u in units}
    home = units[0]
    office = org_add(name=f"{home.name}办公室", kind=OrgKind.DEPT, parent=home)
    users = {
        "staff": user_create(username="bench_staff", org=npc, roles=["body_staff"], password=PASSWORD, validate=False),
        "coordinator": user_create(
            username="bench_coordinator", org=gov, roles=["coordinator"], password=PASSWORD, validate=False
        ),
        "liaison": user_create(
            username="bench_liaison", org=office, roles=["unit_liaison"], password=PASSWORD, validate=False
        ),
        "leader": user_create(
            username="bench_leader", org=home, roles=["unit_leader"], password=PASSWORD, validate=False
        ),
    }
    enroll_demo_security(list(users.values()))
    step(f"{len(units)} units, {len(users)} accounts")

    sessions = [
        session_create(
            code=f"BJ{y}", name=f"基准市人大第{y - 2014}次会议", body=npc, year=y, start_date=dt.date(y, 1, 15)
        )
        for y in YEARS
    ]
    day_session = session_create(
        code="BJ2025", name="基准市人大交办日会议", body=npc, year=2025, start_date=dt.date(2025, 1, 15)
    )
    proposers = Proposer.objects.bulk_create([Proposer(body=npc, name=f"基准代表{i:04d}") for i in range(3000)])

    per = proposals // len(sessions)
    counts: dict[str, int] = {}
    with transaction.atomic():
        rows, subject_of = [], []
        for s in sessions + [day_session]:
            n = assignment_day if s is day_session else per
            first = len(rows)
            for i in range(n):
                subj = rng.randrange(len(SUBJECTS))
                name, problem, key, _ = SUBJECTS[subj]
                if i > 20 and rng.random() < 0.05:  # a paraphrase of an earlier proposal of this session
                    src = first + rng.randrange(i)
                    title, body = _paraphrase(rng, rows[src].title, rows[src].content)
                    subj = subject_of[src]
                else:
                    title = rng.choice(["关于加快推进{s}的建议", "关于加强{s}工作的建议", "关于解决{p}的建议"])
                    title = title.format(s=name, p=problem)
                    body = _body(rng, name, problem, key)
                r = rng.random()
                state = "accepted" if s is day_session or r < 0.9 else ("not_accepted" if r < 0.96 else "submitted")
                rows.append(
                    Proposal(
                        session=s,
                        number=f"{s.year}{i + 1:05d}",
                        title=title,
                        content=body,
                        kind="suggestion",
                        channel="plenary" if i % 25 else "interim",
                        lead=proposers[rng.randrange(3000)],
                        group=f"第{i % 12 + 1}代表团",
                        topic=name,
                        review_state=state,
                        submitted_on=dt.date(s.year, 1, 20),
                        is_key=rng.random() < 0.01,
                    )
                )
                subject_of.append(subj)
        Proposal.objects.bulk_create(rows, batch_size=2000)
        counts["proposals"] = len(rows)
        step(f"{len(rows)} proposals")

        assignments, lead_of = [], {}
        for p, subj in zip(rows, subject_of):
            if p.review_state != "accepted":
                continue
            fresh = p.session_id == day_session.pk
            on = ASSIGNMENT_DAY if fresh else dt.date(p.session.year, 3, 1) + dt.timedelta(days=rng.randrange(20))
            k = rng.random()
            lead = unit_of[SUBJECTS[subj][3]] if rng.random() < 0.7 else rng.choice(units)
            if fresh and rng.random() < 0.3:
                lead = home  # the benchmark's liaison has a big assignment day: ~2,700 cases to sign
            others = [u for u in rng.sample(units, 5) if u.pk != lead.pk]
            if k < 0.25:
                plan = [(lead, "sole")]
            elif k < 0.65:
                plan = [(lead, "lead")] + [(u, "co") for u in others[:2]]
            elif k < 0.8:
                plan = [(lead, "lead")] + [(u, "co") for u in others[:4]]
            else:
                plan = [(lead, "separate")] + [(u, "separate") for u in others[:2]]
            newest = p.session.year == YEARS[-1]
            sign_due = cal.add_workdays(on, cal.SIGN_WORKDAYS)
            reply_due = cal.next_workday(cal.add_months(on, cal.REPLY_MONTHS))
            for u, role in plan:
                a = Assignment(
                    proposal=p,
                    unit=u,
                    role=role,
                    assigned_by=gov,
                    assigned_on=on,
                    sign_due=sign_due,
                    reply_due=reply_due,
                    reply_due_original=reply_due,
                    opinion_due=on + dt.timedelta(days=cal.OPINION_DAYS) if role == "co" else None,
                    state="pending_sign",
                )
                if not fresh:
                    a.signed_on = on + dt.timedelta(days=rng.randint(1, 8))
                    replied = not newest or rng.random() < 0.55
                    if role == "co":
                        a.state = "closed" if replied else ("opinion_sent" if rng.random() < 0.6 else "handling")
                    elif replied:
                        a.first_reply_on = on + dt.timedelta(days=rng.randint(25, 100))
                        a.result_class = rng.choice("AAAAABBCD")
                        a.state = "follow_up" if a.result_class == "B" else "closed"
                        a.closed_on = a.first_reply_on + dt.timedelta(days=30) if a.state == "closed" else None
                    else:
                        a.state = rng.choice(["handling", "handling", "in_review", "pending_sign"])
                        if a.state == "pending_sign":
                            a.signed_on = None
                assignments.append(a)
                if role == "lead":
                    lead_of[p.pk] = a
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        counts["assignments"] = len(assignments)
        step(f"{len(assignments)} assignments")

        replies = []
        for a in assignments:
            if a.first_reply_on:
                name = a.proposal.topic
                text = (
                    f"您提出的关于{name}的建议收悉，现答复如下：我单位高度重视，组织专题研究，"
                    f"已将{name}纳入年度重点工作，全年投入资金{rng.randint(2, 90)}亿元，"
                    f"完成项目{rng.randint(10, 300)}个。"
                    f"下一步将继续加大工作力度。联系人：王科长，联系电话：0755-8{rng.randint(1000000, 9999999)}。"
                )
                replies.append(
                    Reply(
                        assignment=a,
                        seq=1,
                        state="sent",
                        result_class=a.result_class,
                        text=text,
                        signer="张局长",
                        contact_name="王科长",
                        contact_phone="0755-88886666",
                        disclosure="public",
                        sent_on=a.first_reply_on,
                    )
                )
        Reply.objects.bulk_create(replies, batch_size=2000)
        counts["replies"] = len(replies)
        step(f"{len(replies)} replies")

        opinions = [
            CoOpinion(
                assignment=a,
                lead_assignment=lead_of[a.proposal_id],
                text="我单位同意主办单位的办理意见，并将在职责范围内积极配合。",
                submitted_on=a.assigned_on + dt.timedelta(days=rng.randint(5, 40)),
            )
            for a in assignments
            if a.role == "co" and a.state in ("closed", "opinion_sent") and a.proposal_id in lead_of
        ]
        CoOpinion.objects.bulk_create(opinions, batch_size=2000)
        methods = ["phone", "visit", "symposium", "wechat", "research"]
        contacts, evaluations, followups = [], [], []
        for r in replies:
            a = r.assignment
            for _ in range(rng.randint(0, 2)):
                m = rng.choice(methods)
                on = max(a.assigned_on, r.sent_on - dt.timedelta(days=rng.randint(1, 20)))
                contacts.append(
                    Contact(
                        assignment=a,
                        on=on,
                        stage="before",
                        method=m,
                        face_to_face=m in FACE_TO_FACE_METHODS,
                        summary="就建议办理与代表沟通，听取意见。",
                    )
                )
            if rng.random() < 0.75:
                verdict = rng.choice(["satisfied"] * 8 + ["basically"] * 2)
                evaluations.append(
                    Evaluation(
                        assignment=a,
                        reply=r,
                        proposer=a.proposal.lead,
                        verdict=verdict,
                        attitude=verdict,
                        result=verdict,
                        on=r.sent_on + dt.timedelta(days=rng.randint(3, 25)),
                    )
                )
            if r.result_class == "B":
                converted = a.proposal.session.year < YEARS[-2] and rng.random() < 0.6
                followups.append(
                    FollowUp(
                        assignment=a,
                        reply=r,
                        opened_on=r.sent_on,
                        state="converted" if converted else "open",
                        closed_on=r.sent_on + dt.timedelta(days=300) if converted else None,
                    )
                )
        Contact.objects.bulk_create(contacts, batch_size=2000)
        Evaluation.objects.bulk_create(evaluations, batch_size=2000)
        FollowUp.objects.bulk_create(followups, batch_size=2000)
        Commitment.objects.bulk_create(
            [
                Commitment(
                    reply=f.reply,
                    text="年内出台专项工作方案并组织实施",
                    due=dt.date(f.reply.sent_on.year, 12, 31),
                    state="done" if f.state == "converted" else "open",
                    closed_on=f.closed_on,
                )
                for f in followups
            ],
            batch_size=2000,
        )
        counts.update(
            co_opinions=len(opinions), contacts=len(contacts), evaluations=len(evaluations), followups=len(followups)
        )
        step(f"{len(contacts)} contacts, {len(evaluations)} evaluations, {len(followups)} B follow-ups")
    with connection.cursor() as c:
        c.execute("ANALYZE")
    step("analysed")
    return {
        "sessions": sessions,
        "day_session": day_session,
        "home": home,
        "gov": gov,
        "users": users,
        "counts": counts,
        "seconds": time.perf_counter() - t0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proposals", type=int, default=150_000)
    ap.add_argument("--assignment-day", type=int, default=9_000)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, skip_checks=True)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    out = generate(proposals=args.proposals, assignment_day=args.assignment_day, seed=args.seed)
    print(f"generated in {out['seconds']:.0f} s: {out['counts']}")


if __name__ == "__main__":
    main()
