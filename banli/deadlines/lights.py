"""Traffic lights (SPEC §5): one definition used by the tag, the dashboard and the reminders.

An assignment's *open* due dates are those whose action has not happened yet:

* sign        — still 待签收 (not signed) and `sign_due` set;
* reply       — lead / separate / sole, no first reply yet, not closed or withdrawn;
* opinion     — a co unit whose 会办意见 is not sent yet;
* rehandling  — in 重新办理 after an unsatisfied evaluation.

A closed assignment has no open due date (a co unit ends when its lead unit's reply is sent,
with or without its opinion); a withdrawn one has no light at all.

Red: any open due date before today. Yellow: not red and an open due date within
`YELLOW_WORKDAYS` working days (≤ 3 working days before it). Green: otherwise. The same rules
are expressed as Q objects so the dashboard filters in SQL on the stored due-date columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from banli.calendar import workdays as cal
from banli.cases.models import DUE_ROLES, AssignmentRole, AssignmentState

from .models import DueKind

YELLOW_WORKDAYS = 3

FINISHED = (AssignmentState.WITHDRAWN, AssignmentState.CLOSED)
CO_OPEN_STATES = (AssignmentState.PENDING_SIGN, AssignmentState.ADJUSTMENT_REQUESTED, AssignmentState.HANDLING)

DUE_FIELDS = {
    DueKind.SIGN: "sign_due",
    DueKind.REPLY: "reply_due",
    DueKind.OPINION: "opinion_due",
    DueKind.REHANDLING: "rehandling_due",
}


def open_q() -> dict[str, Q]:
    """For each due kind, the Q of assignments where that due date is open."""
    return {
        DueKind.SIGN: Q(state=AssignmentState.PENDING_SIGN, signed_on__isnull=True, sign_due__isnull=False),
        DueKind.REPLY: Q(role__in=DUE_ROLES, first_reply_on__isnull=True, reply_due__isnull=False)
        & ~Q(state__in=FINISHED),
        DueKind.OPINION: Q(role=AssignmentRole.CO, state__in=CO_OPEN_STATES, opinion_due__isnull=False),
        DueKind.REHANDLING: Q(state=AssignmentState.REHANDLING, rehandling_due__isnull=False),
    }


def yellow_threshold(today: dt.date) -> dt.date:
    return cal.add_workdays(today, YELLOW_WORKDAYS)


def red_q(today: dt.date, prefix: str = "") -> Q:
    q = Q(pk__in=[])
    for kind, oq in open_q().items():
        q |= oq & Q(**{f"{DUE_FIELDS[kind]}__lt": today})
    return _prefixed(q, prefix)


def at_risk_q(today: dt.date, prefix: str = "") -> Q:
    """Open due dates up to the yellow threshold (includes red ones)."""
    limit = yellow_threshold(today)
    q = Q(pk__in=[])
    for kind, oq in open_q().items():
        q |= oq & Q(**{f"{DUE_FIELDS[kind]}__lte": limit})
    return _prefixed(q, prefix)


def yellow_q(today: dt.date) -> Q:
    return at_risk_q(today) & ~red_q(today)


def late_history_q() -> Q:
    """Assignments that did something late: signed or first replied after the due date."""
    from django.db.models import F

    return Q(signed_on__gt=F("sign_due")) | Q(first_reply_on__gt=F("reply_due"))


def _prefixed(q: Q, prefix: str) -> Q:
    if not prefix:
        return q
    # Rebuild the Q with every lookup under `prefix` (e.g. "assignments__").
    new = Q()
    new.connector, new.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            new.children.append(_prefixed(child, prefix))
        else:
            k, v = child
            new.children.append((f"{prefix}{k}", v))
    return new


@dataclass
class OpenDue:
    kind: str
    due: dt.date
    workdays_left: int  # negative when overdue

    @property
    def label(self) -> str:
        return DueKind(self.kind).label

    @property
    def overdue(self) -> bool:
        return self.workdays_left < 0 or False


@dataclass
class Light:
    color: str  # green / yellow / red / done
    text: str
    dues: list[OpenDue] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    provisional: bool = False

    @property
    def css(self) -> str:
        return {"red": "light-red", "yellow": "light-yellow", "withdrawn": ""}.get(self.color, "light-green")

    @property
    def label(self) -> str:
        return {"red": "逾期", "yellow": "临期", "green": "正常", "done": "已完成", "withdrawn": "已撤回"}[self.color]

    @property
    def shown(self) -> bool:
        """Whether the light is drawn at all: a withdrawn assignment has none (its state says 已撤回)."""
        return self.color != "withdrawn"


def open_dues(a) -> list[tuple[str, dt.date]]:
    """(due kind, date) of the due dates still open on assignment `a` (mirrors `open_q`)."""
    out = []
    if a.state in FINISHED:
        return out
    if a.state == AssignmentState.PENDING_SIGN and a.signed_on is None and a.sign_due:
        out.append((DueKind.SIGN, a.sign_due))
    if a.role in DUE_ROLES and a.first_reply_on is None and a.reply_due:
        out.append((DueKind.REPLY, a.reply_due))
    if a.role == AssignmentRole.CO and a.state in CO_OPEN_STATES and a.opinion_due:
        out.append((DueKind.OPINION, a.opinion_due))
    if a.state == AssignmentState.REHANDLING and a.rehandling_due:
        out.append((DueKind.REHANDLING, a.rehandling_due))
    return out


def _days_text(d: OpenDue, today: dt.date) -> str:
    if d.due < today:
        return (
            f"{d.label}已逾期{-d.workdays_left}个工作日（{d.due:%m月%d日}到期）"
            if d.workdays_left
            else f"{d.label}已逾期（{d.due:%m月%d日}到期）"
        )
    if d.due == today:
        return f"{d.label}今日到期"
    return f"{d.label}还剩{d.workdays_left}个工作日（{d.due:%m月%d日}到期）"


def light(a, today: dt.date | None = None) -> Light:
    """The traffic light of assignment `a` on `today`."""
    from django.utils import timezone

    today = today or timezone.localdate()
    history = []
    if a.signed_on and a.sign_due and a.signed_on > a.sign_due:
        history.append(f"逾期签收{cal.workdays_between(a.sign_due, a.signed_on)}个工作日")
    if a.first_reply_on and a.reply_due and a.first_reply_on > a.reply_due:
        history.append(f"逾期答复{cal.workdays_between(a.reply_due, a.first_reply_on)}个工作日")
    if a.reply_due_original and a.reply_due and a.reply_due != a.reply_due_original:
        history.append(f"已延期至{a.reply_due:%Y-%m-%d}（原{a.reply_due_original:%Y-%m-%d}）")
    if a.state == AssignmentState.WITHDRAWN:
        return Light("withdrawn", "已撤回交办，无期限", [], history)
    dues = sorted((OpenDue(k, d, cal.workdays_between(today, d)) for k, d in open_dues(a)), key=lambda x: x.due)
    provisional = bool(getattr(a, "due_provisional", False))
    if not dues:
        return Light(
            "done", "已办结，无待办期限" if a.state in FINISHED else "当前无未到期事项", [], history, provisional
        )
    limit = yellow_threshold(today)
    nearest = dues[0]
    if nearest.due < today:
        color = "red"
    elif nearest.due <= limit:
        color = "yellow"
    else:
        color = "green"
    text = "；".join(_days_text(d, today) for d in dues)
    return Light(color, text, dues, history, provisional)
