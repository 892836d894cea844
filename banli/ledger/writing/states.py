"""The states the ledger's bulk writer gives what it creates: the one place per entity.

The writer creates records already in the state their recorded history reached. Each state is
given as the path the services take to it (an assignment: 待签收 → 办理中 → … → the state), and
every step is checked against the assignment lifecycle's map, so the ledger cannot put a case
where the services could not. Replies and B follow-ups have no map on this branch yet; their
states are set here only (`REPLY_STATE`, `followup_state`) so their lifecycles' `check()` can be
applied in this module alone.

A 会办 unit whose lead replied without its opinion is closed as 未提交 (办理中/待签收 → 已办结),
the step the services take when the lead's reply is sent, so a finished year is not overdue for
ever (issue #20).
"""

from __future__ import annotations

import datetime as dt
import itertools

from banli.cases.lifecycle import ASSIGNMENT
from banli.cases.models import AssignmentRole, ReplyState, ResultClass, Verdict
from banli.cases.models import AssignmentState as A
from banli.errors import DomainError
from banli.handling.models import FollowUpState

from ..plan import RowAssignment

# A sent reply is the only kind the ledger records (草稿 → 待签发 → 已签发 → 已答复 happened outside).
REPLY_STATE = ReplyState.SENT

CONVERTED_NOTE = "台账导入：B类答复已转为A类（现类别 A）"


def assignment_path(ra: RowAssignment, lead_replied_on: dt.date | None) -> list[str]:
    """The states the row's history went through, from 待签收 to the one it is in now."""
    path = [A.PENDING_SIGN]
    if ra.role == AssignmentRole.CO:
        if ra.opinion_on:
            return path + [A.HANDLING, A.OPINION_SENT] + ([A.CLOSED] if lead_replied_on else [])
        if lead_replied_on:
            return path + ([A.HANDLING] if ra.signed_on else []) + [A.CLOSED]  # 未提交
        return path + ([A.HANDLING] if ra.signed_on else [])
    if not (ra.replied_on and ra.result_class):
        return path + ([A.HANDLING] if ra.signed_on else [])
    path += [A.HANDLING, A.IN_REVIEW, A.REPLIED]
    if ra.verdict == Verdict.UNSATISFIED:
        return path + [A.REHANDLING]
    if not ra.verdict:
        return path
    if ra.result_class == ResultClass.B:
        path.append(A.FOLLOW_UP)
        return path + [A.CLOSED] if _converted(ra) else path
    return path + [A.CLOSED]


def _converted(ra: RowAssignment) -> bool:
    return ra.current_class == ResultClass.A and ra.converted_on is not None


def check_path(path: list[str]) -> None:
    for old, to in itertools.pairwise(path):
        if not ASSIGNMENT.allows(old, to):
            raise DomainError(f"台账导入不能把交办从“{A(old).label}”变为“{A(to).label}”。")


def assignment_state(ra: RowAssignment, lead_replied_on: dt.date | None = None) -> tuple[str, dt.date | None]:
    """The state the ledger's history puts the assignment in, and its closing date.

    A co unit that sent its opinion is done once the lead has replied; a co unit without an
    opinion is closed as 未提交 when the lead replied without it; a B reply converted to A
    closes on 转A日期 once evaluated."""
    path = assignment_path(ra, lead_replied_on)
    check_path(path)
    state = path[-1]
    if state != A.CLOSED:
        return state, None
    if ra.role == AssignmentRole.CO:
        return state, max(ra.opinion_on or lead_replied_on, lead_replied_on)
    return state, ra.converted_on if _converted(ra) else ra.replied_on


def followup_state(ra: RowAssignment) -> tuple[str, dt.date | None, str]:
    """The B follow-up's state, closing date and note: open, or converted on 转A日期."""
    if _converted(ra):
        return FollowUpState.CONVERTED, ra.converted_on, CONVERTED_NOTE
    return FollowUpState.OPEN, None, ""
