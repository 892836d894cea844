"""Demo data for the handling stages (called by `banli demo` through banli.demo.build.advance).

Every step goes through the real services, acting as the unit's own liaison and leader, with the
services' clock set to a plausible past date, so the demo's figures, timelines and audit trail are
what real use would produce. Units without users (courts, district bureaus) stay at 待签收.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from banli.cases.models import AssignmentRole as R
from banli.cases.models import ContactMethod
from banli.cases.selectors import user_unit
from banli.errors import DomainError
from banli.orgs.models import Org, OrgKind, Role, User

from . import selectors as sel
from . import services as svc
from .models import CommitmentState, FollowUp, FollowUpState

METHODS = [
    ContactMethod.PHONE,
    ContactMethod.PHONE,
    ContactMethod.VISIT,
    ContactMethod.SYMPOSIUM,
    ContactMethod.JOINT_RESEARCH,
    ContactMethod.WECHAT,
    ContactMethod.FACE_TALK,
    ContactMethod.WRITTEN,
]


@contextmanager
def clock(day: dt.date):
    """Run services as if today were `day` (the demo replays the past)."""
    saved = svc.today
    svc.today = lambda: day
    try:
        yield
    finally:
        svc.today = saved


def _people() -> dict:
    by_unit: dict[int, dict[str, User]] = {}
    for u in (
        User.objects.filter(is_active=True, role_grants__role__in=[Role.UNIT_LIAISON, Role.UNIT_LEADER, Role.HANDLER])
        .select_related("org")
        .distinct()
    ):
        unit = user_unit(u)
        if unit is None:
            continue
        slot = by_unit.setdefault(unit.pk, {})
        for role in u.roles:
            slot.setdefault(role, u)
    return by_unit


def advance(d, assigned, *, b_weight: int = 18) -> None:
    rng, now = d.rng, d.today
    people = _people()
    staff = {
        o.pk: u
        for o, u in (
            (d.orgs.get(k), d.users.get(v))
            for k, v in (("市人大常委会选联任工委", "npc_staff"), ("市政协提案委员会", "cppcc_staff"))
        )
        if o and u
    }
    depts = {}
    for o in Org.objects.filter(kind=OrgKind.DEPT).only("pk", "path", "depth", "name"):
        depts.setdefault(o.path[: -o.steplen], []).append(o)
    counts = {"signed": 0, "replied": 0, "evaluated": 0, "b": 0, "rehandling": 0, "in_review": 0}

    def at(day):
        return clock(min(day, now))

    for proposal, made in assigned:
        body_staff = staff.get(proposal.session.body_id)
        for a in sorted(made, key=lambda x: x.role != R.CO):  # co units first, so opinions reach the lead
            who = people.get(a.unit_id, {})
            liaison, leader, handler = who.get(Role.UNIT_LIAISON), who.get(Role.UNIT_LEADER), who.get(Role.HANDLER)
            if liaison is None or rng.random() < 0.06:
                continue
            try:
                sign_on = a.assigned_on + dt.timedelta(days=rng.choice([1, 2, 3, 4, 6, 9]))
                if sign_on >= now:
                    continue
                with at(sign_on):
                    svc.assignment_sign(actor=liaison, assignment=a)
                counts["signed"] += 1
                unit_depts = depts.get(a.unit.path, [])
                if unit_depts and rng.random() < 0.6:
                    with at(sign_on + dt.timedelta(days=1)):
                        svc.plan_save(
                            actor=liaison,
                            assignment=a,
                            version=0,
                            lead_dept=rng.choice(unit_depts),
                            responsible_leader=leader,
                            text="按照责任清单分解落实，牵头处室会同相关处室研究办理。",
                        )
                        svc.plan_distribute(actor=liaison, assignment=a)
                if rng.random() < 0.85:
                    m = rng.choice(METHODS)
                    with at(sign_on + dt.timedelta(days=rng.randint(2, 15))):
                        svc.contact_add(
                            actor=handler if handler and a.tasks.filter(dept=handler.org).exists() else liaison,
                            assignment=a,
                            on=svc.today(),
                            stage="before",
                            method=m,
                            participants=proposal.lead.name,
                            summary="听取代表委员对办理工作的意见建议，商定办理思路。",
                            leader=leader.display_name if leader and m == ContactMethod.FACE_TALK else "",
                        )
                if a.role == R.CO:
                    if rng.random() < 0.85:
                        with at(sign_on + dt.timedelta(days=rng.randint(8, 28))):
                            svc.co_opinion_submit(
                                actor=liaison,
                                assignment=a,
                                text="我单位同意主办单位的办理思路，并将在职责范围内配合落实。",
                            )
                    continue
                if leader is None or rng.random() < 0.3:
                    continue
                sent_on = sign_on + dt.timedelta(days=rng.randint(18, 55))
                if sent_on >= now:
                    continue
                cls = rng.choices(
                    ["A", "B", "C", "D"],
                    weights=[70, b_weight, 10, 2 if proposal.session.body.kind == OrgKind.CPPCC else 0],
                )[0]
                commitments = (
                    [("按计划分步推进，年内完成相关工作。", sent_on + dt.timedelta(days=rng.randint(120, 300)))]
                    if cls == "B"
                    else None
                )
                contact = liaison.full_name.split()[-1]
                phone = f"0755-8{rng.randint(1000000, 9999999)}"
                due = commitments[0][1] if commitments else None
                text = d.reply_text(proposal, cls, contact=contact, phone=phone, due=due)
                with at(sent_on):
                    r = svc.reply_save_draft(
                        actor=liaison,
                        assignment=a,
                        version=0,
                        result_class=cls,
                        text=text,
                        signer=leader.full_name.split()[-1],
                        contact_name=contact,
                        contact_phone=phone,
                        disclosure="public",
                        commitments=commitments,
                    )
                    svc.reply_submit(actor=liaison, reply=r)
                    if rng.random() < 0.06:  # waiting for the leader's 签发 (the leader's demo work)
                        counts["in_review"] += 1
                        continue
                    svc.reply_approve(actor=leader, reply=r)
                    svc.reply_send(actor=liaison, reply=r, missing_opinion_reason="会办单位意见已电话沟通，先行答复。")
                counts["replied"] += 1
                counts["b"] += cls == "B"
                eval_on = sent_on + dt.timedelta(days=rng.randint(3, 25))
                if eval_on >= now or rng.random() < 0.35:
                    continue
                lead = proposal.lead
                actor = lead.user if lead.user_id else body_staff
                if actor is None:
                    continue
                verdict = rng.choices(["satisfied", "basically", "unsatisfied"], weights=[80, 15, 5])[0]
                with at(eval_on):
                    svc.evaluation_submit(
                        actor=actor,
                        assignment=a,
                        proposer=None if lead.user_id else lead,
                        verdict=verdict,
                        attitude="satisfied",
                        result=verdict,
                        visited=rng.random() < 0.6,
                        heard_via="走访",
                        addresses="针对",
                        leader_replied=True,
                        comment="" if verdict != "unsatisfied" else "答复未解决实际问题，请进一步研究。",
                    )
                counts["evaluated"] += 1
                counts["rehandling"] += verdict == "unsatisfied"
            except DomainError as e:  # a demo case that does not fit the rules simply stops where it is
                d.log.append(f"{proposal.number} {a.unit.name}：{e.message}")
    d.log.append(
        f"办理：签收 {counts['signed']}，答复 {counts['replied']}（B类 {counts['b']}"
        f"），评价 {counts['evaluated']}，重新办理 {counts['rehandling']}，待签发 {counts['in_review']}"
    )


def followups_settle(d, session, *, share: float = 0.5) -> int:
    """An earlier session's B commitments a year on: about `share` of them kept and the case turned
    into class A (转A), the rest still open — what the B-class follow-up section reports."""
    people = _people()
    converted = 0
    for f in FollowUp.objects.filter(assignment__proposal__session=session, state=FollowUpState.OPEN).order_by("pk"):
        if d.rng.random() >= share:
            continue
        liaison = people.get(f.assignment.unit_id, {}).get(Role.UNIT_LIAISON)
        if liaison is None:
            continue
        outcomes = {
            c.pk: ("done", "已按承诺完成，项目已投入使用。", None)
            for c in sel.followup_commitments(f).filter(state=CommitmentState.OPEN)
        }
        on = min(d.today, f.opened_on + dt.timedelta(days=d.rng.randint(150, 300)))
        try:
            with clock(on):
                svc.followup_convert_to_a(
                    actor=liaison, followup=f, note="承诺事项已全部落实，问题已解决，申报转为A类。", outcomes=outcomes
                )
            converted += 1
        except DomainError as e:
            d.log.append(f"{f.assignment.proposal.number}：{e.message}")
    return converted
