"""Builds the demo city through the same services users go through.

Deterministic (seeded random), idempotent (does nothing if the demo is already there).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from banli.cases import services as cs
from banli.cases.models import AssignmentRole as R
from banli.cases.models import Channel, Proposal, Reply, ReplyState, ReviewState, Session
from banli.errors import DomainError
from banli.formatting import cn_date
from banli.handling import demo as handling_demo
from banli.orgs.models import Org, OrgKind, User
from banli.orgs.services import org_add, user_create
from banli.portal.models import PublicationState
from banli.portal.services import publication_decide
from banli.reports.services import unit_doc_settings_save
from banli.security.models import TOTPDevice, UserSecurity
from banli.security.services import totp_required

from . import data

PASSWORD = "Banli@2026demo"
# The demo's published authenticator secret (base32) for the roles that must use two-factor sign-in.
# Only demo accounts carry it; `banli demo --totp USER` prints the current code for them.
DEMO_TOTP_SECRET = "BANLIDEMOTOTPKEYXYZWABCDEFGH2345"
NPC_BODY = "市人大常委会选联任工委"
CPPCC_BODY = "市政协提案委员会"
GOV = "市人民政府办公厅"

# username, org name, roles, display name, what to try
LOGINS = [
    ("npc_staff", NPC_BODY, ["body_staff"], "人大选联工委 刘干事", "登记、审查、交办人大建议，统计"),
    ("cppcc_staff", CPPCC_BODY, ["body_staff"], "政协提案委 陈干事", "登记、立案审查、并案、交办政协提案"),
    ("coordinator", GOV, ["coordinator"], "督查室 黄科长", "政府系统交办、督办、统计"),
    (
        "gx_liaison",
        "市工业和信息化局办公室",
        ["unit_liaison"],
        "工信局联络员 周敏",
        "签收、办理方案、分办到处室、汇总答复",
    ),
    ("gx_leader", "市工业和信息化局", ["unit_leader"], "工信局副局长 吴强", "签发答复、领办重点件"),
    ("gx_handler", "市工业和信息化局产业发展处", ["handler"], "产业发展处 郑涛", "起草答复、记录沟通"),
    ("sw_liaison", "市商务局办公室", ["unit_liaison"], "商务局联络员 林静", "会办意见、签收"),
    ("lh_liaison", "龙华区人民政府", ["unit_liaison"], "龙华区联络员 何勇", "区级分解交办"),
    ("deputy", NPC_BODY, ["proposer"], "王志远（代表）", "查看本人建议的办理进度、评价"),
    ("member", CPPCC_BODY, ["proposer"], "陈丹宁（委员）", "查看本人提案的办理进度、评价"),
    ("sysadmin", "市政务服务数据管理局信息中心", ["sysadmin"], "系统管理员", "组织机构与用户"),
    ("secadmin", "市政务服务数据管理局信息中心", ["secadmin"], "安全管理员", "安全策略与授权"),
    ("auditor", "市政务服务数据管理局信息中心", ["auditor"], "审计管理员", "审计日志"),
]


@dataclass
class Demo:
    rng: random.Random
    today: dt.date
    orgs: dict[str, Org] = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    # The reply body for a case (banli.handling.demo calls it; the text material lives here).
    reply_text: Callable | None = None


def demo_exists() -> bool:
    return Session.objects.filter(code__startswith="DEMO-").exists()


def _leader_name(i: int) -> str:
    return data.LEADER_NAMES[i % len(data.LEADER_NAMES)]


def reply_text(d: Demo, proposal, cls: str, *, contact: str, phone: str, due: dt.date | None) -> str:
    """A reply body as a unit writes it: received, what was done (with figures), what comes next by
    the reply's class, and who to call."""
    rng = d.rng
    title = proposal.title
    x = title.removeprefix("关于").rsplit("的", 1)[0] if title.startswith("关于") else title
    figures = dict(
        y=proposal.session.year - 1,
        n1=rng.choice(["1.2", "2.5", "3.8", "6.4", "12.6"]),
        n2=rng.randint(12, 96),
        n3=rng.randint(8, 40),
        n4=rng.randint(3, 12),
        n5=rng.choice(["92.6", "95.3", "97.1"]),
    )
    done = rng.sample(data.REPLY_DONE, k=2)
    nxt = data.REPLY_NEXT[cls].format(due=cn_date(due) if due else "年底")
    return "\n".join(
        [
            f"您提出的《{title}》收悉。我们高度重视，主要负责同志专门研究，现答复如下：",
            "一、" + done[0].format(x=x, **figures),
            "二、" + done[1].format(x=x, **figures),
            "三、" + nxt,
            f"联系人：{contact}，联系电话：{phone}。",
            "感谢您对我们工作的关心和支持。",
        ]
    )


def _person(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + rng.choice(data.GIVEN)


def build_orgs(d: Demo) -> None:
    add = lambda name, kind, parent=None, short="": d.orgs.setdefault(  # noqa: E731
        name,
        Org.objects.filter(name=name).first()
        or org_add(name=name, kind=kind, parent=d.orgs.get(parent) if parent else None, short_name=short),
    )
    add(NPC_BODY, OrgKind.NPC)
    add(CPPCC_BODY, OrgKind.CPPCC)
    add(GOV, OrgKind.COORDINATOR)
    for name, short, depts in data.UNITS:
        add(name, OrgKind.UNIT, GOV, short)
        for dept in depts:
            add(f"{name}{dept}", OrgKind.DEPT, name)
    district, subs = data.DISTRICT
    add(district, OrgKind.UNIT, GOV)
    add(f"{district}办公室", OrgKind.DEPT, district)
    for s in subs:
        add(s, OrgKind.UNIT, district)
    for name in data.OUTSIDE_UNITS:
        add(name, OrgKind.UNIT)
    add("市政务服务数据管理局信息中心", OrgKind.COORDINATOR)


def build_users(d: Demo) -> None:
    from django.contrib.auth.hashers import make_password

    for username, org, roles, name, _ in LOGINS:
        d.users[username] = user_create(
            username=username, org=d.orgs[org], roles=roles, full_name=name, validate=False
        )
    # A liaison and a leader for every unit, so every case has someone to act on it.
    for name, short, _depts in data.UNITS:
        key = short.replace("市", "")
        for role, org in (("unit_liaison", f"{name}办公室"), ("unit_leader", name)):
            uname = f"{role.split('_')[1]}_{len(d.users)}"
            d.users.setdefault(
                (name, role),
                user_create(
                    username=uname,
                    org=d.orgs[org],
                    roles=[role],
                    full_name=f"{key}联络员" if role == "unit_liaison" else _leader_name(len(d.users)),
                    validate=False,
                ),
            )
    for unit, (issuer, prefix) in data.DOC_SETTINGS.items():
        unit_doc_settings_save(actor=None, unit=d.orgs[unit], issuer=issuer, letter_prefix=prefix)
    # Hash the shared demo password once (PBKDF2 is deliberately slow).
    User.objects.filter(pk__in=[u.pk for u in d.users.values()]).update(password=make_password(PASSWORD))
    enroll_demo_security(list(d.users.values()))


def enroll_demo_security(users) -> None:
    """Demo accounts skip the first-login password change and share one published TOTP secret,
    so a newcomer can click through every role; real accounts go through both."""

    now = timezone.now()
    for u in users:
        UserSecurity.objects.update_or_create(
            user=u, defaults={"must_change_password": False, "password_changed_at": now}
        )
        if totp_required(u):
            TOTPDevice.objects.update_or_create(user=u, defaults={"secret": DEMO_TOTP_SECRET, "confirmed_at": now})


def demo_totp_code(username: str) -> str | None:
    """The current code of a demo account (None for any account that does not carry the demo secret)."""
    import pyotp

    dev = TOTPDevice.objects.filter(user__username=username).first()
    if dev is None or dev.secret != DEMO_TOTP_SECRET:
        return None
    return pyotp.TOTP(DEMO_TOTP_SECRET, interval=30).now()


def _proposal_text(d: Demo, topic: str) -> tuple[str, str]:
    _, _, titles, sentences, subjects = data.TOPICS[topic]
    x = d.rng.choice(subjects)
    title = d.rng.choice(titles).format(x=x)
    content = "".join(s.format(x=x) for s in sentences)
    return title, content


def _units_for(d: Demo, topic: str) -> list[tuple[Org, str]]:
    lead_name, co_names, *_ = data.TOPICS[topic]
    co = [d.orgs[n] for n in co_names if n in d.orgs]
    lead = d.orgs[lead_name]
    roll = d.rng.random()
    if roll < 0.45:
        return [(lead, R.SOLE)]
    if roll < 0.85:
        return [(lead, R.LEAD)] + [(u, R.CO) for u in d.rng.sample(co, k=min(len(co), d.rng.randint(1, 2)))]
    if roll < 0.95 and co:
        return [(lead, R.SEPARATE), (co[0], R.SEPARATE)]
    return [(d.orgs[data.DISTRICT[0]], R.SOLE)]


def build_session(d: Demo, *, body: str, code: str, name: str, start: dt.date, count: int, deputy_key: str) -> Session:
    body_org = d.orgs[body]
    staff = d.users["npc_staff" if body == NPC_BODY else "cppcc_staff"]
    session = cs.session_create(
        actor=staff,
        code=code,
        name=name,
        body=body_org,
        year=start.year,
        start_date=start,
        end_date=start + dt.timedelta(days=5),
    )
    is_npc = body == NPC_BODY
    own = cs.proposer_get_or_create(
        body=body_org,
        name=d.users[deputy_key].full_name.split("（")[0],
        group=data.DELEGATIONS[5] if is_npc else data.SECTORS[0],
    )
    own.user = d.users[deputy_key]
    own.save()
    people = [own] + [
        cs.proposer_get_or_create(
            body=body_org, name=_person(d.rng), group=d.rng.choice(data.DELEGATIONS if is_npc else data.SECTORS)
        )
        for _ in range(60)
    ]
    if not is_npc:
        people += [cs.proposer_get_or_create(body=body_org, name=n) for n in data.COLLECTIVES_CPPCC]
    topics = list(data.TOPICS)
    proposals = []
    for i in range(count):
        topic = d.rng.choice(topics)
        title, content = _proposal_text(d, topic)
        if not is_npc:  # 政协委员 write 提案
            title = title.removesuffix("的建议") + "的提案"
        lead = own if i % 25 == 0 else d.rng.choice(people)
        cosigners = d.rng.sample(people, k=d.rng.choice([0, 0, 1, 2, 4]))
        if i % 40 == 7:
            cosigners.append(own)
        interim = i >= count - count // 20
        submitted = (
            start + dt.timedelta(days=d.rng.randint(0, 4))
            if not interim
            else start + dt.timedelta(days=d.rng.randint(20, 60))
        )
        p = cs.proposal_register(
            actor=staff,
            session=session,
            title=title,
            content=content,
            lead=lead,
            cosigners=cosigners,
            channel=Channel.INTERIM if interim else Channel.PLENARY,
            topic=topic,
            submitted_on=submitted,
        )
        proposals.append((p, topic))
    return session, proposals


def review_and_assign(d: Demo, session: Session, proposals, *, assign_on: dt.date) -> dict:
    staff = d.users["npc_staff" if session.is_npc else "cppcc_staff"]
    counts = {"submitted": 0, "not_accepted": 0, "merged": 0, "to_assign": 0, "assigned": []}
    accepted = []
    for idx, (p, topic) in enumerate(proposals):
        r = d.rng.random()
        if idx % 50 == 3:
            counts["submitted"] += 1
            continue
        if r < 0.06:
            cs.proposal_review(
                actor=staff,
                proposal=p,
                decision=ReviewState.NOT_ACCEPTED,
                reason="所提内容属于个人诉求，已转为来信办理。",
            )
            counts["not_accepted"] += 1
            continue
        if r < 0.10 and accepted:
            target = next((a for a, t in reversed(accepted) if t == topic), None)
            if target is not None:
                cs.proposal_review(
                    actor=staff,
                    proposal=p,
                    decision=ReviewState.MERGED,
                    merge_into=target,
                    reason="内容相近，并案办理。",
                )
                counts["merged"] += 1
                continue
        cs.proposal_review(actor=staff, proposal=p, decision=ReviewState.ACCEPTED)
        accepted.append((p, topic))
    for idx, (p, topic) in enumerate(accepted):
        if idx % 30 == 11:
            counts["to_assign"] += 1
            continue
        if idx % 17 == 5:
            cs.proposal_set_key(
                actor=staff,
                proposal=p,
                is_key=True,
                leader=d.rng.choice(data.KEY_LEADERS),
                plan="市领导领衔督办，牵头单位制定专项办理方案，每季度报告进展。",
            )
        # Never before the proposal was submitted (interim proposals come in later).
        on = max(assign_on + dt.timedelta(days=d.rng.randint(0, 3)), p.submitted_on)
        made = cs.assignment_create(actor=staff, proposal=p, units=_units_for(d, topic), assigned_on=on)
        counts["assigned"].append((p, made))
    return counts


def build(*, today: dt.date | None = None, seed: int = 2026, scale: float = 1.0) -> Demo:
    d = Demo(rng=random.Random(seed), today=today or timezone.localdate())
    d.reply_text = lambda *a, **kw: reply_text(d, *a, **kw)
    # No enclosing transaction: each service owns its own (durable) one.
    build_orgs(d)
    build_users(d)
    npc_start = d.today - dt.timedelta(days=75)
    cppcc_start = d.today - dt.timedelta(days=90)
    s1, p1 = build_session(
        d,
        body=NPC_BODY,
        code="DEMO-NPC",
        name=f"市七届人大{'六'}次会议",
        start=npc_start,
        count=max(20, int(240 * scale)),
        deputy_key="deputy",
    )
    s2, p2 = build_session(
        d,
        body=CPPCC_BODY,
        code="DEMO-CPPCC",
        name="市政协七届六次会议",
        start=cppcc_start,
        count=max(20, int(260 * scale)),
        deputy_key="member",
    )
    d.log.append(f"{s1.name}：{len(p1)} 件；{s2.name}：{len(p2)} 件")
    # Last year's session: its B commitments, some kept and converted to A, some still open.
    prev_start = npc_start - dt.timedelta(days=365)
    s0, p0 = build_session(
        d,
        body=NPC_BODY,
        code="DEMO-NPC-PREV",
        name="市七届人大五次会议",
        start=prev_start,
        count=max(12, int(40 * scale)),
        deputy_key="deputy",
    )
    counts = review_and_assign(d, s0, p0, assign_on=prev_start + dt.timedelta(days=14))
    advance(d, counts["assigned"], b_weight=60)
    converted = handling_demo.followups_settle(d, s0)
    d.log.append(f"{s0.name}：{len(p0)} 件，B类转A {converted} 件")
    for s, ps, start in ((s1, p1, npc_start), (s2, p2, cppcc_start)):
        counts = review_and_assign(d, s, ps, assign_on=start + dt.timedelta(days=14))
        advance(d, counts["assigned"])
    showcases(d)
    publish(d)
    return d


def showcases(d: Demo) -> None:
    """典型案例: a few A replies whose points were adopted, key proposals among them, marked by the
    body's staff so the summary proposes them and the public site can show them."""
    staff = {d.orgs[NPC_BODY].pk: d.users["npc_staff"], d.orgs[CPPCC_BODY].pk: d.users["cppcc_staff"]}
    marked = 0
    for body_id, user in staff.items():
        best = (
            Proposal.objects.filter(
                session__body_id=body_id, assignments__replies__state=ReplyState.SENT, assignments__result_class="A"
            )
            .distinct()
            .order_by("-is_key", "number")[:4]
        )
        for p in best:
            cs.proposal_set_key(
                actor=user,
                proposal=p,
                is_key=p.is_key,
                leader=p.key_leader,
                plan=p.key_plan,
                is_showcase=True,
            )
            marked += 1
    d.log.append(f"典型案例 {marked} 件")


def publish(d: Demo) -> None:
    """Disclosure review: most replies the units proposed for publication are approved, so the
    public site has content; the rest wait in the review queue."""

    staff = {d.orgs[NPC_BODY].pk: d.users["npc_staff"], d.orgs[CPPCC_BODY].pk: d.users["cppcc_staff"]}
    published = 0
    replies = Reply.objects.filter(state=ReplyState.SENT, disclosure="public").select_related(
        "assignment__proposal__session"
    )
    for i, r in enumerate(replies.order_by("pk")):
        if i % 4 == 3:
            continue
        try:
            publication_decide(
                actor=staff[r.assignment.proposal.session.body_id], reply=r, decision=PublicationState.PUBLISHED
            )
            published += 1
        except DomainError:
            continue
    d.log.append(f"公开答复 {published} 件")


def advance(d: Demo, assigned, *, b_weight: int = 18) -> None:
    """Move assigned cases through the handling stages (signing, contacts, replies, evaluation).

    Uses the handling services (banli.handling.demo).
    """
    handling_demo.advance(d, assigned, b_weight=b_weight)
